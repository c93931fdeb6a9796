"""Idempotent consumers: a processed event is recorded under a unique key."""
from __future__ import annotations

from sqlalchemy import ColumnElement, Connection, bindparam, exists, literal, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .db import dialect_insert
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
    connection: Connection, event_id: str, consumer: str, unfinished: ColumnElement[bool]
) -> bool:
    """Record the event as processed only if no row matches `unfinished` (an e-mail not yet
    sent), deciding and recording in one statement; True if this call recorded it."""
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    values = select(literal(event_id), literal(consumer), literal(utcnow())).where(
        ~exists().where(unfinished))
    recorded = connection.execute(
        insert(ProcessedEvent)
        .from_select(["event_id", "consumer", "processed_at"], values)
        .on_conflict_do_nothing()
        .returning(ProcessedEvent.event_id)
    ).first()
    return recorded is not None
