"""Absence periods of the contacts directory (SPEC §5): a contact away has new cases routed to the
deputy (services/notifier/routing.py). The staff API and the workspace's absence page both use these.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import ValidationError, fields, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.directory import contact_by_email
from shared.i18n import N_
from shared.models import Absence, Contact

from .schemas import DATE_ERRORS, StrictSchema, Text, _length

MAX_ID = 2**31 - 1  # the id column's range; beyond it nothing can exist


class AbsenceIn(StrictSchema):
    starts_on = fields.Date(required=True, error_messages=DATE_ERRORS,
                            metadata={"description": "First day away"})
    ends_on = fields.Date(required=True, error_messages=DATE_ERRORS,
                          metadata={"description": "Last day away, included"})
    note = Text(load_default="", multiline=True, validate=_length(None, 500))

    @validates_schema
    def _in_order(self, data: dict[str, Any], **_: Any) -> None:
        if data["ends_on"] < data["starts_on"]:
            raise ValidationError(N_("Siste fraværsdag kan ikke være før første."), "ends_on")


class ContactNotFound(LookupError):
    pass


class AbsenceNotFound(LookupError):
    pass


class OtherParty(Exception):
    """Only the contact's own party (or a system) may change the contact's absences."""


def find_contact(session: Session, email: str) -> Contact:
    contact = contact_by_email(session, email)
    if contact is None:
        raise ContactNotFound(email)
    return contact


def absences(session: Session, email: str) -> list[Absence]:
    contact = find_contact(session, email)
    return list(session.execute(
        select(Absence).where(Absence.contact_email == contact.email)
        .order_by(Absence.starts_on, Absence.id)
    ).scalars())


def add_absence(session: Session, email: str, starts_on: dt.date, ends_on: dt.date, note: str,
                *, party: str) -> Absence:
    """A contact's own party (or a system) registers the absence; the caller commits."""
    contact = _own_contact(session, email, party)
    absence = Absence(contact_email=contact.email, starts_on=starts_on, ends_on=ends_on, note=note)
    session.add(absence)
    session.flush()
    return absence


def remove_absence(session: Session, email: str, absence_id: int, *, party: str) -> None:
    contact = _own_contact(session, email, party)
    absence = session.get(Absence, absence_id) if absence_id <= MAX_ID else None
    if absence is None or absence.contact_email != contact.email:
        raise AbsenceNotFound(absence_id)
    session.delete(absence)


def _own_contact(session: Session, email: str, party: str) -> Contact:
    contact = find_contact(session, email)
    if party not in ("system", contact.party):
        raise OtherParty(contact.party)
    return contact
