"""Use cases: the minutes of a meeting, a decision per agenda item; a decision can close a case.

Recording the minutes marks the meeting held. A decision with a case action moves the linked
case through the lifecycle (change_case), so an illegal move refuses the whole minutes (409)
and nothing is stored. Every member gets the minutes by e-mail (MinutesRecorded).

One party cannot close the other party's case alone: a decision that resolves or rejects a case
of another party (case_party) is stored as `proposed`, awaiting that party, and is applied when a
contact of that party confirms the minutes (confirm_minutes), which is also how that party adds
its remarks. Decisions on the recorder's own cases, and on cases of no party, apply at once.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import lifecycle
from shared.case_details import MeetingRequestDetails
from shared.committee import committee
from shared.formats import date_nb
from shared.i18n import N_, Term, Translatable
from shared.messages import MinutesRecorded, new_event_id, record_event
from shared.models import Case, Contact, Meeting
from shared.vocabulary import OTHER_PARTY, PARTY_NAMES

from .case_actions import change_case
from .meeting_changes import find_meeting

CONFIRM_HINT = "POST /api/v1/meetings/{id}/minutes/confirm"


class MinutesRefused(Translatable):
    """The meeting cannot take minutes now (cancelled, not started, or minuted already). `api_hint`:
    what the API's caller can do instead (the page offers it as a form)."""

    def __init__(self, message_id: str, api_hint: str = "", **args: str) -> None:
        super().__init__(message_id, **args)
        self.api_hint = api_hint


class BadDecision(Translatable, ValueError):
    def __init__(self, field: str, message_id: str, **args: str) -> None:
        super().__init__(message_id, **args)
        self.field = field

    @property
    def message(self) -> str:
        """In bokmål, as the API answers."""
        return str(self)


def case_party(session: Session, case: Case) -> str | None:
    """Whose case it is: a meeting request's party; the municipality's acquisition notices and
    sublet questions; else the party of the contact the case is assigned to (a complaint)."""
    if case.type == "meeting_request":
        return MeetingRequestDetails.of(case).party
    if case.type in ("acquisition", "sublet"):
        return "municipality"
    if case.assignee is None:
        return None
    party = session.execute(select(Contact.party).where(Contact.email == case.assignee)).scalar_one_or_none()
    return party if party in OTHER_PARTY else None


def _check(meeting: Meeting, decisions: list[dict[str, Any]], now: dt.datetime) -> None:
    if meeting.status == "cancelled":
        raise MinutesRefused(N_("Møtet er avlyst."))
    if meeting.status == "held":
        recorded_by = (meeting.minutes or {}).get("recorded_by")
        hint = (f"Den andre parten bekrefter det, med eventuelle merknader, med "
                f"{CONFIRM_HINT.format(id=meeting.id)}.")
        if recorded_by is None:
            raise MinutesRefused(N_("Referatet fra møtet er allerede skrevet."), hint)
        raise MinutesRefused(N_("Referatet fra møtet er allerede skrevet (av %(by)s)."), hint, by=recorded_by)
    if meeting.starts_at > now:
        raise MinutesRefused(N_("Møtet har ikke begynt ennå."))
    items = {item.position: item for item in meeting.agenda}
    for n, decision in enumerate(decisions):
        item = items.get(decision["agenda_item"])
        if item is None:
            raise BadDecision(f"decisions.{n}.agenda_item", N_("Dagsordenen har ikke noe punkt %(number)s."),
                              number=str(decision["agenda_item"]))
        if decision.get("case_action") and item.case_id is None:
            raise BadDecision(f"decisions.{n}.case_action", N_("Punktet er ikke knyttet til en sak."))


def _attendance(session: Session, present: list[str] | None, agreement_id: int) -> list[dict[str, Any]] | None:
    """Every member of the agreement's committee, present or not, by name as the directory has it today."""
    if present is None:
        return None
    members = committee(session, agreement_id)
    known = {member.email for member in members}
    for n, email in enumerate(present):
        if email.lower() not in known:
            raise BadDecision(f"present.{n}", N_("%(email)s er ikke medlem av samarbeidsutvalget."), email=email)
    attended = {email.lower() for email in present}
    return [{"email": member.email, "name": member.name, "organisation": member.organisation,
             "present": member.email in attended} for member in members]


def _held_on(meeting: Meeting, tz_name: str) -> str:
    return date_nb(meeting.starts_at.astimezone(ZoneInfo(tz_name)).date())


def _decide(session: Session, case: Case, action: str, *, party: str, actor: str, now: dt.datetime,
            comment: str) -> dict[str, Any]:
    """Apply the action now, or propose it to the party whose case it is (legal now either way)."""
    owner = case_party(session, case)
    if owner is not None and owner != party:
        if action not in lifecycle.allowed_actions(case.status):
            raise lifecycle.IllegalTransition(action, case.status)
        return {"state": "proposed", "awaiting": owner}
    change_case(session, case, action, actor=actor, now=now, comment=comment)
    return {"state": "applied", "awaiting": None}


def record_minutes(session: Session, meeting_id: int, minutes: dict[str, Any], *, actor: str, party: str,
                   now: dt.datetime, tz_name: str) -> Meeting:
    """Store the minutes and decisions, run or propose the case actions, announce it; the caller commits."""
    meeting = find_meeting(session, meeting_id, for_update=True)
    _check(meeting, minutes["decisions"], now)
    attendance = _attendance(session, minutes.get("present"), meeting.agreement_id)
    items = {item.position: item for item in meeting.agenda}
    held = _held_on(meeting, tz_name)
    recorded = []
    for decision in minutes["decisions"]:
        item, action = items[decision["agenda_item"]], decision.get("case_action")
        item.decision = decision["decision"]
        reference, outcome = None, {"state": None, "awaiting": None}
        if item.case_id is not None:
            case = session.get_one(Case, item.case_id, with_for_update=True)
            reference = case.reference
            if action:
                outcome = _decide(session, case, action, party=party, actor=actor, now=now,
                                  comment=f"Vedtak i samarbeidsutvalget {held}: {decision['decision']}")
        recorded.append({"agenda_item": item.position, "title": item.title, "decision": decision["decision"],
                         "case_action": action, "reference": reference, **outcome})
    meeting.minutes = {"summary": minutes["summary"], "decisions": recorded, "attendance": attendance,
                       "recorded_by": actor, "recorded_party": party, "recorded_at": now.isoformat(),
                       "confirmations": []}
    meeting.status, meeting.updated_at = "held", now
    record_event(session, MinutesRecorded(event_id=new_event_id(), meeting_id=meeting.id))
    return meeting


def _confirmable(meeting: Meeting, party: str) -> dict[str, Any]:
    minutes = meeting.minutes
    if meeting.status != "held" or not minutes:
        raise MinutesRefused(N_("Møtet har ikke noe referat å bekrefte ennå."))
    if minutes.get("recorded_party") == party:
        raise MinutesRefused(N_("Referatet er skrevet av din part; det er den andre parten som bekrefter det."))
    if any(confirmation["party"] == party for confirmation in minutes.get("confirmations", [])):
        raise MinutesRefused(N_("Referatet er allerede bekreftet av %(party)s."),
                             party=Term(PARTY_NAMES[party]) if party in PARTY_NAMES else party)
    return minutes


def confirm_minutes(session: Session, meeting_id: int, confirmation: dict[str, Any], *, actor: str, party: str,
                    now: dt.datetime, tz_name: str) -> Meeting:
    """The other party confirms the minutes: its proposed decisions apply (or lapse); the caller commits."""
    meeting = find_meeting(session, meeting_id, for_update=True)
    minutes = _confirmable(meeting, party)
    items = {item.position: item for item in meeting.agenda}
    held = _held_on(meeting, tz_name)
    decisions = []
    for decision in minutes["decisions"]:
        decision = dict(decision)
        if decision.get("state") == "proposed" and decision.get("awaiting") == party:
            case = session.get_one(Case, items[decision["agenda_item"]].case_id, with_for_update=True)
            if decision["case_action"] in lifecycle.allowed_actions(case.status):
                change_case(session, case, decision["case_action"], actor=actor, now=now,
                            comment=f"Vedtak i samarbeidsutvalget {held}: {decision['decision']} "
                                    f"(bekreftet av {PARTY_NAMES[party]})")
                decision["state"] = "applied"
            else:  # the case moved on since the meeting (e.g. its owner closed it): the proposal lapses
                decision["state"] = "lapsed"
        decisions.append(decision)
    confirmed = {"party": party, "by": actor, "at": now.isoformat(), "remarks": confirmation.get("remarks")}
    meeting.minutes = {**minutes, "decisions": decisions,
                       "confirmations": [*minutes.get("confirmations", []), confirmed]}
    meeting.updated_at = now
    return meeting
