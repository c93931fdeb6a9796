"""Staff API on cases: list with filters and paging, one case with history, transitions."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from shared import lifecycle
from shared.board_approval import BoardDecisionRefused, record_board_decision
from shared.calendar import local_today
from shared.db import unit_of_work
from shared.deadlines import day_type, deadline_state, deadlines_of
from shared.models import Case, Deadline, utcnow

from .api import documented_errors
from .auth import caller_agreements, current_principal, require
from .case_actions import (
    AssigneeNotAllowed,
    CaseNotFound,
    UnknownAssignee,
    change_case,
    get_case,
    list_cases,
)
from .errors import ApiError
from .idempotency import idempotent
from .staff import SECURED, STAFF_ERRORS
from .staff_schemas import BoardDecisionSchema, CaseDetailOut, CasePageOut, CaseQuerySchema, TransitionSchema

bp = Blueprint("cases", __name__, url_prefix="/api/v1", description="Saker")


def deadline_view(deadline: Deadline, now: dt.datetime, zone: ZoneInfo) -> dict[str, Any]:
    view: dict[str, Any] = {
        column: moment.astimezone(zone) if (moment := getattr(deadline, column)) else None
        for column in ("due_at", "remind_at", "reminded_at", "escalated_at", "met_at", "closed_at")
    }
    view.update(kind=deadline.kind, days=deadline.working_days, day_type=day_type(deadline.kind),
                state=deadline_state(deadline, now))
    return view


def detail_view(session: Session, case: Case) -> dict[str, Any]:
    """The case with its history and its deadlines, times in the agreement's zone."""
    now, zone = utcnow(), ZoneInfo(current_app.config["SETTINGS"].tz_name)
    view = case_view(case, with_history=True)
    view["deadlines"] = [deadline_view(d, now, zone) for d in deadlines_of(session, case.id)]
    return view


def case_view(case: Case, *, with_history: bool = False) -> dict[str, Any]:
    view = {
        column: getattr(case, column)
        for column in ("reference", "type", "status", "category", "description", "share_number",
                       "address", "occurred_on", "assignee", "unrouted", "overdue", "details", "created_by",
                       "created_at", "updated_at")
    }
    view["cooperative"] = case.cooperative
    view["submitter"] = {"name": case.submitter_name, "email": case.submitter_email,
                         "phone": case.submitter_phone, "role": case.submitter_role}
    view["allowed_actions"] = [a for a in lifecycle.allowed_actions(case.status) if a in lifecycle.STAFF_ACTIONS]
    if with_history:
        view["history"] = case.history
    return view


@bp.route("/cases", methods=["GET"])
@require("case.read")
@bp.arguments(CaseQuerySchema, location="query")
@bp.response(200, CasePageOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 429, 503)
def cases(filters: dict[str, Any]) -> dict[str, Any]:
    """Saker, nyeste først, filtrert på type, status og ansvarlig."""
    with current_app.extensions["sessionmaker"]() as session:
        items, total = list_cases(session, {**filters, "agreements": caller_agreements(session)})
        return {"items": [case_view(case) for case in items], "total": total,
                "page": filters["page"], "per_page": filters["per_page"]}


@bp.route("/cases/<reference>", methods=["GET"])
@require("case.read")
@bp.response(200, CaseDetailOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 429, 503)
def case_detail(reference: str) -> dict[str, Any]:
    """Én sak med hele historikken og fristene."""
    with current_app.extensions["sessionmaker"]() as session:
        try:
            return detail_view(session, get_case(session, reference, agreements=caller_agreements(session)))
        except CaseNotFound:
            raise ApiError(404, f"Fant ingen sak {reference[:40]}.") from None


@bp.route("/cases/<reference>/transitions", methods=["POST"])
@require("case.act")
@idempotent
@bp.arguments(TransitionSchema)
@bp.response(200, CaseDetailOut)
@bp.doc(**SECURED)
@documented_errors(*STAFF_ERRORS, 404, 409)
def transition(body: dict[str, Any], reference: str) -> dict[str, Any]:
    """Kvitter ut, løs, avvis, gjenåpne eller overfør en sak."""
    if body["action"] == "reassign" and not body.get("to"):
        raise ApiError(422, fields={"to": ["Oppgi e-postadressen til kontaktpersonen saken skal til."]})
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            case = get_case(session, reference, for_update=True, agreements=caller_agreements(session))
            change_case(session, case, body["action"], actor=current_principal().actor, now=utcnow(),
                        comment=body["comment"], to=body.get("to"))
            session.flush()
            session.refresh(case, ["history"])
            return detail_view(session, case)
    except CaseNotFound:
        raise ApiError(404, f"Fant ingen sak {reference[:40]}.") from None
    except UnknownAssignee:
        raise ApiError(422, fields={"to": ["Fant ingen kontaktperson med denne e-postadressen."]}) from None
    except AssigneeNotAllowed as error:
        raise ApiError(422, fields={"to": [str(error)]}) from None
    except lifecycle.IllegalTransition as error:
        raise ApiError(409, f"Handlingen «{error.action}» er ikke tillatt "
                            f"når saken har status «{error.status}».") from None


@bp.route("/cases/<reference>/board-decision", methods=["POST"])
@require("case.board_decision")
@idempotent
@bp.arguments(BoardDecisionSchema)
@bp.response(200, CaseDetailOut)
@bp.doc(**SECURED)
@documented_errors(*STAFF_ERRORS, 404, 409)
def board_decision(body: dict[str, Any], reference: str) -> dict[str, Any]:
    """Registrer styrets svar på et erverv: godkjent eller nektet (burettslagslova § 4-5)."""
    tz_name, now = current_app.config["SETTINGS"].tz_name, utcnow()
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            case = get_case(session, reference, for_update=True, agreements=caller_agreements(session))
            record_board_decision(session, case, body["decision"], actor=current_principal().actor,
                                  received_on=body["received_on"] or local_today(tz_name, now),
                                  comment=body["comment"], now=now, tz_name=tz_name)
            session.flush()
            session.refresh(case, ["history"])
            return detail_view(session, case)
    except CaseNotFound:
        raise ApiError(404, f"Fant ingen sak {reference[:40]}.") from None
    except BoardDecisionRefused as error:
        raise ApiError(409, str(error)) from None
