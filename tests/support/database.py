"""Test database: DATABASE_URL (PostgreSQL in CI) when set, else a SQLite file."""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from shared.cli import migrate
from shared.db import make_engine, make_sessionmaker, unit_of_work
from shared.demo import SHIPPED, load_demo
from shared.handbook_versions import forget_parsed
from shared.models import Base
from shared.settings import Settings

T = TypeVar("T")


def fresh_schema(settings: Settings) -> None:
    """Drop what an earlier run left and build the schema through the migrations themselves."""
    engine = make_engine(settings.database_url)
    try:
        Base.metadata.drop_all(engine)
        with engine.begin() as connection:
            if inspect(connection).has_table("alembic_version"):
                connection.execute(text("DROP TABLE alembic_version"))
    finally:
        engine.dispose()
    migrate(settings)


def reset(engine: Engine) -> None:
    """Empty every table and load the demo directory again (handbook versions start over at 1)."""
    forget_parsed()
    tables = [table.name for table in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            quoted = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f'DELETE FROM "{name}"'))
    with unit_of_work(make_sessionmaker(engine)) as session:
        load_demo(session, SHIPPED)


def count(sessions: sessionmaker[Session], model: type, *criteria: object) -> int:
    from sqlalchemy import func, select

    with sessions() as session:
        return session.execute(select(func.count()).select_from(model).where(*criteria)).scalar_one()


def at_once(database_url: str, jobs: Sequence[Callable[[sessionmaker[Session]], T]]) -> list[T]:
    """Run the jobs at the same time, each in a thread with its own engine, as separate scheduler
    processes would; their results in order. A job's exception is raised here, not swallowed."""
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[sessionmaker[Session]], T]) -> None:
        engine = make_engine(database_url)
        try:
            results[index] = job(make_sessionmaker(engine))
        except BaseException as error:  # handed to the test's thread below
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
