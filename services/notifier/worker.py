"""The notifier's Celery app and its tasks: thin, named, idempotent, JSON only."""
from __future__ import annotations

from typing import Any

from celery import Celery, Task
from sqlalchemy.exc import OperationalError

from shared.messages import COMPLAINT_SUBMITTED_TASK, ComplaintSubmitted
from shared.runtime import make_celery
from shared.settings import Settings

from .delivery import DeliveryIncomplete
from .handlers import handle_complaint_submitted
from .mail import SmtpMailer, TransientMailError, template_environment

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

    @app.task(name=COMPLAINT_SUBMITTED_TASK, bind=True, **RETRY)
    def complaint_submitted(self: Task, payload: dict[str, Any]) -> dict[str, int]:
        mailer = SmtpMailer(settings)
        try:
            return handle_complaint_submitted(
                self.app.resources, ComplaintSubmitted.from_payload(payload), mailer, templates
            )
        finally:
            mailer.close()

    return app
