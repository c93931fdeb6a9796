"""The minutes of a meeting, /arbeid/moter/<id>/referat (SPEC §7): attendance, a summary and a
decision per agenda item, written through the API's use case (minutes.record_minutes): it marks the
meeting held, runs or proposes each decision's case action (the other party's case waits for that
party's confirmation) and mails the minutes. Afterwards the page shows them read-only, with the PDF,
and the other party confirms them here (minutes.confirm_minutes). In the signed-in contact's
language; what people wrote (the summary, the decisions, the remarks) as they wrote it.
"""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from shared.access import may
from shared.committee import committee, decision_outcome
from shared.i18n import N_
from shared.vocabulary import PARTY_NAMES

from ..errors import flatten_messages
from ..meeting_changes import MeetingNotFound, find_meeting
from ..meeting_schemas import MinutesConfirmationSchema, MinutesSchema
from ..minutes import confirm_minutes, record_minutes
from .meeting_forms import STATUS_LABELS, Refused, language, run, version_of, zone
from .meetings import bp
from .sessions import current_user, now, signed_in

# Message ids, translated where shown.
ACTIONS = {"resolve": N_("Løs saken"), "reject": N_("Avvis saken")}
DONE = {"lagret": N_("Referatet er lagret, møtet er merket som holdt, og referatet er sendt til alle medlemmene."),
        "bekreftet": N_("Referatet er bekreftet.")}
NOT_STARTED = N_("Referatet kan skrives når møtet har begynt.")


def _page(meeting_id: int, status: int = 200, errors: dict[str, str] | None = None, changed: list[str] | None = None,
          form: MultiDict[str, str] | None = None) -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    with current_app.extensions["sessionmaker"]() as session:
        try:
            meeting = find_meeting(session, meeting_id, agreements=user.agreements(session))
        except MeetingNotFound:
            abort(404)
        minutes = meeting.minutes or {}
        confirmed = {c["party"] for c in minutes.get("confirmations", [])}
        html = render_template(
            "workspace/minutes.html", meeting=meeting, starts=meeting.starts_at.astimezone(zone()),
            minutes=minutes, members=committee(session, meeting.agreement_id), version=version_of(meeting),
            writer=may(user.principal, "meeting.manage") and meeting.status == "planned",
            started=meeting.starts_at <= now(), errors=errors or {}, changed=changed or [],
            values=form or MultiDict(), actions=ACTIONS, statuses=STATUS_LABELS, party_names=PARTY_NAMES,
            outcome=lambda decision: decision_outcome(decision, language()),
            done=DONE.get(request.args.get("utfort", "")), anchor="referat",
            confirmer=bool(minutes) and may(user.principal, "minutes.confirm")
            and minutes.get("recorded_party") not in (None, user.principal.party)
            and user.principal.party not in confirmed, not_started=NOT_STARTED)
    return html, status


@bp.get("/<int:meeting_id>/referat")
@signed_in("meeting.read")
def minutes(meeting_id: int) -> ResponseReturnValue:
    return _page(meeting_id)


def _positions(form: MultiDict[str, str]) -> list[int]:
    return sorted(int(name[7:]) for name in form if name.startswith("vedtak-") and name[7:].isdigit()
                  and len(name) < 14)


def minutes_body(form: MultiDict[str, str]) -> tuple[dict[str, Any], list[int]]:
    """The form as MinutesSchema's input, and the agenda positions its decisions are for."""
    errors: dict[str, str] = {}
    decisions, positions = [], []
    for position in _positions(form):
        text, action = form.get(f"vedtak-{position}", "").strip(), form.get(f"sak-{position}", "")
        if action and not text:
            errors[f"vedtak-{position}"] = gettext("Skriv vedtaket for punkt %(number)s når saken skal løses eller "
                                                   "avvises.", number=position)
        if text:
            decisions.append({"agenda_item": position, "decision": text, "case_action": action or None})
            positions.append(position)
    if errors:
        raise Refused(400, errors)
    body = {"summary": form.get("oppsummering", "").strip(), "present": form.getlist("til_stede"),
            "decisions": decisions}
    try:
        return MinutesSchema().load(body), positions
    except ValidationError as error:
        raise Refused(422, _fields(flatten_messages(error.normalized_messages()), positions)) from None


def _field(name: str, positions: list[int]) -> str:
    """The form's field for an API field name: "decisions.0.decision" → "vedtak-3"."""
    if name == "summary":
        return "oppsummering"
    if name.startswith("present"):
        return "til_stede"
    parts = name.split(".")
    if parts[0] == "decisions" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(positions):
        return f"{'sak' if parts[-1] == 'case_action' else 'vedtak'}-{positions[int(parts[1])]}"
    return "handling"


def _fields(messages: dict[str, list[str]], positions: list[int]) -> dict[str, str]:
    """The schema's messages per form field, in the page's language."""
    found: dict[str, str] = {}
    for name, said in messages.items():
        field, texts = _field(name, positions), [gettext(text) for text in said]
        found[field] = " ".join([found[field], *texts]) if field in found else " ".join(texts)
    return found


@bp.post("/<int:meeting_id>/referat")
@signed_in("meeting.manage")
def write(meeting_id: int) -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    positions: list[int] = []
    try:
        body, positions = minutes_body(request.form)
        run(meeting_id, record_minutes, body, party=user.principal.party)
    except MeetingNotFound:
        abort(404)
    except Refused as refused:
        errors = {(_field(name, positions) if "." in name else name): text for name, text in refused.errors.items()}
        return _page(meeting_id, refused.status, errors, refused.changed, request.form)
    return redirect(url_for("workspace_meetings.minutes", meeting_id=meeting_id, utfort="lagret"), code=303)


@bp.post("/<int:meeting_id>/referat/bekreft")
@signed_in("minutes.confirm")
def confirm(meeting_id: int) -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    try:
        body = MinutesConfirmationSchema().load({"remarks": request.form.get("merknader", "").strip() or None})
        run(meeting_id, confirm_minutes, body, party=user.principal.party)
    except ValidationError as error:
        texts = flatten_messages(error.normalized_messages()).get("remarks", [N_("Ugyldig tekst.")])
        return _page(meeting_id, 422, {"merknader": " ".join(gettext(text) for text in texts)}, form=request.form)
    except MeetingNotFound:
        abort(404)
    except Refused as refused:
        return _page(meeting_id, refused.status, refused.errors, refused.changed, request.form)
    return redirect(url_for("workspace_meetings.minutes", meeting_id=meeting_id, utfort="bekreftet"), code=303)
