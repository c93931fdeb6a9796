"""The notifier's Celery app: one task per message type in the handler table, each thin, named,
idempotent and JSON only."""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypedDict

from celery import Celery
from celery.signals import worker_init, worker_process_shutdown
from sqlalchemy.exc import OperationalError

from shared.handbook_versions import warm_parsing
from shared.logs import log_context
from shared.messages import Event
from shared.runtime import make_celery
from shared.settings import Settings

from .delivery import DeliveryIncomplete
from .handlers import HANDLERS
from .mail import SmtpMailer, TransientMailError, compile_all, template_environment
from .runner import consume


class TaskOptions(TypedDict):
    """Options of a task, typed so that mypy checks them against Celery.task."""

    autoretry_for: tuple[type[BaseException], ...]
    retry_backoff: int
    retry_backoff_max: int
    retry_jitter: bool
    max_retries: int
    acks_late: bool
    reject_on_worker_lost: bool


RETRY: TaskOptions = {
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

    @worker_init.connect(weak=False)
    def _before_the_pool(sender: Any = None, **_: Any) -> None:
        # What every pool process would otherwise do in its first task (~0.5 s of CPU each):
        # done once in the main process, and shared by the processes forked from it.
        if getattr(sender, "app", None) is not app:
            return  # another app's worker in this process (a test's)
        compile_all(templates)
        warm_parsing(settings.handbook_path or None)

    @worker_process_shutdown.connect(weak=False)
    def _say_goodbye(**_: Any) -> None:
        mailer = mailers.pop(os.getpid(), None)
        if mailer is not None:
            mailer.close()

    def run(event: Event) -> dict[str, int]:
        mailer = mailers.get(os.getpid())
        if mailer is None:
            mailer = mailers[os.getpid()] = SmtpMailer(settings)
        with log_context(event_id=event.event_id):
            return consume(app.resources, event, mailer, templates)  # type: ignore[attr-defined]

    for message_type in HANDLERS:
        register(app, message_type, run)
    return app


def register(app: Celery, message_type: type[Event], run: Callable[[Event], dict[str, int]]) -> None:
    """The task named for the message type: the payload back into the message, then run it."""

    def task(payload: dict[str, Any]) -> dict[str, int]:
        return run(message_type.from_payload(payload))

    task.__name__ = task.__qualname__ = message_type.task_name.rpartition(".")[2]
    app.task(name=message_type.task_name, **RETRY)(task)
