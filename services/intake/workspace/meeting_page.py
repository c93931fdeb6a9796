"""One meeting, /arbeid/moter/<id> (SPEC §7): time, place, members, the agenda and the documents;
for those who manage meetings, the agenda's forms (add an open case, up, down, remove, send), move
and cancel, each through the API's use case (agenda.py, meeting_changes.py) and meeting_forms.run,
which refuses a stale form with 409 and says what changed. The .ics is the API's calendar file,
in the signed-in contact's language as the page is.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as Redirect

from shared.access import may
from shared.committee import committee, meeting_ics
from shared.formats import long_span
from shared.handbook_versions import meeting_rules
from shared.i18n import N_
from shared.models import Case, Contact, Meeting
from shared.vocabulary import CASE_TYPES, DIRECTORY_PARTIES, OTHER_PARTY

from ..agenda import add_case, move_item, open_cases, remove_item, send_agenda
from ..meeting_changes import MeetingNotFound, cancel_meeting, find_meeting, reschedule_meeting
from ..meeting_schemas import MeetingChangeSchema
from .meeting_forms import STATUS_LABELS, Refused, language, run, version_of, zone
from .meetings import KIND_LABELS, bp, request_deadlines
from .sessions import current_user, now, signed_in

# Message ids, translated where shown.
DONE = {"lagt_til": N_("Saken er satt på dagsordenen. Medlemmene får den når du sender oppdatert dagsorden."),
        "endret": N_("Rekkefølgen er endret. Medlemmene får den når du sender oppdatert dagsorden."),
        "fjernet": N_("Punktet er tatt av dagsordenen. Medlemmene får endringen når du sender oppdatert "
                      "dagsorden."),
        "sendt": N_("Oppdatert dagsorden er sendt til alle medlemmene."),
        "flyttet": N_("Møtet er flyttet, og medlemmene får oppdatert innkalling."),
        "avlyst": N_("Møtet er avlyst, og medlemmene får avlysningen.")}
SCHEMA_FIELDS = {"starts_at": "dato", "location": "sted", "agreed_by": "samtykke", "override_reason": "begrunnelse"}


def _meeting_or_404(session: Session, meeting_id: int) -> Meeting:
    try:
        user = current_user()
        assert user is not None
        return find_meeting(session, meeting_id, agreements=user.agreements(session))
    except MeetingNotFound:
        abort(404)


def page(meeting_id: int, status: int = 200, errors: dict[str, str] | None = None, changed: list[str] | None = None,
         form: MultiDict[str, str] | None = None, template: str = "workspace/meeting.html",
         anchor: str = "dagsorden") -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    with current_app.extensions["sessionmaker"]() as session:
        meeting = _meeting_or_404(session, meeting_id)
        starts, ends = meeting.starts_at.astimezone(zone()), meeting.ends_at.astimezone(zone())
        manager = may(user.principal, "meeting.manage") and meeting.status == "planned"
        other = OTHER_PARTY.get(user.party)
        references = {case.id: case.reference for case in _cases(session, meeting)}
        values = form if form is not None else MultiDict({
            "dato": starts.date().isoformat(), "klokkeslett": starts.strftime("%H:%M"), "sted": meeting.location})
        html = render_template(
            template, meeting=meeting, starts=starts, ends=ends, when=long_span(starts, ends, language=language()),
            members=committee(session, meeting.agreement_id),
            deadlines=request_deadlines(session, meeting), references=references,
            choices=open_cases(session, meeting) if manager else [], manager=manager,
            may_read_cases=may(user.principal, "case.read"), version=version_of(meeting),
            consenters=list(session.execute(select(Contact).where(
                Contact.party == other, Contact.deactivated_at.is_(None)).order_by(Contact.name)).scalars()),
            errors=errors or {}, changed=changed or [], values=values, done=DONE.get(request.args.get("utfort", "")),
            kinds=KIND_LABELS, statuses=STATUS_LABELS, case_types=CASE_TYPES, parties=DIRECTORY_PARTIES,
            anchor=anchor, minimum_notice=meeting_rules(
                session, current_app.config["SETTINGS"].handbook_path or None, now=now()).minimum_notice_days)
    return html, status


def _cases(session: Session, meeting: Meeting) -> list[Case]:
    ids = [item.case_id for item in meeting.agenda if item.case_id is not None]
    return list(session.execute(select(Case).where(Case.id.in_(ids))).scalars()) if ids else []


def _done(meeting_id: int, what: str) -> Redirect:
    return redirect(url_for("workspace_meetings.meeting", meeting_id=meeting_id, utfort=what, _anchor="melding"),
                    code=303)


@bp.get("/<int:meeting_id>")
@signed_in("meeting.read")
def meeting(meeting_id: int) -> ResponseReturnValue:
    return page(meeting_id)


def _item_id(text: str) -> int:
    if not text.isdigit() or len(text) > 10:
        raise Refused(400, {"handling": gettext("Velg et punkt på dagsordenen.")})
    return int(text)


@bp.post("/<int:meeting_id>/dagsorden")
@signed_in("meeting.manage")
def agenda(meeting_id: int) -> ResponseReturnValue:
    """One agenda change, or sending the agenda; back to the page (Post/Redirect/Get)."""
    action = request.form.get("handling", "")
    try:
        if action == "legg_til":
            reference = request.form.get("sak", "").strip()
            if not reference:
                raise Refused(422, {"sak": gettext("Velg en sak fra listen.")})
            run(meeting_id, add_case, reference)
            return _done(meeting_id, "lagt_til")
        if action in ("opp", "ned"):
            run(meeting_id, move_item, _item_id(request.form.get("punkt", "")), "up" if action == "opp" else "down")
            return _done(meeting_id, "endret")
        if action == "fjern":
            run(meeting_id, remove_item, _item_id(request.form.get("punkt", "")))
            return _done(meeting_id, "fjernet")
        if action == "send":
            run(meeting_id, send_agenda)
            return _done(meeting_id, "sendt")
        raise Refused(400, {"handling": gettext("Velg en handling på siden.")})
    except MeetingNotFound:
        abort(404)
    except Refused as refused:
        return page(meeting_id, refused.status, refused.errors, refused.changed, request.form)


def move_change(form: MultiDict[str, str]) -> dict[str, Any]:
    """The move form as MeetingChangeSchema's input, checked by it; Refused with each field's message."""
    errors: dict[str, str] = {}
    try:
        day = dt.date.fromisoformat(form.get("dato", "").strip())
    except ValueError:
        errors["dato"] = gettext("Skriv datoen som dd.mm.åååå.")
    try:
        time = dt.time.fromisoformat(form.get("klokkeslett", "").strip())
    except ValueError:
        errors["klokkeslett"] = gettext("Skriv klokkeslettet som tt:mm, for eksempel 10:00.")
    override, reason = form.get("overstyr") == "ja", form.get("begrunnelse", "").strip()
    if override and not reason:
        errors["begrunnelse"] = gettext("Skriv hvorfor fristen overstyres.")
    if errors:
        raise Refused(400, errors)
    body: dict[str, Any] = {"starts_at": dt.datetime.combine(day, time, tzinfo=zone()).isoformat(),
                            "override_deadline": override}
    for name, value in (("location", form.get("sted", "").strip()), ("agreed_by", form.get("samtykke", "").strip()),
                        ("override_reason", reason if override else "")):
        if value:
            body[name] = value
    try:
        change: dict[str, Any] = MeetingChangeSchema().load(body)
    except ValidationError as error:
        messages = error.normalized_messages()
        raise Refused(422, {SCHEMA_FIELDS.get(name, "handling"): " ".join(gettext(str(text)) for text in texts)
                            for name, texts in messages.items() if isinstance(texts, list)}) from None
    return change


@bp.post("/<int:meeting_id>/flytt")
@signed_in("meeting.manage")
def move(meeting_id: int) -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    try:
        run(meeting_id, reschedule_meeting, move_change(request.form), party=user.principal.party,
            handbook_path=current_app.config["SETTINGS"].handbook_path)
    except MeetingNotFound:
        abort(404)
    except Refused as refused:
        return page(meeting_id, refused.status, refused.errors, refused.changed, request.form, anchor="flytt")
    return _done(meeting_id, "flyttet")


@bp.route("/<int:meeting_id>/avlys", methods=["GET", "POST"])
@signed_in("meeting.manage")
def cancel(meeting_id: int) -> ResponseReturnValue:
    """A confirmation page first; its button cancels and sends METHOD:CANCEL to every member."""
    if request.method == "GET":
        return page(meeting_id, template="workspace/meeting_cancel.html")
    try:
        run(meeting_id, cancel_meeting)
    except MeetingNotFound:
        abort(404)
    except Refused as refused:
        return page(meeting_id, refused.status, refused.errors, refused.changed,
                    template="workspace/meeting_cancel.html", anchor="avlys")
    return _done(meeting_id, "avlyst")


@bp.get("/<int:meeting_id>.ics")
@signed_in("meeting.read")
def calendar_file(meeting_id: int) -> Response:
    """The API's calendar file (meetings_api.meeting_calendar_file), for a signed-in browser."""
    settings = current_app.config["SETTINGS"]
    with current_app.extensions["sessionmaker"]() as session:
        meeting = _meeting_or_404(session, meeting_id)
        method = "CANCEL" if meeting.status == "cancelled" else "REQUEST"
        body = meeting_ics(session, meeting, method, settings, language())
    return Response(body, content_type=f"text/calendar; method={method}; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="samarbeidsutvalg-{meeting_id}.ics"'})

