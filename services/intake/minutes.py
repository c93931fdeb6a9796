"""Use case: the minutes of a meeting, a decision per agenda item; a decision can close a case.

Recording the minutes marks the meeting held. A decision with a case action moves the linked
case through the lifecycle (change_case), so an illegal move refuses the whole minutes (409)
and nothing is stored. Every member gets the minutes by e-mail (MinutesRecorded).
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shared.meeting_models import Meeting
from shared.messages import MinutesRecorded, new_event_id, record_event
from shared.models import Case

from .case_actions import change_case
from .meeting_changes import find_meeting


class MinutesRefused(Exception):
    """The meeting cannot take minutes now (cancelled, not started, or minuted already)."""


class BadDecision(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def _check(meeting: Meeting, decisions: list[dict[str, Any]], now: dt.datetime) -> None:
    if meeting.status == "cancelled":
        raise MinutesRefused("Møtet er avlyst.")
    if meeting.status == "held":
        raise MinutesRefused("Referatet fra møtet er allerede skrevet.")
    if meeting.starts_at > now:
        raise MinutesRefused("Møtet har ikke begynt ennå.")
    items = {item.position: item for item in meeting.agenda}
    for n, decision in enumerate(decisions):
        item = items.get(decision["agenda_item"])
        if item is None:
            raise BadDecision(f"decisions.{n}.agenda_item",
                              f"Dagsordenen har ikke noe punkt {decision['agenda_item']}.")
        if decision.get("case_action") and item.case_id is None:
            raise BadDecision(f"decisions.{n}.case_action", "Punktet er ikke knyttet til en sak.")


def record_minutes(session: Session, meeting_id: int, minutes: dict[str, Any], *, actor: str,
                   now: dt.datetime, tz_name: str) -> Meeting:
    """Store the minutes and decisions, run the case actions, announce it; the caller commits."""
    meeting = find_meeting(session, meeting_id, for_update=True)
    _check(meeting, minutes["decisions"], now)
    items = {item.position: item for item in meeting.agenda}
    held = meeting.starts_at.astimezone(ZoneInfo(tz_name)).strftime("%d.%m.%Y")
    recorded = []
    for decision in minutes["decisions"]:
        item, action = items[decision["agenda_item"]], decision.get("case_action")
        item.decision = decision["decision"]
        reference = None
        if item.case_id is not None:
            case = session.get_one(Case, item.case_id, with_for_update=True)
            reference = case.reference
            if action:
                change_case(session, case, action, actor=actor, now=now,
                            comment=f"Vedtak i samarbeidsutvalget {held}: {decision['decision']}")
        recorded.append({"agenda_item": item.position, "title": item.title, "decision": decision["decision"],
                         "case_action": action, "reference": reference})
    meeting.minutes = {"summary": minutes["summary"], "decisions": recorded, "recorded_by": actor,
                       "recorded_at": now.isoformat()}
    meeting.status, meeting.updated_at = "held", now
    record_event(session, MinutesRecorded(event_id=new_event_id(), meeting_id=meeting.id))
    return meeting
