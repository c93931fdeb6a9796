"""Use cases on the directory for the workspace: search, export, and deactivating a contact.

Deactivating withdraws the contact's access (tokens.deactivate_contact) and hands each of their
open cases to a stand-in of the same party through case_actions.change_case, so every move is a
history row of its case. A party deactivates only its own contacts.

Everything is within the user's agreements (SPEC §8): the lists and the export hold the companies
and contacts of those agreements only, a contact outside them is not found, and a case moves only to
a stand-in in the case's own agreement (one choice per agreement the contact has open cases in).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import Session

from shared.access import in_agreements, may_hold_case
from shared.agreement import OPEN_STATUSES
from shared.directory import contact_by_email
from shared.directory_csv import (
    CONTACT_COLUMNS,
    CONTACT_EXTRA,
    COOPERATIVE_COLUMNS,
    COOPERATIVE_OPTIONAL,
    agreement_cell,
    write_table,
)
from shared.handbook_roles import in_agreement
from shared.models import Agreement, Case, Contact, Cooperative, contact_agreement

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
    """The deactivation is refused; the message says why, in the page's language."""


class NeedsStandIn(ValueError):
    """The contact holds open cases in these agreements and no valid stand-in was chosen there."""

    def __init__(self, agreements: list[int]) -> None:
        super().__init__(gettext("Velg hvem sakene skal gå til."))
        self.agreements = agreements


def _page(session: Session, query: Any, page: int) -> Page:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    items = list(session.scalars(query.offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    return Page(items, total, page, pages)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def cooperatives(session: Session, search: str, page: int, agreements: frozenset[int] | None = None) -> Page:
    query = (select(Cooperative).where(in_agreements(Cooperative.agreement_id, agreements))
             .order_by(Cooperative.name, Cooperative.id))
    if search:
        pattern = _like(search)
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            Cooperative.name, Cooperative.orgnr, Cooperative.address, Cooperative.city,
            Cooperative.association_contact))))
    return _page(session, query, page)


def contacts_in(agreements: frozenset[int] | None) -> Any:
    """A SQL condition: the contact works in one of `agreements` (None: any contact)."""
    if agreements is None:
        return true()
    return Contact.id.in_(select(contact_agreement.c.contact_id)
                          .where(contact_agreement.c.agreement_id.in_(agreements)))


def contacts(session: Session, search: str, page: int, agreements: frozenset[int] | None = None) -> Page:
    query = select(Contact).where(contacts_in(agreements)).order_by(Contact.party, Contact.name, Contact.id)
    if search:
        pattern = _like(search)
        query = query.where(or_(*(func.lower(column).like(pattern, escape="\\") for column in (
            Contact.name, Contact.email, Contact.organisation, Contact.role))))
    return _page(session, query, page)


def export(session: Session, kind: str, agreements: frozenset[int] | None = None) -> str:
    """The user's agreements' companies or contacts as the import reads them: a company with its
    agreement and housing type, a contact with the agreements (of the user's) they work in."""
    if kind == COOPERATIVES:
        return write_table((*COOPERATIVE_COLUMNS, *COOPERATIVE_OPTIONAL), session.scalars(
            select(Cooperative).where(in_agreements(Cooperative.agreement_id, agreements))
            .order_by(Cooperative.orgnr)), {"agreement": lambda c: c.agreement_id})
    assert kind == CONTACTS
    return write_table((*CONTACT_COLUMNS, *CONTACT_EXTRA), session.scalars(
        select(Contact).where(contacts_in(agreements)).order_by(Contact.email)),
        {"agreements": lambda c: agreement_cell(c, agreements)})


def agreement_names(session: Session, agreements: frozenset[int] | None) -> dict[int, str]:
    return dict(session.execute(select(Agreement.id, Agreement.name)
                                .where(in_agreements(Agreement.id, agreements))).all())


def find_contact(session: Session, contact_id: int, agreements: frozenset[int] | None = None) -> Contact:
    """The contact, when they work in one of `agreements` (None: any); else ContactNotFound."""
    contact = session.get(Contact, contact_id)
    if contact is None or (agreements is not None and not {a.id for a in contact.agreements} & agreements):
        raise ContactNotFound(contact_id)
    return contact


def open_cases(session: Session, contact: Contact) -> dict[int, list[Case]]:
    """The contact's open cases by agreement, in agreement order."""
    found: dict[int, list[Case]] = {}
    for case in session.scalars(select(Case).where(Case.assignee == contact.email, Case.status.in_(OPEN_STATUSES))
                                .order_by(Case.agreement_id, Case.created_at, Case.id)):
        found.setdefault(case.agreement_id, []).append(case)
    return found


def stand_ins(session: Session, contact: Contact, agreement_id: int) -> list[Contact]:
    """Who may take over the contact's cases in one agreement: active contacts of the same party in
    that agreement who may hold cases."""
    candidates = session.scalars(select(Contact).where(Contact.party == contact.party, Contact.id != contact.id,
                                                       in_agreement(agreement_id)).order_by(Contact.name))
    return [candidate for candidate in candidates if may_hold_case(candidate)]


def check_may_deactivate(session: Session, contact: Contact, *, party: str, email: str,
                         agreements: frozenset[int] | None) -> None:
    if contact.party != party:
        raise NotAllowed(gettext("Du kan bare deaktivere kontaktpersoner i din egen part."))
    if contact.email == email:
        raise NotAllowed(gettext("Du kan ikke deaktivere deg selv. Be en kollega gjøre det."))
    if contact.deactivated_at is not None:
        raise NotAllowed(gettext("%(name)s er allerede deaktivert.", name=contact.name))
    if agreements is not None and set(open_cases(session, contact)) - agreements:
        raise NotAllowed(gettext("%(name)s har åpne saker i en avtale du ikke er med i. Be noen i den avtalen "
                                 "overføre dem først.", name=contact.name))


def deactivate(session: Session, contact_id: int, *, to: Mapping[int, str], party: str, actor: str,
               now: dt.datetime, agreements: frozenset[int] | None) -> int:
    """Deactivate the contact and hand their open cases in each agreement to `to[agreement]`, a
    stand-in in that agreement; how many cases moved."""
    contact = find_contact(session, contact_id, agreements)
    check_may_deactivate(session, contact, party=party, email=actor, agreements=agreements)
    cases = open_cases(session, contact)
    chosen = {number: contact_by_email(session, to.get(number)) for number in cases}
    missing = [number for number, stand_in in chosen.items()
               if stand_in is None or stand_in not in stand_ins(session, contact, number)]
    if missing:
        raise NeedsStandIn(missing)
    deactivate_contact(session, contact.email, now)
    for number, group in cases.items():
        stand_in = chosen[number]
        assert stand_in is not None
        for case in group:
            change_case(session, case, "reassign", actor=actor, now=now, to=stand_in.email,
                        comment=f"{contact.name} er deaktivert i katalogen; saken er overført til {stand_in.name}.")
    return sum(len(group) for group in cases.values())
