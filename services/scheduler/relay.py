"""The outbox relay: publish committed events to the broker, and again if nobody processed them.

Publishing is at-least-once: a row is marked published only after the broker took it, and a
row whose event no consumer recorded as processed within `republish_after` seconds is sent
again, so a broker that restarts empty loses nothing. Consumers are idempotent.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any, cast

import psycopg
from sqlalchemy import CursorResult, Row, bindparam, exists, make_url, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.db import is_sqlite, unit_of_work
from shared.models import OutboxEvent, ProcessedEvent

Publish = Callable[[str, dict[str, Any], str], None]


def settle_processed(session: Session, now: dt.datetime) -> int:
    """Mark rows whose event a consumer has processed, so they leave the relay's index."""
    result = cast(CursorResult[Any], session.execute(
        update(OutboxEvent)
        .where(
            OutboxEvent.settled_at.is_(None),
            OutboxEvent.published_at.is_not(None),
            exists().where(ProcessedEvent.event_id == OutboxEvent.id),
        )
        .values(settled_at=now)
        .execution_options(synchronize_session=False)
    ))
    return result.rowcount


# The relay's statement per batch, built once: it runs many times a second under load. The due
# rows (unpublished, or published and not processed in time; oldest first, SKIP LOCKED on
# PostgreSQL) are marked published as they are claimed, and the mark commits only after the broker
# took every one of them: a failure part-way rolls it back, and the batch is published again later.
_DUE = (select(OutboxEvent.id)
        .where(OutboxEvent.settled_at.is_(None),
               or_(OutboxEvent.published_at.is_(None), OutboxEvent.published_at < bindparam("cutoff")))
        .order_by(OutboxEvent.created_at)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True))
_CLAIM = (update(OutboxEvent).where(OutboxEvent.id.in_(_DUE.scalar_subquery()))
          .values(published_at=bindparam("now", type_=OutboxEvent.published_at.type),
                  publish_count=OutboxEvent.publish_count + 1)
          .returning(OutboxEvent.id, OutboxEvent.task_name, OutboxEvent.payload, OutboxEvent.created_at))


def claim_due(
    session: Session, now: dt.datetime, republish_after: int, limit: int
) -> list[Row[Any]]:
    """(id, task name, payload, created) of unpublished rows, and of published ones nobody
    processed in time, oldest first; marked published now, and locked until the caller's
    transaction ends (which should commit only once they are published)."""
    cutoff = now - dt.timedelta(seconds=republish_after)
    rows = session.connection().execute(_CLAIM, {"cutoff": cutoff, "limit": limit, "now": now}).all()
    return sorted(rows, key=lambda row: (row.created_at, row.id))  # RETURNING keeps no order


def relay_once(
    sessions: sessionmaker[Session],
    publish: Publish,
    *,
    now: dt.datetime,
    republish_after: int,
    settle: bool = True,
    limit: int = 200,
) -> int:
    """Publish one batch; returns how many rows were published. The batch is claimed and marked
    published in one statement, committed after the broker took every one of them; a failure
    part-way publishes the batch again later (consumers are idempotent)."""
    with unit_of_work(sessions) as session:
        if settle:
            settle_processed(session, now)
        rows = claim_due(session, now, republish_after, limit)
        for row in rows:
            publish(row.task_name, row.payload, row.id)
    return len(rows)


# The outbox's trigger notifies this channel when rows are inserted (PostgreSQL; migration 0019).
OUTBOX_CHANNEL = "samhandling_outbox"
# A relay that listens looks at the outbox at least this often (seconds) with nothing announced:
# rows published and not processed are published again, and processed ones settled.
IDLE_WAIT = 1.0

log = logging.getLogger("samhandling.relay")


class Wakeups:
    """What an idle relay waits for: on PostgreSQL, the outbox's notification (LISTEN on a
    connection of its own), at most IDLE_WAIT; elsewhere, or while it cannot listen (the database
    is away), the poll interval. A stop ends the wait within IDLE_WAIT."""

    def __init__(self, database_url: str, poll_interval: float, idle: float = IDLE_WAIT) -> None:
        url = make_url(database_url)
        self._conninfo = None if is_sqlite(database_url) else (
            url.set(drivername="postgresql").render_as_string(hide_password=False))
        self.poll_interval, self.idle = poll_interval, idle
        self._connection: psycopg.Connection[Any] | None = None
        self._said_so = False  # that it cannot listen: said once until it listens again

    def wait(self, stop: threading.Event) -> bool:
        """Until rows are announced, the wait is over or `stop` is set; True when announced (or
        when listening has just begun: what was announced before it went unheard)."""
        if self._conninfo is not None and self._connection is None:
            try:
                self._connection = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
                self._connection.execute(f"LISTEN {OUTBOX_CHANNEL}")
                self._said_so = False
                return True
            except psycopg.Error as error:
                self.close()
                if not self._said_so:
                    log.warning("relay polls: cannot listen for new events (%s)", type(error).__name__)
                    self._said_so = True
        if self._connection is None:
            stop.wait(self.poll_interval)
            return False
        try:
            return any(True for _ in self._connection.notifies(timeout=self.idle, stop_after=1))
        except psycopg.Error:
            self.close()  # the database went away; listen again once it is back
            stop.wait(self.poll_interval)
            return False

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except psycopg.Error:
                pass  # already gone
