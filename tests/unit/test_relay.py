"""The outbox relay: publishes each committed event, and again when nobody processed it."""
from __future__ import annotations

import datetime as dt

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
