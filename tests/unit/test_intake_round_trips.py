"""What one complaint costs in round trips: SQL statements and Redis commands per POST.

Counted, never timed (speed belongs in bench/): a statement or a round trip saved here is
saved on every complaint, and each of these tests also checks that the answer is unchanged.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from dev.redis_server import EmbeddedRedis
from services.intake import create_app
from shared.db import unit_of_work
from shared.models import Case, Cooperative, IdempotencyRecord, utcnow
from tests.support.database import count

COMPLAINTS = "/api/v1/complaints"


@contextmanager
def statements(engine) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The data statements sent while inside, as 'INSERT case', 'SELECT cooperative', ..."""
    sent: list[str] = []

    def on_execute(_conn, _cursor, statement, _params, _context, _many):  # type: ignore[no-untyped-def]
        words = statement.replace('"', "").split()
        if words[0] == "WITH":  # one statement that writes several tables: 'INSERT a + INSERT b'
            sent.append(" + ".join(f"INSERT {table}" for table in re.findall(r"INSERT INTO (\w+)", " ".join(words))))
        elif words[0] in {"INSERT", "SELECT", "UPDATE", "DELETE"}:
            at = {"INSERT": 2, "UPDATE": 1}.get(words[0])  # INSERT INTO t, UPDATE t, ... FROM t
            table = words[at] if at else words[words.index("FROM") + 1]
            sent.append(f"{words[0]} {table}")

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


@pytest.fixture
def redis_url() -> Iterator[str]:
    server = EmbeddedRedis("127.0.0.1", 0)
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def redis_round_trips(monkeypatch) -> list[str]:  # type: ignore[no-untyped-def]
    """Every packet of commands redis-py sends (a pipeline is one), by its first command."""
    from redis.connection import AbstractConnection

    sent: list[str] = []
    original = AbstractConnection.send_packed_command

    def send(self, command, check_health=True):  # type: ignore[no-untyped-def]
        first = command[0] if isinstance(command, list) else command
        sent.append(bytes(first).split(b"\r\n")[2].decode().upper())
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send)
    return sent


# -- SQL ---------------------------------------------------------------------------------------

# On PostgreSQL the four writes are one statement (services/intake/cases.open_case_at_once), which
# holds the reference counter's lock for one round trip; SQLite has no INSERT inside WITH.
WRITES = ["INSERT reference_counter", "INSERT case", "INSERT case_history", "INSERT outbox"]


def the_writes(engine) -> list[str]:  # type: ignore[no-untyped-def]
    return [" + ".join(WRITES)] if engine.dialect.name == "postgresql" else WRITES


def test_a_complaint_for_a_known_borettslag_is_written_in_one_statement_or_four(app, client, complaint):
    assert client.post(COMPLAINTS, json=complaint).status_code == 201  # reads the directory
    with statements(app.extensions["engine"]) as sent:
        response = client.post(COMPLAINTS, json=complaint)

    assert response.status_code == 201
    assert response.get_json()["reference"].startswith("KL-")
    assert sent == the_writes(app.extensions["engine"])


def test_a_borettslag_added_to_the_directory_is_found_at_once(app, client, complaint, sessions):
    complaint["cooperative_orgnr"] = "914778271"
    assert client.post(COMPLAINTS, json=complaint).status_code == 422
    with unit_of_work(sessions) as session:
        session.add(Cooperative(orgnr="914778271", name="Nytt borettslag", homes=12))

    response = client.post(COMPLAINTS, json=complaint)

    assert response.status_code == 201
    with sessions() as session:
        case = session.execute(select(Case).where(Case.reference == response.get_json()["reference"])).scalar_one()
        assert case.cooperative.orgnr == "914778271"


def test_a_remembered_borettslag_is_looked_up_again_after_a_while(sessions, engine):
    from services.intake.cases import CooperativeIds, UnknownCooperative

    now = [0.0]
    known = CooperativeIds(ttl=60, clock=lambda: now[0])
    with sessions() as session, statements(engine) as sent:
        first = known.id_of(session, "997273354")
        assert known.id_of(session, "997273354") == first
        assert sent == ["SELECT cooperative"]
        now[0] = 61
        assert known.id_of(session, "997273354") == first
        assert sent == ["SELECT cooperative", "SELECT cooperative"]
        with pytest.raises(UnknownCooperative):
            known.id_of(session, "914778271")


# -- Idempotency-Key ---------------------------------------------------------------------------

def test_a_keyed_complaint_adds_one_statement_before_the_work_and_one_after(app, client, complaint):
    assert client.post(COMPLAINTS, json=complaint).status_code == 201  # reads the directory
    with statements(app.extensions["engine"]) as sent:
        response = client.post(COMPLAINTS, json=complaint, headers={"Idempotency-Key": "k-1"})

    assert response.status_code == 201
    assert sent == ["INSERT idempotency_record", *the_writes(app.extensions["engine"]), "UPDATE idempotency_record"]
    again = client.post(COMPLAINTS, json=complaint, headers={"Idempotency-Key": "k-1"})
    assert again.get_json() == response.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_a_key_still_being_worked_on_answers_409(client, complaint, sessions):
    from services.intake.idempotency import ABANDONED_AFTER  # noqa: F401 (the window under test)

    first = client.post(COMPLAINTS, json=complaint, headers={"Idempotency-Key": "k-2"})
    with unit_of_work(sessions) as session:  # as if the first request were still running
        record = session.execute(select(IdempotencyRecord)).scalar_one()
        record.status_code, record.body, record.created_at = None, None, utcnow()

    again = client.post(COMPLAINTS, json=complaint, headers={"Idempotency-Key": "k-2"})

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "idempotency_in_progress"
    assert count(sessions, Case) == 1


def test_a_reservation_abandoned_by_a_crash_is_taken_over(client, complaint, sessions):
    from services.intake.idempotency import ABANDONED_AFTER

    client.post(COMPLAINTS, json=complaint, headers={"Idempotency-Key": "k-3"})
    with unit_of_work(sessions) as session:  # the first request died before it answered
        record = session.execute(select(IdempotencyRecord)).scalar_one()
        record.status_code, record.body = None, None
        record.created_at = utcnow() - ABANDONED_AFTER - dt.timedelta(seconds=1)

    retry = client.post(COMPLAINTS, json=complaint, headers={"Idempotency-Key": "k-3"})
    replay = client.post(COMPLAINTS, json=complaint, headers={"Idempotency-Key": "k-3"})

    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry.headers
    assert replay.get_json() == retry.get_json() and replay.headers["Idempotent-Replayed"] == "true"
    assert count(sessions, Case) == 2


# -- the rate limit ----------------------------------------------------------------------------

def test_the_submission_limit_costs_one_redis_round_trip_per_limit(settings, redis_url, complaint,
                                                                   redis_round_trips):
    app = create_app(settings.with_overrides(rate_limit_storage=redis_url,
                                             rate_limit_submissions="3 per minute"))
    client = app.test_client()
    try:
        client.post(COMPLAINTS, json=complaint)  # loads the limiter's script into Redis
        redis_round_trips.clear()
        answers = [client.post(COMPLAINTS, json=complaint) for _ in range(3)]
    finally:
        app.extensions["engine"].dispose()

    assert [a.status_code for a in answers] == [201, 201, 429]
    assert len(redis_round_trips) == 3
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {"3"}
    assert 0 < int(answers[2].headers["Retry-After"]) <= 60
    assert all(int(a.headers["X-RateLimit-Reset"]) > utcnow().timestamp() for a in answers)


def test_two_limits_count_every_submission_and_say_the_tighter_one(settings, redis_url, complaint,
                                                                   redis_round_trips):
    app = create_app(settings.with_overrides(rate_limit_storage=redis_url,
                                             rate_limit_submissions="2 per minute;50 per day"))
    client = app.test_client()
    try:
        client.post(COMPLAINTS, json=complaint)
        redis_round_trips.clear()
        answers = [client.post(COMPLAINTS, json=complaint) for _ in range(2)]
    finally:
        app.extensions["engine"].dispose()

    assert [a.status_code for a in answers] == [201, 429]
    assert len(redis_round_trips) <= 4  # one per limit and submission, no reads for the headers
    assert answers[0].headers["X-RateLimit-Limit"] == "2"
    assert answers[0].headers["X-RateLimit-Remaining"] == "0"
