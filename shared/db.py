"""Engine and session factory: one per process, built after fork, never on import."""
from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _normalise(url: str) -> str:
    # postgres:// and postgresql:// both mean psycopg 3 here.
    parsed = make_url(url)
    if parsed.drivername in {"postgres", "postgresql"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout and BEGIN IMMEDIATE, so several processes can write in turn.

    pysqlite's own transaction handling is turned off and we emit BEGIN ourselves, as the
    SQLAlchemy documentation recommends; IMMEDIATE takes the write lock up front, so two
    writers never deadlock on a lock upgrade.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs: object) -> Engine:
    url = _normalise(url)
    # A database error's text would otherwise carry the statement's values (addresses, names)
    # into the logs.
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


# A pooled connection is tested before use only if it has lain idle this long (seconds).
PING_AFTER_IDLE = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """pool_pre_ping, for connections that have been idle: a round trip at every checkout was one
    per request, per notifier task and per relay batch. A connection returned less than a second
    ago has just answered; one that fails anyway (the database restarted in that second) makes
    SQLAlchemy invalidate the whole pool, and the work is retried as after any database error.
    A failed ping is a DisconnectionError, on which the pool connects afresh (the recipe of the
    SQLAlchemy documentation for pessimistic disconnect handling)."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        idle_since = record.info.get("idle_since")  # none yet: connected just now
        if idle_since is not None and time.monotonic() - idle_since > PING_AFTER_IDLE:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except engine.dialect.loaded_dbapi.Error as error:
                raise DisconnectionError(str(error)) from error


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def one_statement_sessionmaker(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for a use case whose writes are one statement on PostgreSQL (a complaint:
    services/intake/cases.open_case_at_once): each statement commits itself, so no BEGIN and no
    COMMIT round trip, and the locks the statement takes end with it. On SQLite, where the same use
    case takes several statements, the factory itself (one transaction per unit of work).

    Only for use cases that write in one statement: two writes here would commit apart.
    """
    bind = factory.kw["bind"]
    if not isinstance(bind, Engine) or bind.dialect.name != "postgresql":
        return factory
    return sessionmaker(**{**factory.kw, "bind": bind.execution_options(isolation_level="AUTOCOMMIT")})


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction per use case: commit on success, roll back on error, always close."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def one_connection(factory: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """Sessions that share one pooled connection: a run of short transactions, one checkout.

    Each session still commits or rolls back its own transaction; between them the connection
    is idle, not inside a transaction, so holding it across an SMTP conversation locks nothing.
    """
    with factory.kw["bind"].connect() as connection:
        yield _OnConnection(factory, connection)


class _OnConnection(sessionmaker[Session]):
    """sessionmaker(bind=connection) with the factory's own Session class. A new sessionmaker
    makes a Session subclass of its own, and SQLAlchemy then sets up its event dispatch for that
    class: once per notifier task (0.15-0.25 ms), for a class nobody sets an event on."""

    def __init__(self, factory: sessionmaker[Session], connection: Connection) -> None:
        self.kw = {**factory.kw, "bind": connection}
        self.class_ = factory.class_


@contextmanager
def autocommit(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """The factory's connection (one_connection's, or one of its own), each statement committed as
    it runs: a run of one-statement writes without a BEGIN and a COMMIT round trip for each.

    Wrap each statement in `with connection.begin():` all the same: on PostgreSQL that sends
    nothing more; SQLite keeps its BEGIN IMMEDIATE, which its locking needs. After a lost
    connection the replacement runs transactions as usual, which is only slower.
    """
    bind = factory.kw["bind"]
    with nullcontext(bind) if isinstance(bind, Connection) else bind.connect() as connection:
        if connection.dialect.name != "postgresql":
            yield connection
            return
        connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            yield connection
        finally:
            if not connection.invalidated and not connection.in_transaction():
                connection.execution_options(isolation_level=connection.default_isolation_level)


# Statements built from a condition, by (purpose, the condition's identity); the condition is kept
# with its statement, so its id cannot be reused by another while the entry stands.
_BUILT: dict[tuple[Hashable, int], tuple[ColumnElement[bool], Any]] = {}
_BUILT_LIMIT = 64
Built = TypeVar("Built")


def built_for(purpose: Hashable, condition: ColumnElement[bool],
              build: Callable[[ColumnElement[bool]], Built]) -> Built:
    """`build(condition)` the first time a purpose asks for this condition, the same object after.

    For statements run by every task around a condition with bound parameters (the notifier's
    letters of an event): building and keying a statement costs more than running it, and
    SQLAlchemy's compiled cache only saves the compiling.
    """
    key = (purpose, id(condition))
    found = _BUILT.get(key)
    if found is None or found[0] is not condition:
        if len(_BUILT) >= _BUILT_LIMIT:
            _BUILT.clear()
        found = _BUILT[key] = (condition, build(condition))
    result: Built = found[1]
    return result


def dialect_insert(session: Session):  # type: ignore[no-untyped-def]
    """The dialect's INSERT, which has ON CONFLICT on both PostgreSQL and SQLite."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
