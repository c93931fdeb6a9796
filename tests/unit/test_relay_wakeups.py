"""An idle relay is woken by a new event's notification on PostgreSQL (services/scheduler/relay.py
Wakeups, migration 0019), and polls where it cannot listen."""
from __future__ import annotations

import threading
import time

import pytest

from services.scheduler.relay import Wakeups
from shared.db import unit_of_work
from shared.messages import NotificationRetried, new_event_id, record_event
from shared.runtime import make_celery
from tests.support.processes import wait_until


def event_committed(sessions, *, commit: bool = True) -> None:
    with sessions() as session:
        record_event(session, NotificationRetried(event_id=new_event_id(), notification_id=1))
        session.commit() if commit else session.rollback()


def test_a_committed_event_wakes_the_relay_and_nothing_else_does(sessions, settings):
    if settings.database_url.startswith("sqlite"):
        pytest.skip("notifications are PostgreSQL's")
    stop = threading.Event()
    wakeups = Wakeups(settings.database_url, poll_interval=0.05, idle=0.3)
    try:
        assert wakeups.wait(stop)  # listening begins: the relay looks at once, for what it missed
        assert not wakeups.wait(stop)  # nothing new: the wait runs out
        event_committed(sessions)
        assert wakeups.wait(stop)
        event_committed(sessions, commit=False)  # rolled back: announced to nobody
        assert not wakeups.wait(stop)
        with unit_of_work(sessions) as session:  # two events in one transaction: one wakeup
            record_event(session, NotificationRetried(event_id=new_event_id(), notification_id=2))
            record_event(session, NotificationRetried(event_id=new_event_id(), notification_id=3))
        assert wakeups.wait(stop)
        assert not wakeups.wait(stop)
    finally:
        wakeups.close()


def test_a_relay_that_cannot_listen_polls(sessions, settings, tmp_path, caplog):
    """SQLite has no notifications, and a database that is away takes none: the relay then waits
    the poll interval and looks again (saying so once, not at every poll), and listens once it can."""
    stop = threading.Event()
    assert not Wakeups(f"sqlite:///{tmp_path / 'x.db'}", poll_interval=0.01).wait(stop)
    away = Wakeups("postgresql://postgres@127.0.0.1:1/none", poll_interval=0.01)
    with caplog.at_level("WARNING", logger="samhandling.relay"):
        assert not away.wait(stop) and not away.wait(stop) and not away.wait(stop)
    assert [record.getMessage() for record in caplog.records] == [
        "relay polls: cannot listen for new events (OperationalError)"]
    away.close()


def test_under_load_the_relay_publishes_each_event_once_in_batches(sessions, settings, monkeypatch):
    """Forty events committed one by one, a few milliseconds apart, as complaints arrive: the
    relay publishes each once, and in fewer passes than events (its passes are at least the poll
    interval apart), where a pass per notification would be one per event."""
    from services.scheduler import main as scheduler

    app = make_celery("relay-test", settings.with_overrides(relay_poll_interval=0.1))
    published: list[str] = []
    batches: list[int] = []

    def relay_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        count = real_relay_once(*args, **kwargs)
        if count:
            batches.append(count)
        return count

    real_relay_once = scheduler.relay_once
    monkeypatch.setattr(scheduler, "relay_once", relay_once)
    relay = scheduler.Relay(app)
    monkeypatch.setattr(relay, "publish", lambda _task, _payload, event_id: published.append(event_id))
    relay.start()
    try:
        committed = []
        for number in range(40):
            with unit_of_work(sessions) as session:
                event = NotificationRetried(event_id=new_event_id(), notification_id=number)
                record_event(session, event)
            committed.append(event.event_id)
            time.sleep(0.005)
        wait_until(lambda: len(published) >= 40, 10, "every event published")
    finally:
        relay.stop()
    assert sorted(published) == sorted(committed)
    # A pass per notification would be 40 here; the commits take a few tenths of a second.
    assert len(batches) <= 20 and sum(batches) == 40
