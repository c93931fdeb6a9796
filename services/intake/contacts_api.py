"""Staff API on the contacts directory: absence periods, which send new cases to the deputy."""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db import unit_of_work
from shared.directory import contact_by_email
from shared.models import Absence, Contact

from .api import documented_errors
from .auth import current_principal, require
from .errors import ApiError
from .schemas import DATE_ERRORS, StrictSchema, Text, _length
from .staff import SECURED, STAFF_ERRORS

bp = Blueprint("contacts", __name__, url_prefix="/api/v1", description="Kontaktpersoner og fravær")
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
            raise ValidationError("Siste fraværsdag kan ikke være før første.", "ends_on")


class AbsenceOut(Schema):
    id = fields.Integer()
    contact_email = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    note = fields.String()


class AbsenceListOut(Schema):
    items = fields.List(fields.Nested(AbsenceOut))


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


def not_found(email: str) -> ApiError:
    return ApiError(404, f"Fant ingen kontaktperson {email[:254]}.")


def other_party() -> ApiError:
    return ApiError(403, "Du kan bare endre fravær for kontaktpersoner i din egen part.")


@bp.route("/contacts/<email>/absences", methods=["GET"])
@require("absence.manage")
@bp.response(200, AbsenceListOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 429, 503)
def list_absences(email: str) -> dict[str, Any]:
    """Fraværsperiodene til en kontaktperson."""
    with current_app.extensions["sessionmaker"]() as session:
        try:
            return {"items": absences(session, email)}
        except ContactNotFound:
            raise not_found(email) from None


@bp.route("/contacts/<email>/absences", methods=["POST"])
@require("absence.manage")
@bp.arguments(AbsenceIn)
@bp.response(201, AbsenceOut)
@bp.doc(**SECURED)
@documented_errors(*STAFF_ERRORS, 404)
def create_absence(body: dict[str, Any], email: str) -> Absence:
    """Registrer fravær: nye saker går til stedfortrederen fra første til siste dag."""
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            return add_absence(session, email, body["starts_on"], body["ends_on"], body["note"] or "",
                               party=current_principal().party)
    except ContactNotFound:
        raise not_found(email) from None
    except OtherParty:
        raise other_party() from None


@bp.route("/contacts/<email>/absences/<int:absence_id>", methods=["DELETE"])
@require("absence.manage")
@bp.response(204)
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 429, 503)
def delete_absence(email: str, absence_id: int) -> None:
    """Slett en fraværsperiode som var feil registrert."""
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            remove_absence(session, email, absence_id, party=current_principal().party)
    except ContactNotFound:
        raise not_found(email) from None
    except AbsenceNotFound:
        raise ApiError(404, "Fant ikke denne fraværsperioden.") from None
    except OtherParty:
        raise other_party() from None
