"""Staff API on the contacts directory: absence periods, which send new cases to the deputy."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from shared.db import unit_of_work
from shared.models import Absence

from .absences import AbsenceIn, AbsenceNotFound, ContactNotFound, OtherParty, absences, add_absence, remove_absence
from .api import documented_errors
from .auth import current_principal, require
from .errors import ApiError
from .staff import SECURED, STAFF_ERRORS

bp = Blueprint("contacts", __name__, url_prefix="/api/v1", description="Kontaktpersoner og fravær")


class AbsenceOut(Schema):
    id = fields.Integer()
    contact_email = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    note = fields.String()


class AbsenceListOut(Schema):
    items = fields.List(fields.Nested(AbsenceOut))


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
