"""Staff API on committee meetings: list, detail, .ics; move, cancel, minutes and their confirmation."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint
from sqlalchemy import select

from shared import lifecycle
from shared.access import in_agreements
from shared.committee import meeting_ics
from shared.db import unit_of_work
from shared.formats import date_nb
from shared.models import Meeting, utcnow
from shared.vocabulary import PARTY_NAMES

from .api import documented_errors
from .auth import caller_agreements, current_principal, require
from .errors import ApiError
from .idempotency import idempotent
from .meeting_changes import (
    AfterDeadline,
    BadAgreement,
    DayTaken,
    MeetingClosed,
    MeetingNotFound,
    NotBookable,
    ShortNotice,
    cancel_meeting,
    find_meeting,
    reschedule_meeting,
)
from .meeting_documents import NoMinutes, download, meeting_document
from .meeting_schemas import (
    DocumentQuerySchema,
    MeetingChangeSchema,
    MeetingDetailOut,
    MeetingListOut,
    MeetingOut,
    MinutesConfirmationSchema,
    MinutesSchema,
)
from .minutes import BadDecision, MinutesRefused, confirm_minutes, record_minutes
from .staff import SECURED, STAFF_ERRORS

bp = Blueprint("meetings", __name__, url_prefix="/api/v1", description="Møter i samarbeidsutvalget")
STATUS_LABELS = {"cancelled": "avlyst", "held": "holdt"}


def meeting_view(meeting: Meeting) -> dict[str, Any]:
    view = {name: getattr(meeting, name) for name in MeetingOut().fields}
    view["agenda"] = list(meeting.agenda)
    view["minutes"] = meeting.minutes
    view["ics_url"] = f"/api/v1/meetings/{meeting.id}.ics"
    return view


def _short_notice(error: ShortNotice) -> str:
    refused = (f"Møtet kan ikke flyttes til {date_nb(error.day)}: det gir kortere varsel enn "
               f"{error.days} arbeidsdager (tidligst {date_nb(error.earliest)}).")
    if error.other_party is None:
        return (f"{refused} Et systemtoken handler ikke for noen part og kan ikke avtale kortere varsel; "
                "det må en kontaktperson gjøre, med den andre partens samtykke i agreed_by.")
    return (f"{refused} Kortere varsel krever at den andre parten samtykker: send agreed_by med e-postadressen "
            f"til en kontaktperson hos {PARTY_NAMES[error.other_party]}.")


def _change(use_case: Callable[..., Meeting], meeting_id: int, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one use case on a meeting in one transaction and map its refusals to answers."""
    settings = current_app.config["SETTINGS"]
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            find_meeting(session, meeting_id, agreements=caller_agreements(session))  # another agreement's: 404
            meeting = use_case(session, meeting_id, *args, actor=current_principal().actor, now=utcnow(),
                               tz_name=settings.tz_name, **kwargs)
            session.flush()
            session.refresh(meeting, ["agenda"])
            return meeting_view(meeting)
    except MeetingNotFound:
        raise ApiError(404, "Fant ikke møtet.") from None
    except MeetingClosed as error:
        raise ApiError(409, f"Møtet er {STATUS_LABELS.get(error.status, error.status)}.") from None
    except NotBookable as error:
        raise ApiError(422, fields={"starts_at": [str(error)]}) from None
    except DayTaken as error:
        raise ApiError(409, f"Samarbeidsutvalget har allerede et møte {date_nb(error.day)}.",
                       code="day_taken") from None
    except ShortNotice as error:
        raise ApiError(409, _short_notice(error), code="short_notice") from None
    except BadAgreement as error:
        raise ApiError(422, fields={"agreed_by": [str(error)]}) from None
    except AfterDeadline as error:
        raise ApiError(409, f"Møtet ville bli holdt etter fristen {date_nb(error.deadline)} for {error.reference}; "
                            "send override_deadline: true for å gjøre det likevel.", code="after_deadline") from None
    except MinutesRefused as error:
        raise ApiError(409, " ".join(filter(None, (str(error), error.api_hint)))) from None
    except BadDecision as error:
        raise ApiError(422, fields={error.field: [error.message]}) from None
    except lifecycle.IllegalTransition as error:
        raise ApiError(409, f"Handlingen «{error.action}» er ikke tillatt når saken har status "
                            f"«{error.status}».") from None


@bp.route("/meetings", methods=["GET"])
@require("meeting.read")
@bp.response(200, MeetingListOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 429, 503)
def meetings() -> dict[str, Any]:
    """Møtene, i tidsrekkefølge."""
    with current_app.extensions["sessionmaker"]() as session:
        return {"items": list(session.execute(
            select(Meeting).where(in_agreements(Meeting.agreement_id, caller_agreements(session)))
            .order_by(Meeting.starts_at)).scalars())}


@bp.route("/meetings/<int:meeting_id>", methods=["GET"])
@require("meeting.read")
@bp.response(200, MeetingDetailOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 429, 503)
def meeting_detail(meeting_id: int) -> dict[str, Any]:
    """Ett møte med dagsorden (og referat når det er holdt)."""
    with current_app.extensions["sessionmaker"]() as session:
        try:
            return meeting_view(find_meeting(session, meeting_id, agreements=caller_agreements(session)))
        except MeetingNotFound:
            raise ApiError(404, "Fant ikke møtet.") from None


@bp.route("/meetings/<int:meeting_id>", methods=["PATCH"])
@require("meeting.manage")
@idempotent
@bp.arguments(MeetingChangeSchema)
@bp.response(200, MeetingDetailOut)
@bp.doc(**SECURED)
@documented_errors(*STAFF_ERRORS, 404, 409)
def move_meeting(change: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Flytt møtet (ny tid, eventuelt nytt sted); medlemmene får oppdatert innkalling.

    Kortere varsel enn minstevarselet i rutinehåndboka (standard 5 arbeidsdager) krever den andre
    partens samtykke (`agreed_by`)."""
    return _change(reschedule_meeting, meeting_id, change, party=current_principal().party,
                   handbook_path=current_app.config["SETTINGS"].handbook_path)


@bp.route("/meetings/<int:meeting_id>", methods=["DELETE"])
@require("meeting.manage")
@bp.response(200, MeetingDetailOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 409, 429, 503)
def cancel(meeting_id: int) -> dict[str, Any]:
    """Avlys møtet; medlemmene får avlysningen (METHOD:CANCEL)."""
    return _change(cancel_meeting, meeting_id)


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["POST"])
@require("meeting.manage")
@idempotent
@bp.arguments(MinutesSchema)
@bp.response(201, MeetingDetailOut)
@bp.doc(**SECURED)
@documented_errors(*STAFF_ERRORS, 404, 409)
def minutes(body: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Referat med et vedtak per punkt; et vedtak kan løse eller avvise saken punktet gjelder.

    Et vedtak som lukker den andre partens sak blir et forslag til den parten bekrefter referatet."""
    return _change(record_minutes, meeting_id, body, party=current_principal().party)


@bp.route("/meetings/<int:meeting_id>/minutes/confirm", methods=["POST"])
@require("minutes.confirm")
@idempotent
@bp.arguments(MinutesConfirmationSchema)
@bp.response(200, MeetingDetailOut)
@bp.doc(**SECURED)
@documented_errors(*STAFF_ERRORS, 404, 409)
def confirm(body: dict[str, Any], meeting_id: int) -> dict[str, Any]:
    """Den andre parten bekrefter referatet (med eventuelle merknader); vedtakene om dens saker gjennomføres."""
    return _change(confirm_minutes, meeting_id, body, party=current_principal().party)


@bp.route("/meetings/<int:meeting_id>.ics", methods=["GET"])
@require("meeting.read")
@bp.arguments(DocumentQuerySchema, location="query")
@bp.response(200, content_type="text/calendar", description="iCalendar (RFC 5545)")
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 422, 429, 503)
def meeting_calendar_file(query: dict[str, Any], meeting_id: int) -> Response:
    """Møtet som kalenderfil (METHOD:REQUEST, eller CANCEL når det er avlyst); `lang=nn` på nynorsk."""
    settings = current_app.config["SETTINGS"]
    with current_app.extensions["sessionmaker"]() as session:
        try:
            meeting = find_meeting(session, meeting_id, agreements=caller_agreements(session))
        except MeetingNotFound:
            raise ApiError(404, "Fant ikke møtet.") from None
        method = "CANCEL" if meeting.status == "cancelled" else "REQUEST"
        body = meeting_ics(session, meeting, method, settings, query["lang"])
    return Response(body, content_type=f"text/calendar; method={method}; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="samarbeidsutvalg-{meeting_id}.ics"',
    })


def _document(meeting_id: int, kind: str, language: str) -> Response:
    settings = current_app.config["SETTINGS"]
    with current_app.extensions["sessionmaker"]() as session:
        try:
            return download(meeting_document(session, meeting_id, kind, settings.tz_name, language,
                                             caller_agreements(session)))
        except MeetingNotFound:
            raise ApiError(404, "Fant ikke møtet.") from None
        except NoMinutes:
            raise ApiError(404, "Møtet har ikke noe referat ennå.") from None


@bp.route("/meetings/<int:meeting_id>/agenda.pdf", methods=["GET"])
@require("meeting.read")
@bp.arguments(DocumentQuerySchema, location="query")
@bp.response(200, content_type="application/pdf", description="Dagsordenen som PDF")
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 422, 429, 503)
def agenda_document(query: dict[str, Any], meeting_id: int) -> Response:
    """Dagsordenen som PDF (dagsorden-ÅÅÅÅ-MM-DD.pdf), med hvert punkt og saken det gjelder; `lang=nn` på nynorsk."""
    return _document(meeting_id, "agenda", query["lang"])


@bp.route("/meetings/<int:meeting_id>/minutes.pdf", methods=["GET"])
@require("meeting.read")
@bp.arguments(DocumentQuerySchema, location="query")
@bp.response(200, content_type="application/pdf", description="Referatet som PDF")
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 422, 429, 503)
def minutes_document(query: dict[str, Any], meeting_id: int) -> Response:
    """Referatet som PDF (referat-ÅÅÅÅ-MM-DD.pdf): oppmøte, oppsummering og vedtak per punkt. 404 før det er
    skrevet. `lang=nn` på nynorsk."""
    return _document(meeting_id, "minutes", query["lang"])
