"""Reminders to the committee before a meeting, as rows (the database is the clock).

A meeting gets one row per reminder when it is booked; a reschedule moves the rows, a
cancellation skips them. Beat fires what is due (services/scheduler/meeting_reminders.py).
A reminder whose time had passed when the meeting was booked or last moved is skipped, not sent
late: the invitation that went out at that moment already carried the agenda. One planned later
for an older meeting (plan_missing) still goes, late rather than never.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from .calendar import local_instant
from .db import dialect_insert
from .models import Meeting, MeetingReminder


@dataclass(frozen=True)
class ReminderRules:
    days_before: tuple[int, ...] = (7, 1)
    at: dt.time = dt.time(8, 0)  # local time on the reminder's day, before the working day starts
    agenda_days: int = 7  # the reminder that sends the agenda again, refreshed (SPEC §5)


DEFAULT_RULES = ReminderRules()


def reminder_due(meeting: Meeting, days_before: int, rules: ReminderRules, tz_name: str) -> dt.datetime:
    """`rules.at` local time, `days_before` calendar days before the meeting's date, in UTC."""
    day = meeting.held_on - dt.timedelta(days=days_before)
    return local_instant(day, rules.at, tz_name)


def plan_reminders(session: Session, meeting: Meeting, *, now: dt.datetime, tz_name: str,
                   rules: ReminderRules = DEFAULT_RULES) -> None:
    """Create the meeting's reminders, or move them after a reschedule; helpers never commit.

    A moved reminder fires again at its new time, even if it fired for the old date.
    """
    existing = {r.days_before: r for r in session.execute(
        select(MeetingReminder).where(MeetingReminder.meeting_id == meeting.id)).scalars()}
    insert = dialect_insert(session)
    for days in rules.days_before:
        due = reminder_due(meeting, days, rules, tz_name)
        skipped = now if due <= meeting.updated_at else None  # updated_at: when members last heard
        reminder = existing.get(days)
        if reminder is None:
            # A concurrent lazy planner may add the same row: the unique index keeps one.
            session.execute(insert(MeetingReminder).values(
                meeting_id=meeting.id, days_before=days, due_at=due, skipped_at=skipped,
            ).on_conflict_do_nothing())
        elif reminder.due_at != due:
            reminder.due_at, reminder.sent_at, reminder.skipped_at = due, None, skipped


def skip_reminders(session: Session, meeting_id: int, now: dt.datetime) -> None:
    """The meeting is cancelled: its unsent reminders will never go."""
    session.execute(
        update(MeetingReminder)
        .where(MeetingReminder.meeting_id == meeting_id, MeetingReminder.sent_at.is_(None),
               MeetingReminder.skipped_at.is_(None))
        .values(skipped_at=now)
    )


def plan_missing(session: Session, *, now: dt.datetime, tz_name: str,
                 rules: ReminderRules = DEFAULT_RULES) -> int:
    """Planned future meetings without reminders (booked before reminders existed) get them."""
    lacking = session.execute(
        select(Meeting).where(
            Meeting.status == "planned", Meeting.starts_at > now,
            ~exists().where(MeetingReminder.meeting_id == Meeting.id),
        )
    ).scalars().all()
    for meeting in lacking:
        plan_reminders(session, meeting, now=now, tz_name=tz_name, rules=rules)
    return len(lacking)
