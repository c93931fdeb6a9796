"""The notifier's Celery app and its tasks: thin, named, idempotent, JSON only."""
from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_shutdown
from sqlalchemy.exc import OperationalError

from shared.messages import (
    CASE_STATUS_CHANGED_TASK,
    CASE_SUBMITTED_TASK,
    DEADLINE_MISSED_TASK,
    DEADLINE_REMINDER_TASK,
    MEETING_REMINDER_TASK,
    MEETING_REQUEST_ANSWERED_TASK,
    MEETING_SCHEDULED_TASK,
    MINUTES_RECORDED_TASK,
    NOTIFICATION_RETRIED_TASK,
    CaseStatusChanged,
    CaseSubmitted,
    DeadlineMissed,
    DeadlineReminderDue,
    MeetingReminderDue,
    MeetingRequestAnswered,
    MeetingScheduled,
    MinutesRecorded,
    NotificationRetried,
)
from shared.logs import log_context
from shared.runtime import make_celery
from shared.settings import Settings

from .delivery import DeliveryIncomplete
from .handlers import (
    handle_case_submitted,
    handle_deadline_event,
    handle_notification_retried,
    handle_status_changed,
)
from .mail import SmtpMailer, TransientMailError, template_environment
from .meeting_followups import handle_meeting_reminder_due, handle_minutes_recorded
from .meetings import handle_meeting_request_answered, handle_meeting_scheduled

RETRY = {
    "autoretry_for": (TransientMailError, DeliveryIncomplete, OperationalError),
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 12,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


def create_worker_app(settings: Settings) -> Celery:
    app = make_celery("notifier", settings)
    templates = template_environment()

    mailers: dict[int, SmtpMailer] = {}  # one SMTP connection per pool process, kept between tasks

    @worker_process_shutdown.connect(weak=False)
    def _say_goodbye(**_: Any) -> None:
        mailer = mailers.pop(os.getpid(), None)
        if mailer is not None:
            mailer.close()

    def run(handler, event) -> dict[str, int]:  # type: ignore[no-untyped-def]
        mailer = mailers.get(os.getpid())
        if mailer is None:
            mailer = mailers[os.getpid()] = SmtpMailer(settings)
        with log_context(event_id=event.event_id):
            return handler(app.resources, event, mailer, templates)  # type: ignore[attr-defined]

    @app.task(name=CASE_SUBMITTED_TASK, **RETRY)
    def case_submitted(payload: dict[str, Any]) -> dict[str, int]:
        return run(handle_case_submitted, CaseSubmitted.from_payload(payload))

    @app.task(name=CASE_STATUS_CHANGED_TASK, **RETRY)
    def case_status_changed(payload: dict[str, Any]) -> dict[str, int]:
        return run(handle_status_changed, CaseStatusChanged.from_payload(payload))

    @app.task(name=NOTIFICATION_RETRIED_TASK, **RETRY)
    def notification_retried(payload: dict[str, Any]) -> dict[str, int]:
        return run(handle_notification_retried, NotificationRetried.from_payload(payload))

    @app.task(name=DEADLINE_REMINDER_TASK, **RETRY)
    def deadline_reminder_due(payload: dict[str, Any]) -> dict[str, int]:
        return run(handle_deadline_event, DeadlineReminderDue.from_payload(payload))

    @app.task(name=DEADLINE_MISSED_TASK, **RETRY)
    def deadline_missed(payload: dict[str, Any]) -> dict[str, int]:
        return run(handle_deadline_event, DeadlineMissed.from_payload(payload))

    @app.task(name=MEETING_SCHEDULED_TASK, **RETRY)
    def meeting_scheduled(payload: dict[str, Any]) -> dict[str, int]:
        return run(handle_meeting_scheduled, MeetingScheduled.from_payload(payload))

    @app.task(name=MEETING_REQUEST_ANSWERED_TASK, **RETRY)
    def meeting_request_answered(payload: dict[str, Any]) -> dict[str, int]:
        return run(handle_meeting_request_answered, MeetingRequestAnswered.from_payload(payload))

    @app.task(name=MEETING_REMINDER_TASK, **RETRY)
    def meeting_reminder_due(payload: dict[str, Any]) -> dict[str, int]:
        return run(handle_meeting_reminder_due, MeetingReminderDue.from_payload(payload))

    @app.task(name=MINUTES_RECORDED_TASK, **RETRY)
    def minutes_recorded(payload: dict[str, Any]) -> dict[str, int]:
        return run(handle_minutes_recorded, MinutesRecorded.from_payload(payload))

    return app
