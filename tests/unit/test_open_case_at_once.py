"""The one-statement way of opening a case (PostgreSQL) writes the same rows as the ORM's.

On SQLite `open_case_at_once` is `open_case` itself, so this file compares the two only where
they differ: with DATABASE_URL pointing at PostgreSQL (as in CI)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.intake.cases import open_case, open_case_at_once
from shared.db import unit_of_work
from shared.messages import CaseSubmitted
from shared.models import Case, CaseHistory, Cooperative, OutboxEvent

NOW = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
FIELDS = {"category": "noise", "description": "Bråk om natta", "submitter_name": "Åse Ås",
              "submitter_email": "ase@example.no", "submitter_role": "resident", "language": "nn"}


def _opened_by(sessions, opener):  # type: ignore[no-untyped-def]
    with unit_of_work(sessions) as session:
        cooperative = session.execute(select(Cooperative).order_by(Cooperative.id)).scalars().first()
        opened = opener(session, "complaint", actor="innsender", now=NOW, tz_name="Europe/Oslo",
                        cooperative_id=cooperative.id, **FIELDS)
        case_id = opened.id
    with unit_of_work(sessions) as session:
        case = session.get(Case, case_id)
        history = session.execute(select(CaseHistory).where(CaseHistory.case_id == case_id)).scalars().all()
        event = session.execute(select(OutboxEvent).where(OutboxEvent.payload["case_id"].as_integer() == case_id)
                                ).scalar_one()
        return case, history, event


def _columns(row, skip=()):  # type: ignore[no-untyped-def]
    return {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}


def test_one_statement_writes_what_the_orm_writes(sessions):  # type: ignore[no-untyped-def]
    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("one statement only on PostgreSQL; on SQLite open_case_at_once is open_case")
    orm_case, orm_history, orm_event = _opened_by(sessions, open_case)
    one_case, one_history, one_event = _opened_by(sessions, open_case_at_once)

    # consecutive references of the same type and year: the counter is shared, no gap
    year = NOW.year
    assert orm_case.reference.startswith(f"KL-{year}-") and one_case.reference.startswith(f"KL-{year}-")
    assert int(one_case.reference[-4:]) == int(orm_case.reference[-4:]) + 1
    differ = ("id", "reference", "tracking_token")
    assert _columns(one_case, differ) == _columns(orm_case, differ)
    assert len(one_case.tracking_token) == len(orm_case.tracking_token)
    assert [_columns(h, ("id", "case_id")) for h in one_history] == [
        _columns(h, ("id", "case_id")) for h in orm_history]
    submitted = CaseSubmitted.from_payload(one_event.payload)
    assert (submitted.case_id, submitted.reference, submitted.case_type) == (one_case.id, one_case.reference,
                                                                              "complaint")
    assert (one_event.event_type, one_event.task_name, one_event.publish_count, one_event.published_at) == (
        orm_event.event_type, orm_event.task_name, 0, None)
    assert set(one_event.payload) == set(orm_event.payload)


def test_references_past_9999_keep_every_digit(sessions):  # type: ignore[no-untyped-def]
    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("one statement only on PostgreSQL")
    from shared.models import ReferenceCounter
    with unit_of_work(sessions) as session:
        session.merge(ReferenceCounter(prefix="KL", year=NOW.year, last_number=9999))
    case, _history, _event = _opened_by(sessions, open_case_at_once)
    assert case.reference == f"KL-{NOW.year}-10000"
