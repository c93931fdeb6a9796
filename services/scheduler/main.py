"""The scheduler process: the relay loop beside Celery beat and the scheduler's worker.

The relay runs as a thread of the scheduler worker's main process, started when the worker is
ready and stopped when it shuts down; beat runs embedded (`--beat`).
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery import Celery
from celery.signals import worker_ready, worker_shutdown
from kombu.exceptions import KombuError
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from shared.db import unit_of_work
from shared.deadlines import fire_due
from shared.inbox import is_processed, mark_processed
from shared.messages import (
    ANONYMISE_CASES_TASK,
    BOOK_ANNUAL_MEETINGS_TASK,
    FIRE_DEADLINES_TASK,
    FIRE_MEETING_REMINDERS_TASK,
    MEETING_REQUESTED_TASK,
    MeetingRequested,
    queue_for,
)
from shared.models import DEFAULT_AGREEMENT, utcnow
from shared.retention import anonymise_due
from shared.runtime import make_celery
from shared.settings import Settings

from .annual import book_due_annual_meetings
from .meeting_reminders import fire_meeting_reminders
from .meeting_requests import answer_meeting_request
from .relay import Wakeups, relay_once

log = logging.getLogger("samhandling.relay")
CONSUMER = "scheduler"
SETTLE_EVERY = 1.0
BATCH = 200  # outbox rows a relay pass publishes at most
# The fixed meetings are booked months ahead; an hourly look survives restarts that a daily
# timer would not (beat's first run comes one interval after it starts).
ANNUAL_CHECK_EVERY = 3600.0
# Retention is counted in days; once a day is enough, and each case is anonymised once whoever runs it.
ANONYMISE_EVERY = 24 * 3600.0


class Relay:
    def __init__(self, app: Celery) -> None:
        self.app = app
        self.settings: Settings = app.resources.settings  # type: ignore[attr-defined]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def publish(self, task_name: str, payload: dict[str, Any], event_id: str) -> None:
        self.app.send_task(
            task_name,
            args=[payload],
            queue=queue_for(task_name),
            headers={"event_id": event_id},
            retry=True,
            retry_policy={"max_retries": 2, "interval_start": 0.2, "interval_step": 0.5},
        )
        log.info("published", extra={"event_id": event_id, "task": task_name})

    def run(self) -> None:
        wakeups = Wakeups(self.settings.database_url, self.settings.relay_poll_interval)
        try:
            self._relay(wakeups)
        finally:
            wakeups.close()

    def _relay(self, wakeups: Wakeups) -> None:
        """A pass over the outbox, then a wait for new events, with passes at least the poll
        interval apart: idle, a new event is published at once; under load, the events committed
        meanwhile go in one batch instead of a pass each (a full batch is followed at once)."""
        sessions = self.app.resources.sessions  # type: ignore[attr-defined]
        backoff, last_settle = 0.0, 0.0
        while not self._stop.is_set():
            began = time.monotonic()
            settle = began - last_settle >= SETTLE_EVERY
            try:
                published = relay_once(
                    sessions,
                    self.publish,
                    now=utcnow(),
                    republish_after=self.settings.relay_republish_after,
                    settle=settle,
                    limit=BATCH,
                )
                backoff = 0.0
            except (SQLAlchemyError, KombuError, RedisError, OSError) as error:
                backoff = min(max(backoff * 2, 0.5), 10.0)
                log.warning("relay paused %.1fs: %s", backoff, type(error).__name__)
                self._stop.wait(backoff)
                continue
            if settle:
                last_settle = time.monotonic()
            if published:
                log.info("relay published %d event(s)", published)
            if published < BATCH:
                wakeups.wait(self._stop)  # a new event's notification, or a while
                self._stop.wait(max(0.0, self.settings.relay_poll_interval - (time.monotonic() - began)))

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="outbox-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def create_scheduler_app(settings: Settings) -> Celery:
    app = make_celery("scheduler", settings)
    # Beat keeps no schedule file: the database is the clock, and several schedulers may run.
    app.conf.beat_scheduler = "celery.beat:Scheduler"
    app.conf.beat_schedule = {
        # The database is the clock: every minute, ask it which reminders and escalations are due.
        "fire-deadlines": {"task": FIRE_DEADLINES_TASK, "schedule": settings.deadline_check_interval},
        "fire-meeting-reminders": {"task": FIRE_MEETING_REMINDERS_TASK,
                                   "schedule": settings.deadline_check_interval},
        "book-annual-meetings": {"task": BOOK_ANNUAL_MEETINGS_TASK, "schedule": ANNUAL_CHECK_EVERY},
        "anonymise-cases": {"task": ANONYMISE_CASES_TASK, "schedule": ANONYMISE_EVERY},
    }

    # shared=False: Celery would otherwise add these closures to every app later built in the
    # process, and a second app's tasks would run the first app's (its settings, its sessions).
    beat_task: dict[str, Any] = {"shared": False, "acks_late": True, "reject_on_worker_lost": True,
                 "autoretry_for": (OperationalError,), "retry_backoff": 5, "max_retries": 3}

    def sessions() -> Any:
        return app.resources.sessions  # type: ignore[attr-defined]  # built after fork, per process

    @app.task(name=FIRE_DEADLINES_TASK, **beat_task)
    def fire_deadlines() -> dict[str, int]:
        return fire_due(sessions(), utcnow(), tz_name=settings.tz_name)

    @app.task(name=FIRE_MEETING_REMINDERS_TASK, **beat_task)
    def meeting_reminders() -> dict[str, int]:
        return fire_meeting_reminders(sessions(), utcnow(), settings.tz_name)

    @app.task(name=BOOK_ANNUAL_MEETINGS_TASK, **beat_task)
    def book_annual_meetings() -> list[str]:
        booked = book_due_annual_meetings(sessions(), now=utcnow(), tz_name=settings.tz_name,
                                          handbook_path=settings.handbook_path)
        return [f"{b.slot}: {b.outcome} {b.day or ''}".strip() if b.agreement_id == DEFAULT_AGREEMENT
                else f"{b.agreement_id}/{b.slot}: {b.outcome} {b.day or ''}".strip() for b in booked]

    @app.task(name=ANONYMISE_CASES_TASK, **beat_task)
    def anonymise_cases() -> dict[str, int]:
        return anonymise_due(sessions(), utcnow())

    @app.task(name=MEETING_REQUESTED_TASK, shared=False, acks_late=True, reject_on_worker_lost=True,
              autoretry_for=(OperationalError,), retry_backoff=2, max_retries=10)
    def meeting_requested(payload: dict[str, Any]) -> str:
        event = MeetingRequested.from_payload(payload)
        with unit_of_work(app.resources.sessions) as session:  # type: ignore[attr-defined]
            if is_processed(session, event.event_id, CONSUMER):
                return "already processed"
            outcome = answer_meeting_request(session, event.case_id, now=utcnow(), tz_name=settings.tz_name,
                                             handbook_path=settings.handbook_path)
            mark_processed(session, event.event_id, CONSUMER)  # same transaction: exactly once
        return outcome

    relay = Relay(app)
    app.relay = relay  # type: ignore[attr-defined]

    @worker_ready.connect(weak=False)
    def _start_relay(sender: Any = None, **_: Any) -> None:
        relay.start()

    @worker_shutdown.connect(weak=False)
    def _stop_relay(sender: Any = None, **_: Any) -> None:
        relay.stop()

    return app
