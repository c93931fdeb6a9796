"""Staff API: acquisition notices, sublet questions and meeting requests (bearer tokens)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from shared.access import AgreementAmbiguous, AgreementNotVisible
from shared.case_details import MeetingRequestDetails
from shared.db import unit_of_work
from shared.models import utcnow

from .api import COMMON_ERRORS, documented_errors, unknown_cooperative
from .auth import current_principal, require
from .cases import UnknownCooperative
from .errors import ApiError
from .idempotency import idempotent
from .notices import NotOwnParty, ask_about_sublet, notify_acquisition, request_meeting, sublet_approval
from .staff_schemas import (
    AcquisitionOut,
    AcquisitionSchema,
    MeetingRequestOut,
    MeetingRequestSchema,
    SubletOut,
    SubletSchema,
)

bp = Blueprint("staff", __name__, url_prefix="/api/v1", description="Erverv, framleie og møter")
SECURED: dict[str, Any] = {"security": [{"bearerAuth": []}]}
STAFF_ERRORS = (*COMMON_ERRORS, 401, 403)


def _run(use_case: Callable[..., Any], body: dict[str, Any]) -> Any:
    settings = current_app.config["SETTINGS"]
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            return use_case(session, body, current_principal(), now=utcnow(), tz_name=settings.tz_name)
    except UnknownCooperative:
        raise unknown_cooperative() from None


@bp.route("/acquisitions", methods=["POST"])
@require("acquisition.create")
@idempotent
@bp.arguments(AcquisitionSchema)
@bp.response(201, AcquisitionOut)
@bp.doc(**SECURED)
@documented_errors(*STAFF_ERRORS)
def create_acquisition(notice: dict[str, Any]) -> dict[str, Any]:
    """Varsle om planlagt erverv av en andel, med kommunens andel før og etter."""
    result = _run(notify_acquisition, notice)
    cooperative = result.cooperative
    return {
        "reference": result.reference,
        "status": result.status,
        "cooperative": cooperative,
        "before": {"municipality_owned": result.owned_before, "percent": result.percent_before},
        "after": {"municipality_owned": result.owned_after, "percent": result.percent_after},
        "cap": result.cap,
        "cap_rule": result.limit.rule,
        "warning": result.warning,
    }


@bp.route("/sublets", methods=["POST"])
@require("sublet.create")
@idempotent
@bp.arguments(SubletSchema)
@bp.response(201, SubletOut)
@bp.doc(**SECURED)
@documented_errors(*STAFF_ERRORS)
def create_sublet(question: dict[str, Any]) -> dict[str, Any]:
    """Be om styrets godkjenning av en ny kommunal leietaker (burettslagslova § 5-6); i et sameie
    informerer varselet samarbeidsutvalget, uten godkjenning fra styret."""
    case = _run(ask_about_sublet, question)
    needed, note = sublet_approval(case.cooperative)
    return {"reference": case.reference, "status": case.status, "board_approval": needed, "note": note}


@bp.route("/meeting-requests", methods=["POST"])
@require("meeting_request.create")
@idempotent
@bp.arguments(MeetingRequestSchema)
@bp.response(201, MeetingRequestOut)
@bp.doc(**SECURED)
@documented_errors(*STAFF_ERRORS)
def create_meeting_request(body: dict[str, Any]) -> dict[str, Any]:
    """Be om møte i samarbeidsutvalget; møtet skal holdes innen 21 dager."""
    try:
        case = _run(request_meeting, body)
    except NotOwnParty:
        raise ApiError(403, "Du kan bare be om møte på vegne av din egen part.") from None
    except AgreementAmbiguous as error:
        raise ApiError(422, fields={"agreement": [
            f"Du er med i flere avtaler; velg en av {', '.join(map(str, error.choices))}."]}) from None
    except AgreementNotVisible:
        raise ApiError(422, fields={"agreement": ["Du er ikke med i denne avtalen."]}) from None
    return {
        "reference": case.reference,
        "status": case.status,
        "deadline": MeetingRequestDetails.of(case).deadline,
        "meeting": None,
    }
