"""A pooled PostgreSQL connection is tested before use only after lying idle (shared.db): one that
the server closed meanwhile is replaced without the caller seeing an error, and one returned a
moment ago is used without the extra round trip."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from shared import db


@pytest.fixture
def pings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    if engine.dialect.name != "postgresql":
        pytest.skip("the pool is pinged on PostgreSQL only (SQLite has no server to lose)")
    seen: list[object] = []
    ping = engine.dialect.do_ping

    def counted(dbapi_connection):  # type: ignore[no-untyped-def]
        seen.append(dbapi_connection)
        return ping(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    # One pooled connection, whatever earlier tests left in the pool (two idle ones come out in turn),
    # and none left behind that a test here had the server end.
    engine.dispose()
    yield seen
    engine.dispose()


def backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_just_returned_is_not_pinged(engine: Engine, pings: list[object]) -> None:
    first = backend(engine)
    assert backend(engine) == first  # the same pooled connection, used again at once
    assert pings == []


def test_an_idle_connection_the_server_closed_is_replaced(engine: Engine, pings: list[object],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first = backend(engine)
    other = db.make_engine(engine.url.render_as_string(hide_password=False))
    with other.connect() as connection:  # the server ends the pooled connection while it lies idle
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    other.dispose()
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)  # as if it had lain idle long enough
    replaced = backend(engine)  # no error: the ping failed and the pool connected afresh
    assert replaced != first
    assert pings
