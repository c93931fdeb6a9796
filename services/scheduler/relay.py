"""The outbox relay: publish committed events to the broker, and again if nobody processed them.

Publishing is at-least-once: a row is marked published only after the broker took it, and a
row whose event no consumer recorded as processed within `republish_after` seconds is sent
again, so a broker that restarts empty loses nothing. Consumers are idempotent.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import CursorResult, Row, bindparam, exists, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.db import unit_of_work
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


# The relay's two statements per batch, built once: it runs them many times a second under load.
_DUE = (select(OutboxEvent.id, OutboxEvent.task_name, OutboxEvent.payload)
        .where(OutboxEvent.settled_at.is_(None),
               or_(OutboxEvent.published_at.is_(None), OutboxEvent.published_at < bindparam("cutoff")))
        .order_by(OutboxEvent.created_at)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True))
_PUBLISHED = (update(OutboxEvent).where(OutboxEvent.id.in_(bindparam("ids", expanding=True)))
              .values(published_at=bindparam("now", type_=OutboxEvent.published_at.type),
                      publish_count=OutboxEvent.publish_count + 1)
              .execution_options(synchronize_session=False))


def claim_due(
    session: Session, now: dt.datetime, republish_after: int, limit: int
) -> list[Row[Any]]:
    """(id, task name, payload) of unpublished rows, and of published ones nobody processed in
    time; locked (SKIP LOCKED on PostgreSQL) until the caller's transaction ends."""
    cutoff = now - dt.timedelta(seconds=republish_after)
    return list(session.execute(_DUE, {"cutoff": cutoff, "limit": limit}))


def relay_once(
    sessions: sessionmaker[Session],
    publish: Publish,
    *,
    now: dt.datetime,
    republish_after: int,
    settle: bool = True,
    limit: int = 200,
) -> int:
    """Publish one batch; returns how many rows were published. The batch is marked published in
    one statement after the broker took every one of them; a failure part-way publishes the
    batch again later (consumers are idempotent)."""
    with unit_of_work(sessions) as session:
        if settle:
            settle_processed(session, now)
        rows = claim_due(session, now, republish_after, limit)
        for row in rows:
            publish(row.task_name, row.payload, row.id)
        if rows:
            session.execute(_PUBLISHED, {"ids": [row.id for row in rows], "now": now})
    return len(rows)
