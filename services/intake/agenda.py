"""Use cases on a planned meeting's agenda: add an open case, move an item up or down, remove one,
and send the agenda as it now stands.

An agenda change is saved without mail, so a person can make several and send once: "send" is the
invitation update (SEQUENCE raised, METHOD:REQUEST to every member, the agenda PDF attached), as a
move is (meeting_changes.reschedule_meeting). Items stay numbered 1..n, because the minutes name
their decisions by the item's number. A case put on or taken off an agenda says so in its history.
Each use case has the shape of meeting_changes' (session, meeting_id, …, actor, now, tz_name), so
the API's runner (meetings_api._change) and the workspace page call them alike; the caller commits.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.agenda import ADDED_ITEM_LABELS, add_to_agenda, case_item_title
from shared.agreement import OPEN_STATUSES
from shared.formats import datetime_nb
from shared.i18n import N_, Translatable
from shared.messages import MeetingScheduled, new_event_id, record_event
from shared.models import AgendaItem, Case, CaseHistory, Meeting

from .meeting_changes import MeetingClosed, find_meeting

DIRECTIONS = {"up": -1, "down": 1}


class NotOnAgenda(LookupError):
    """No such item on this meeting's agenda (removed or moved by someone else meanwhile)."""


class CaseNotAddable(Translatable, ValueError):
    """The case is unknown, closed, or on this agenda already: the field is wrong."""


def open_cases(session: Session, meeting: Meeting) -> list[Case]:
    """The agreement's open cases that are not on this meeting's agenda yet, oldest first."""
    listed = select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id, AgendaItem.case_id.is_not(None))
    return list(session.execute(
        select(Case).where(Case.status.in_(OPEN_STATUSES), Case.id.not_in(listed)).order_by(Case.created_at, Case.id)
    ).scalars())


def _planned(session: Session, meeting_id: int) -> Meeting:
    meeting = find_meeting(session, meeting_id, for_update=True)
    if meeting.status != "planned":
        raise MeetingClosed(meeting.status)
    return meeting


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    for item in meeting.agenda:
        if item.id == item_id:
            return item
    raise NotOnAgenda(item_id)


def _case_history(session: Session, case: Case, meeting: Meeting, action: str, comment: str, *,
                  actor: str, now: dt.datetime) -> None:
    session.add(CaseHistory(case_id=case.id, at=now, actor=actor, action=action, from_status=case.status,
                            to_status=case.status, comment=comment))
    case.updated_at = now


def add_case(session: Session, meeting_id: int, reference: str, *, actor: str, now: dt.datetime,
             tz_name: str) -> Meeting:
    """Put an open case on the agenda, last."""
    meeting = _planned(session, meeting_id)
    case = session.execute(select(Case).where(Case.reference == reference[:40])).scalar_one_or_none()
    if case is None:
        raise CaseNotAddable(N_("Fant ikke saken."))
    if case.status not in OPEN_STATUSES:
        raise CaseNotAddable(N_("Sak %(reference)s er lukket; bare åpne saker kan settes på dagsordenen."),
                             reference=case.reference)
    if any(item.case_id == case.id for item in meeting.agenda):
        raise CaseNotAddable(N_("Sak %(reference)s står allerede på dagsordenen."), reference=case.reference)
    add_to_agenda(session, meeting, case_item_title(case, ADDED_ITEM_LABELS), case.type, case.id)
    _case_history(session, case, meeting, "meeting_joined",
                  f"Satt på dagsordenen for møtet {datetime_nb(meeting.starts_at, tz_name)}.", actor=actor, now=now)
    meeting.updated_at = now
    session.expire(meeting, ["agenda"])
    return meeting


def move_item(session: Session, meeting_id: int, item_id: int, direction: str, *, actor: str, now: dt.datetime,
              tz_name: str) -> Meeting:
    """Swap the item with the one above ("up") or below ("down"); at either end nothing moves."""
    meeting = _planned(session, meeting_id)
    items = list(meeting.agenda)
    item = _item(meeting, item_id)
    index = items.index(item) + DIRECTIONS[direction]
    if 0 <= index < len(items):
        other = items[index]
        item.position, other.position = other.position, item.position
        meeting.updated_at = now
        session.flush()
        session.expire(meeting, ["agenda"])
    return meeting


def remove_item(session: Session, meeting_id: int, item_id: int, *, actor: str, now: dt.datetime,
                tz_name: str) -> Meeting:
    """Take the item off the agenda; the items after it move up one."""
    meeting = _planned(session, meeting_id)
    item = _item(meeting, item_id)
    for later in meeting.agenda:
        if later.position > item.position:
            later.position -= 1
    if item.case_id is not None:
        case = session.get_one(Case, item.case_id)
        _case_history(session, case, meeting, "agenda_removed",
                      f"Tatt av dagsordenen for møtet {datetime_nb(meeting.starts_at, tz_name)}.", actor=actor, now=now)
    session.delete(item)
    meeting.updated_at = now
    session.flush()
    session.expire(meeting, ["agenda"])
    return meeting


def send_agenda(session: Session, meeting_id: int, *, actor: str, now: dt.datetime, tz_name: str) -> Meeting:
    """Send every member the invitation again with the agenda as it stands (a higher SEQUENCE)."""
    meeting = _planned(session, meeting_id)
    meeting.sequence, meeting.updated_at = meeting.sequence + 1, now
    record_event(session, MeetingScheduled(event_id=new_event_id(), meeting_id=meeting.id,
                                           sequence=meeting.sequence, method="REQUEST"))
    return meeting
