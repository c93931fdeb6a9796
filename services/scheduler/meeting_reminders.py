"""Beat's use case: fire the committee's due meeting reminders, each exactly once.

Like shared.deadlines.fire_due: a conditional UPDATE claims a reminder, and the event that mails
it commits in the same transaction, so two schedulers never both fire it. The 7-day reminder
refreshes the standing agenda items first, so it carries the agenda as it stands a week before.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Select, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.db import unit_of_work
from shared.meeting_reminders import DEFAULT_RULES, ReminderRules, plan_missing
from shared.messages import MeetingReminderDue, new_event_id, record_event
from shared.models import Meeting, MeetingReminder

from .booking import standing_items


def _live(now: dt.datetime) -> Select[int]:
    """Meetings a reminder may still go out for: planned and not yet started."""
    return select(Meeting.id).where(Meeting.status == "planned", Meeting.starts_at > now)


def _unfired(now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    return (MeetingReminder.sent_at.is_(None), MeetingReminder.skipped_at.is_(None),
            MeetingReminder.due_at <= now)


def _skip_moot(session: Session, now: dt.datetime) -> None:
    """Due reminders of cancelled, held or past meetings are closed, so they never fire."""
    session.execute(update(MeetingReminder).where(*_unfired(now), MeetingReminder.meeting_id.not_in(_live(now)))
                    .values(skipped_at=now))


def _claim(session: Session, reminder_id: int, now: dt.datetime) -> bool:
    claimed = cast(CursorResult[Any], session.execute(
        update(MeetingReminder)
        .where(MeetingReminder.id == reminder_id, *_unfired(now), MeetingReminder.meeting_id.in_(_live(now)))
        .values(sent_at=now)
    ))
    return claimed.rowcount == 1


def _fire(session: Session, reminder: MeetingReminder, rules: ReminderRules) -> None:
    if reminder.days_before == rules.agenda_days:
        standing_items(session, session.get_one(Meeting, reminder.meeting_id))
    record_event(session, MeetingReminderDue(
        event_id=new_event_id(), meeting_id=reminder.meeting_id, reminder_id=reminder.id,
        days_before=reminder.days_before))


def fire_meeting_reminders(sessions: sessionmaker[Session], now: dt.datetime, tz_name: str,
                           rules: ReminderRules = DEFAULT_RULES, limit: int = 200) -> dict[str, int]:
    with unit_of_work(sessions) as session:
        planned = plan_missing(session, now=now, tz_name=tz_name, rules=rules)
        _skip_moot(session, now)
    with sessions() as session:
        due = session.execute(
            select(MeetingReminder.id).where(*_unfired(now)).order_by(MeetingReminder.due_at).limit(limit)
        ).scalars().all()
    fired = 0
    for reminder_id in due:
        with unit_of_work(sessions) as session:
            if _claim(session, reminder_id, now):
                _fire(session, session.get_one(MeetingReminder, reminder_id), rules)
                fired += 1
    return {"planned": planned, "reminders": fired}
