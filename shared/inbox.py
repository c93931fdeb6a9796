"""Idempotent consumers: a processed event is recorded under a unique key."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, Insert, bindparam, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .db import built_for, dialect_insert
from .models import ProcessedEvent, utcnow

# Asked at the start of every task: built once (building and keying it cost more than running it).
_PROCESSED = select(ProcessedEvent.event_id).where(ProcessedEvent.event_id == bindparam("event_id"),
                                                   ProcessedEvent.consumer == bindparam("consumer"))


def is_processed(session: Session, event_id: str, consumer: str) -> bool:
    return session.execute(_PROCESSED, {"event_id": event_id, "consumer": consumer}).first() is not None


def mark_processed(session: Session, event_id: str, consumer: str) -> None:
    insert = dialect_insert(session)
    session.execute(
        insert(ProcessedEvent)
        .values(event_id=event_id, consumer=consumer, processed_at=utcnow())
        .on_conflict_do_nothing()
    )


def mark_processed_unless(
    connection: Connection, event_id: str, consumer: str, unfinished: ColumnElement[bool],
    params: Mapping[str, Any] | None = None,
) -> bool:
    """Record the event as processed only if no row matches `unfinished` (an e-mail not yet
    sent; `params` the values of its bound parameters), deciding and recording in one statement;
    True if this call recorded it. The statement is built once per condition and dialect."""
    dialect = connection.dialect.name
    statement = built_for(("mark", dialect), unfinished, lambda condition: _marking(dialect, condition))
    recorded = connection.execute(statement, {**(params or {}), "mark_event": event_id,
                                              "mark_consumer": consumer, "mark_at": utcnow()}).first()
    return recorded is not None


def _marking(dialect: str, unfinished: ColumnElement[bool]) -> Insert:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    values = select(bindparam("mark_event", type_=ProcessedEvent.event_id.type),
                    bindparam("mark_consumer", type_=ProcessedEvent.consumer.type),
                    bindparam("mark_at", type_=ProcessedEvent.processed_at.type)).where(~exists().where(unfinished))
    return (insert(ProcessedEvent).from_select(["event_id", "consumer", "processed_at"], values)
            .on_conflict_do_nothing().returning(ProcessedEvent.event_id))
