"""Per-process resources for workers: built lazily after fork, never on import."""
from __future__ import annotations

import os
from typing import Any

from celery import Celery
from celery.signals import setup_logging
from sqlalchemy.orm import Session, sessionmaker

from .db import make_engine, make_sessionmaker
from .logs import configure_logging
from .messages import NOTIFIER_QUEUE, SCHEDULER_QUEUE
from .settings import Settings


class Resources:
    """The settings and this process's session factory (one engine per process)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pid: int | None = None
        self._sessions: sessionmaker[Session] | None = None

    @property
    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None or self._pid != os.getpid():
            self._sessions = make_sessionmaker(make_engine(self.settings.database_url))
            self._pid = os.getpid()
        return self._sessions


def celery_config(settings: Settings) -> dict[str, Any]:
    """At-least-once delivery: ack after the work, requeue when the worker dies, one at a time."""
    return {
        "broker_url": settings.redis_url,
        # kombu's Redis transport, keeping its Redis client (shared/broker.py)
        **({"broker_transport": "shared.broker:Transport"} if settings.redis_url.startswith("redis://") else {}),
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {"visibility_timeout": settings.broker_visibility_timeout},
        "task_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # Finish what is running when the broker goes away; the relay re-publishes what was lost.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_default_queue": NOTIFIER_QUEUE,
        "task_routes": {
            "notifier.*": {"queue": NOTIFIER_QUEUE},
            "scheduler.*": {"queue": SCHEDULER_QUEUE},
        },
        "timezone": settings.tz_name,
        "enable_utc": True,
        "worker_hijack_root_logger": False,
    }


def make_celery(name: str, settings: Settings) -> Celery:
    app = Celery(name, set_as_current=False)
    app.conf.update(celery_config(settings))
    app.resources = Resources(settings)  # type: ignore[attr-defined]
    return app


def configure_worker_logging(service_name: str, settings: Settings) -> None:
    """Our handler for a Celery process. A receiver of setup_logging tells Celery to add no
    handlers of its own and not to redirect stdout/stderr into the logs."""
    configure_logging(service_name, settings.log_level, settings.effective_log_format)

    @setup_logging.connect(weak=False)
    def _ours(**_: Any) -> None:
        configure_logging(service_name, settings.log_level, settings.effective_log_format)
