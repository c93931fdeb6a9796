"""Messages between services: past-tense dataclasses of primitives, and the task names.

The relay publishes an outbox row by its task name; no service imports another.
"""
from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Self

from sqlalchemy.orm import Session

from .models import OutboxEvent

NOTIFIER_QUEUE = "notifier"
SCHEDULER_QUEUE = "scheduler"

CASE_SUBMITTED_TASK = "notifier.case_submitted"
CASE_STATUS_CHANGED_TASK = "notifier.case_status_changed"
NOTIFICATION_RETRIED_TASK = "notifier.notification_retried"
DEADLINE_REMINDER_TASK = "notifier.deadline_reminder_due"
DEADLINE_MISSED_TASK = "notifier.deadline_missed"
FIRE_DEADLINES_TASK = "scheduler.fire_deadlines"
MEETING_REQUESTED_TASK = "scheduler.meeting_requested"
MEETING_SCHEDULED_TASK = "notifier.meeting_scheduled"
MEETING_REQUEST_ANSWERED_TASK = "notifier.meeting_request_answered"
MEETING_REMINDER_TASK = "notifier.meeting_reminder_due"
MINUTES_RECORDED_TASK = "notifier.minutes_recorded"
FIRE_MEETING_REMINDERS_TASK = "scheduler.fire_meeting_reminders"
BOOK_ANNUAL_MEETINGS_TASK = "scheduler.book_annual_meetings"
ANONYMISE_CASES_TASK = "scheduler.anonymise_cases"
SIGN_IN_REQUESTED_TASK = "notifier.sign_in_requested"


@dataclass(frozen=True)
class Event:
    task_name: ClassVar[str]
    event_id: str

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Self:
        return cls(**payload)


@dataclass(frozen=True)
class CaseSubmitted(Event):
    """A complaint, acquisition notice, sublet question or meeting request was submitted."""

    task_name: ClassVar[str] = CASE_SUBMITTED_TASK
    case_id: int
    reference: str
    case_type: str = "complaint"


@dataclass(frozen=True)
class CaseStatusChanged(Event):
    """A case moved through its lifecycle (acknowledged, resolved, rejected, reopened…)."""

    task_name: ClassVar[str] = CASE_STATUS_CHANGED_TASK
    case_id: int
    reference: str
    action: str
    comment: str = ""


def new_event_id() -> str:
    return str(uuid.uuid4())


def record_event(session: Session, event: Event) -> None:
    """Add the event to the outbox; it commits with the caller's transaction or not at all."""
    session.add(
        OutboxEvent(
            id=event.event_id,
            event_type=type(event).__name__,
            task_name=event.task_name,
            payload=event.to_payload(),
        )
    )


def queue_for(task_name: str) -> str:
    return task_name.split(".", 1)[0]


@dataclass(frozen=True)
class NotificationRetried(Event):
    """A person asked for a failed e-mail to be sent again."""

    task_name: ClassVar[str] = NOTIFICATION_RETRIED_TASK
    notification_id: int


@dataclass(frozen=True)
class DeadlineReminderDue(Event):
    """A deadline reached its reminder point and the case is still open."""

    task_name: ClassVar[str] = DEADLINE_REMINDER_TASK
    case_id: int
    deadline_id: int
    kind: str


@dataclass(frozen=True)
class DeadlineMissed(Event):
    """A deadline passed unmet: the contact's leader is told and the case is overdue."""

    task_name: ClassVar[str] = DEADLINE_MISSED_TASK
    case_id: int
    deadline_id: int
    kind: str


@dataclass(frozen=True)
class MeetingRequested(Event):
    """A party asked for a committee meeting; the scheduler books it within 21 days."""

    task_name: ClassVar[str] = MEETING_REQUESTED_TASK
    case_id: int


@dataclass(frozen=True)
class MeetingScheduled(Event):
    """A meeting was booked or changed (REQUEST) or cancelled (CANCEL): invite the members."""

    task_name: ClassVar[str] = MEETING_SCHEDULED_TASK
    meeting_id: int
    sequence: int
    method: str = "REQUEST"


@dataclass(frozen=True)
class MeetingRequestAnswered(Event):
    """What became of a meeting request: booked, joined to a meeting, or no slot."""

    task_name: ClassVar[str] = MEETING_REQUEST_ANSWERED_TASK
    case_id: int
    outcome: str
    meeting_id: int | None = None


@dataclass(frozen=True)
class MeetingReminderDue(Event):
    """A meeting is N days away: remind every member, with the agenda as it stands now."""

    task_name: ClassVar[str] = MEETING_REMINDER_TASK
    meeting_id: int
    reminder_id: int
    days_before: int


@dataclass(frozen=True)
class MinutesRecorded(Event):
    """A meeting was held and its minutes written: every member gets them."""

    task_name: ClassVar[str] = MINUTES_RECORDED_TASK
    meeting_id: int


@dataclass(frozen=True)
class SignInRequested(Event):
    """A directory contact asked for a sign-in link to the staff workspace; the link's row id."""

    task_name: ClassVar[str] = SIGN_IN_REQUESTED_TASK
    link_id: str
