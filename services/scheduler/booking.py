"""Book the committee's meetings: the earliest free working-day slot within 21 days.

Each agreement has its own committee (SPEC §8): a day is taken only by a meeting of the same
agreement, and a meeting's standing items are that agreement's cases.

A request is never dropped: it is booked, joined to a meeting already in its window, or, when
no slot exists, both parties' leaders are alerted at once and the request stays open.
"""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.agenda import add_to_agenda, case_item_title
from shared.agreement import MINIMUM_NOTICE_DAYS, OPEN_STATUSES, earliest_with_notice, meeting_deadline
from shared.calendar import local_today
from shared.meeting_reminders import plan_reminders
from shared.meeting_texts import PLACE_TO_BE_AGREED
from shared.models import DEFAULT_AGREEMENT, Case, Meeting
from shared.workdays import is_meeting_day


@dataclass(frozen=True)
class BookingRules:
    """When in the day and where; the deadline is the agreement's (shared.agreement), the notice the
    handbook's (request_window's `notice_days`)."""

    start: dt.time = dt.time(10, 0)  # inside the agreement's meeting hours
    duration: dt.timedelta = dt.timedelta(hours=2)
    location: str = PLACE_TO_BE_AGREED


def request_window(requested_at: dt.datetime, tz_name: str,
                   notice_days: int = MINIMUM_NOTICE_DAYS) -> tuple[dt.date, dt.date]:
    """From the first day after the minimum notice to the deadline, both included."""
    first = earliest_with_notice(local_today(tz_name, requested_at), notice_days)
    return first, meeting_deadline(requested_at, tz_name)


def planned_in(session: Session, first: dt.date, last: dt.date,
               agreement_id: int = DEFAULT_AGREEMENT) -> Meeting | None:
    return session.execute(
        select(Meeting).where(Meeting.agreement_id == agreement_id, Meeting.status == "planned",
                              Meeting.held_on >= first, Meeting.held_on <= last)
        .order_by(Meeting.held_on).limit(1)
    ).scalar_one_or_none()


def _taken_days(session: Session, first: dt.date, last: dt.date, agreement_id: int) -> set[dt.date]:
    return set(session.execute(
        select(Meeting.held_on).where(Meeting.agreement_id == agreement_id, Meeting.status != "cancelled",
                                      Meeting.held_on >= first, Meeting.held_on <= last)
    ).scalars())


def free_days(session: Session, first: dt.date, last: dt.date,
              agreement_id: int = DEFAULT_AGREEMENT) -> list[dt.date]:
    """The agreement's committee's free meeting days (another agreement's meetings do not clash)."""
    taken = _taken_days(session, first, last, agreement_id)
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [day for day in days if is_meeting_day(day) and day not in taken]


def try_book(session: Session, day: dt.date, *, kind: str, title: str, rules: BookingRules,
             tz_name: str, now: dt.datetime, annual_slot: str | None = None,
             agreement_id: int = DEFAULT_AGREEMENT) -> Meeting | None:
    """Insert the meeting and its reminders; None when another scheduler took the day (or the
    annual slot) first: the database's unique indexes decide, not a read before the write."""
    zone = ZoneInfo(tz_name)
    starts = dt.datetime.combine(day, rules.start, tzinfo=zone)
    meeting = Meeting(uid=f"{uuid.uuid4()}@samhandling", kind=kind, title=title, held_on=day,
                      starts_at=starts, ends_at=starts + rules.duration, location=rules.location,
                      status="planned", sequence=0, annual_slot=annual_slot, created_at=now, updated_at=now,
                      agreement_id=agreement_id)
    try:
        with session.begin_nested():
            session.add(meeting)
    except IntegrityError:
        return None
    plan_reminders(session, meeting, now=now, tz_name=tz_name)
    return meeting


def standing_items(session: Session, meeting: Meeting) -> None:
    """Open acquisition notices, open sublet questions and escalated complaints (SPEC §5) of the
    meeting's agreement."""
    rows = session.execute(
        select(Case).where(
            Case.agreement_id == meeting.agreement_id,
            Case.status.in_(OPEN_STATUSES),
            (Case.type.in_(["acquisition", "sublet"])) | ((Case.type == "complaint") & Case.overdue.is_(True)),
        ).order_by(Case.created_at)
    ).scalars()
    for case in rows:
        add_to_agenda(session, meeting, case_item_title(case), case.type, case.id)
