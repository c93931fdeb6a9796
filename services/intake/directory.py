"""Use cases on the directory for the workspace: search, export, and deactivating a contact.

Deactivating withdraws the contact's access (tokens.deactivate_contact) and hands each of their
open cases to a stand-in of the same party through case_actions.change_case, so every move is a
history row of its case. A party deactivates only its own contacts.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shared.access import may_hold_case
from shared.agreement import OPEN_STATUSES
from shared.directory import contact_by_email
from shared.directory_csv import CONTACT_COLUMNS, CONTACT_EXTRA, COOPERATIVE_COLUMNS, write_table
from shared.models import Case, Contact, Cooperative

from .case_actions import change_case
from .directory_import import CONTACTS, COOPERATIVES
from .tokens import deactivate_contact

PER_PAGE = 25


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    pages: int

    @property
    def numbers(self) -> list[int | None]:
        """The page numbers to link: all of few, else the first, the last and those near this one;
        None for a gap."""
        shown = [n for n in range(1, self.pages + 1)
                 if self.pages <= 7 or n in (1, self.pages) or abs(n - self.page) <= 1]
        out: list[int | None] = []
        for n in shown:
            if out and out[-1] is not None and n - out[-1] > 1:
                out.append(None)
            out.append(n)
        return out


class ContactNotFound(LookupError):
    pass


class NotAllowed(Exception):
    """The deactivation is refused; the message says why, in bokmål."""


class NeedsStandIn(ValueError):
    """The contact holds open cases and no valid stand-in was chosen."""


def _page(session: Session, query: Any, page: int) -> Page:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    items = list(session.scalars(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    return Page(items, total, page, pages)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def cooperatives(session: Session, search: str, page: int) -> Page:
    query = select(Cooperative).order_by(Cooperative.name, Cooperative.id)
    if search:
        pattern = _like(search)
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            Cooperative.name, Cooperative.orgnr, Cooperative.address, Cooperative.city,
            Cooperative.association_contact))))
    return _page(session, query, page)


def contacts(session: Session, search: str, page: int) -> Page:
    query = select(Contact).order_by(Contact.party, Contact.name, Contact.id)
    if search:
        pattern = _like(search)
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            Contact.name, Contact.email, Contact.organisation, Contact.role))))
    return _page(session, query, page)


def export(session: Session, kind: str) -> str:
    if kind == COOPERATIVES:
        return write_table(COOPERATIVE_COLUMNS, session.scalars(select(Cooperative).order_by(Cooperative.orgnr)))
    assert kind == CONTACTS
    return write_table((*CONTACT_COLUMNS, *CONTACT_EXTRA), session.scalars(select(Contact).order_by(Contact.email)))


def find_contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise ContactNotFound(contact_id)
    return contact


def open_cases(session: Session, contact: Contact) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.assignee == contact.email, Case.status.in_(OPEN_STATUSES))
                                .order_by(Case.created_at, Case.id)))


def stand_ins(session: Session, contact: Contact) -> list[Contact]:
    """Who may take over the contact's cases: active contacts of the same party who may hold cases."""
    candidates = session.scalars(select(Contact).where(Contact.party == contact.party, Contact.id != contact.id)
                                 .order_by(Contact.name))
    return [candidate for candidate in candidates if may_hold_case(candidate)]


def check_may_deactivate(contact: Contact, *, party: str, email: str) -> None:
    if contact.party != party:
        raise NotAllowed("Du kan bare deaktivere kontaktpersoner i din egen part.")
    if contact.email == email:
        raise NotAllowed("Du kan ikke deaktivere deg selv. Be en kollega gjøre det.")
    if contact.deactivated_at is not None:
        raise NotAllowed(f"{contact.name} er allerede deaktivert.")


def deactivate(session: Session, contact_id: int, *, to: str | None, party: str, actor: str,
               now: dt.datetime) -> int:
    """Deactivate the contact and hand their open cases to `to`; how many cases moved."""
    contact = find_contact(session, contact_id)
    check_may_deactivate(contact, party=party, email=actor)
    cases = open_cases(session, contact)
    stand_in = contact_by_email(session, to) if cases else None
    if cases and (stand_in is None or stand_in not in stand_ins(session, contact)):
        raise NeedsStandIn("Velg hvem sakene skal gå til.")
    deactivate_contact(session, contact.email, now)
    for case in cases:
        assert stand_in is not None
        change_case(session, case, "reassign", actor=actor, now=now, to=stand_in.email,
                    comment=f"{contact.name} er deaktivert i katalogen; saken er overført til {stand_in.name}.")
    return len(cases)
