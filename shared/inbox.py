"""Idempotent consumers: a processed event is recorded under a unique key."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import dialect_insert
from .models import ProcessedEvent, utcnow


def is_processed(session: Session, event_id: str, consumer: str) -> bool:
    return (
        session.execute(
            select(ProcessedEvent.event_id).where(
                ProcessedEvent.event_id == event_id, ProcessedEvent.consumer == consumer
            )
        ).first()
        is not None
    )


def mark_processed(session: Session, event_id: str, consumer: str) -> None:
    insert = dialect_insert(session)
    session.execute(
        insert(ProcessedEvent)
        .values(event_id=event_id, consumer=consumer, processed_at=utcnow())
        .on_conflict_do_nothing()
    )
