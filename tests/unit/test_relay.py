"""The outbox relay: publishes each committed event, and again when nobody processed it."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.scheduler.relay import relay_once
from shared.db import unit_of_work
from shared.inbox import mark_processed
from shared.messages import CaseSubmitted, record_event
from shared.models import OutboxEvent

T0 = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


class Broker:
    def __init__(self) -> None:
        self.published: list[tuple[str, dict, str]] = []

    def __call__(self, task_name: str, payload: dict, event_id: str) -> None:
        self.published.append((task_name, payload, event_id))


def add_events(sessions, *event_ids: str) -> None:
    with unit_of_work(sessions) as session:
        for number, event_id in enumerate(event_ids, start=1):
            record_event(session, CaseSubmitted(event_id=event_id, case_id=number, reference=f"KL-2027-{number:04d}"))


def run(sessions, broker, at: dt.datetime) -> int:
    return relay_once(sessions, broker, now=at, republish_after=60)


def test_new_events_are_published_once_by_task_name(sessions):
    add_events(sessions, "a", "b")
    broker = Broker()
    assert run(sessions, broker, T0) == 2
    assert run(sessions, broker, T0 + dt.timedelta(seconds=30)) == 0
    assert [(name, event_id) for name, _, event_id in broker.published] == [
        ("notifier.case_submitted", "a"), ("notifier.case_submitted", "b")]
    assert broker.published[0][1] == {"event_id": "a", "case_id": 1, "reference": "KL-2027-0001",
                                      "case_type": "complaint"}


def test_unprocessed_events_are_published_again_after_the_timeout(sessions):
    add_events(sessions, "a", "b")
    broker = Broker()
    run(sessions, broker, T0)
    with unit_of_work(sessions) as session:
        mark_processed(session, "a", "notifier")
    assert run(sessions, broker, T0 + dt.timedelta(seconds=61)) == 1
    assert broker.published[-1][2] == "b"
    with sessions() as session:
        rows = {row.id: row for row in session.execute(select(OutboxEvent)).scalars()}
    assert rows["a"].settled_at is not None and rows["b"].settled_at is None
    assert rows["b"].publish_count == 2


def test_a_broker_failure_leaves_the_rows_for_the_next_round(sessions):
    add_events(sessions, "a")

    def down(*_args) -> None:
        raise ConnectionError("broker down")

    try:
        run(sessions, down, T0)
    except ConnectionError:
        pass
    broker = Broker()
    assert run(sessions, broker, T0) == 1


def outbox(sessions) -> dict[str, OutboxEvent]:
    with sessions() as session:
        return {row.id: row for row in session.execute(select(OutboxEvent)).scalars()}


def test_a_failure_part_way_leaves_the_whole_batch_unpublished(sessions):
    """The batch is marked published as it is claimed; the mark is rolled back with the failure."""
    add_events(sessions, "a", "b", "c")
    published: list[str] = []

    def fails_at_b(_task_name: str, _payload: dict, event_id: str) -> None:
        if event_id == "b":
            raise ConnectionError("broker went away")
        published.append(event_id)

    with pytest.raises(ConnectionError):
        run(sessions, fails_at_b, T0)
    assert published == ["a"]
    assert all(row.published_at is None and row.publish_count == 0 for row in outbox(sessions).values())
    broker = Broker()
    assert run(sessions, broker, T0) == 3
    assert [event_id for *_, event_id in broker.published] == ["a", "b", "c"]
    assert all(row.publish_count == 1 for row in outbox(sessions).values())


def test_events_are_published_oldest_first_in_batches(sessions):
    """Commit order, not the order of the ids (the claim's RETURNING keeps none)."""
    add_events(sessions, "z", "m", "a", "k")
    with unit_of_work(sessions) as session:
        for minutes, event_id in enumerate(["z", "m", "a", "k"]):
            session.get_one(OutboxEvent, event_id).created_at = T0 + dt.timedelta(minutes=minutes)
    broker = Broker()
    assert relay_once(sessions, broker, now=T0, republish_after=60, limit=3) == 3
    assert relay_once(sessions, broker, now=T0, republish_after=60, limit=3) == 1
    assert [event_id for *_, event_id in broker.published] == ["z", "m", "a", "k"]


def test_two_relays_at_once_take_different_rows(sessions):
    """SKIP LOCKED: a relay's batch, locked until its commit, is not another relay's."""
    if sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    add_events(sessions, "a", "b", "c", "d")
    second, first_ids = Broker(), []

    def first(_task_name: str, _payload: dict, event_id: str) -> None:
        first_ids.append(event_id)
        if len(first_ids) == 1:  # the first relay is mid-batch: the second runs now
            assert relay_once(sessions, second, now=T0, republish_after=60, limit=2) == 2

    assert relay_once(sessions, first, now=T0, republish_after=60, limit=2) == 2
    assert first_ids == ["a", "b"] and [event_id for *_, event_id in second.published] == ["c", "d"]
    assert all(row.publish_count == 1 for row in outbox(sessions).values())
