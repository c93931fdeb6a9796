"""Staff API on the routine handbook: the current version, its history, and a new version.

Each agreement has its own handbook (SPEC §8): `?agreement=` names it, by default the caller's only
one (422 when they are in several and name none, 404 when it is not theirs)."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.access import AgreementAmbiguous, AgreementNotVisible, chosen_agreement
from shared.db import unit_of_work
from shared.handbook import Handbook, HandbookError
from shared.handbook_versions import current_handbook, save_handbook
from shared.models import HandbookVersion, utcnow

from .api import documented_errors
from .auth import current_principal, require
from .errors import ApiError
from .schemas import REQUIRED, StrictSchema
from .staff import SECURED, STAFF_ERRORS

bp = Blueprint("handbook", __name__, url_prefix="/api/v1", description="Rutinehåndbok")
MAX_YAML = 60_000


class HandbookIn(StrictSchema):
    yaml = fields.String(
        required=True, error_messages={**REQUIRED, "invalid": "Må være tekst."},
        validate=validate.Length(min=1, max=MAX_YAML, error=f"Må være mellom 1 og {MAX_YAML} tegn."),
        metadata={"description": "The whole handbook as YAML (see shared/data/handbook.yaml)"},
    )


class HandbookQuery(StrictSchema):
    agreement = fields.Integer(validate=validate.Range(min=1), metadata={
        "description": "The agreement's id; defaults to the caller's only agreement (422 when they have several)"})


class RuleOut(Schema):
    case_type = fields.String()
    category = fields.String(allow_none=True, metadata={"description": "null: the type's default"})
    cooperative_orgnr = fields.String(allow_none=True,
                                      metadata={"description": "null: every borettslag"})
    primary = fields.String(metadata={"description": "Role selector, e.g. municipality.main_contact"})
    copies = fields.List(fields.String())
    acknowledge_days = fields.Integer(allow_none=True, metadata={"description": "Working days"})
    resolve_days = fields.Integer(allow_none=True, metadata={"description": "Working days"})
    reminder_fraction = fields.Float()
    escalate_to = fields.String()
    templates = fields.Dict(keys=fields.String(), values=fields.String())


class VersionOut(Schema):
    id = fields.Integer()
    agreement = fields.Integer(attribute="agreement_id", metadata={"description": "The agreement's id"})
    created_at = fields.DateTime()
    created_by = fields.String()
    summary = fields.String(metadata={"description": "Which rules changed from the version before"})


class VersionListOut(Schema):
    items = fields.List(fields.Nested(VersionOut))


class HandbookOut(Schema):
    version = fields.Integer()
    agreement = fields.Integer(metadata={"description": "The agreement whose handbook this is"})
    created_at = fields.DateTime()
    created_by = fields.String()
    summary = fields.String()
    rules = fields.List(fields.Nested(RuleOut), metadata={"description": "Every rule, resolved"})
    yaml = fields.String()


def _sessions() -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = current_app.extensions["sessionmaker"]
    return sessions


def _path() -> str | None:
    return current_app.config["SETTINGS"].handbook_path or None


def _view(session: Session, version_id: int, handbook: Handbook) -> dict[str, Any]:
    row = session.get_one(HandbookVersion, version_id)
    return {"version": row.id, "agreement": row.agreement_id, "created_at": row.created_at,
            "created_by": row.created_by, "summary": row.summary, "rules": handbook.rows(), "yaml": row.source}


def _agreement(session: Session, query: dict[str, Any]) -> int:
    """The agreement named, or the caller's only one (shared.access.chosen_agreement)."""
    try:
        return chosen_agreement(session, current_principal(), query.get("agreement"))
    except AgreementAmbiguous as error:
        raise ApiError(422, fields={"agreement": [
            f"Du er med i flere avtaler; velg en av {', '.join(map(str, error.choices))}."]}) from None
    except AgreementNotVisible:
        raise ApiError(404) from None


@bp.route("/handbook", methods=["GET"])
@require("handbook.read")
@bp.arguments(HandbookQuery, location="query")
@bp.response(200, HandbookOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 422, 429, 503)
def handbook(query: dict[str, Any]) -> dict[str, Any]:
    """Rutinehåndboka som gjelder nå i avtalen: reglene og YAML-teksten."""
    with unit_of_work(_sessions()) as session:  # the first read stores the file as the first version
        agreement = _agreement(session, query)
        return _view(session, *current_handbook(session, _path(), now=utcnow(), agreement_id=agreement))


@bp.route("/handbook/versions", methods=["GET"])
@require("handbook.read")
@bp.arguments(HandbookQuery, location="query")
@bp.response(200, VersionListOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 422, 429, 503)
def versions(query: dict[str, Any]) -> dict[str, Any]:
    """Alle versjoner av avtalens rutinehåndbok, nyeste først, med hva som ble endret."""
    with unit_of_work(_sessions()) as session:
        agreement = _agreement(session, query)
        current_handbook(session, _path(), now=utcnow(), agreement_id=agreement)
        rows = session.execute(select(HandbookVersion).where(HandbookVersion.agreement_id == agreement)
                               .order_by(HandbookVersion.id.desc())).scalars()
        return {"items": list(rows)}


@bp.route("/handbook", methods=["PUT"])
@require("handbook.edit")
@bp.arguments(HandbookQuery, location="query")
@bp.arguments(HandbookIn)
@bp.response(200, HandbookOut)
@bp.doc(**SECURED)
@documented_errors(*STAFF_ERRORS, 404, 422)
def replace_handbook(query: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Lagre en ny versjon av avtalens rutinehåndbok; den gjelder for saker som rutes fra nå av."""
    text = body["yaml"].replace("\r\n", "\n")
    try:
        with unit_of_work(_sessions()) as session:
            agreement = _agreement(session, query)
            saved = save_handbook(session, text, current_principal().actor, utcnow(), path=_path(),
                                  agreement_id=agreement)
            return _view(session, *saved)
    except HandbookError as error:
        raise ApiError(422, "Rutinehåndboka er ikke gyldig; ingenting er lagret.",
                       fields={"yaml": [str(problem) for problem in error.problems]}) from None
