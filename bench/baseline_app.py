"""The intake benchmark's baseline: the least a Flask + SQLAlchemy endpoint can do per POST.

`gunicorn 'bench.baseline_app:create_app()'`: parse the JSON body, insert one row, commit,
answer 201 — no validation, routing, outbox or rate limit. Built in a factory, like the product.
"""
from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import JSON, Integer, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class BenchRow(Base):
    __tablename__ = "bench_baseline_row"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[dict] = mapped_column(JSON)


def _url(url: str | None = None) -> str:
    return (url or os.environ["DATABASE_URL"]).replace("postgresql://", "postgresql+psycopg://", 1)


def create_schema(url: str) -> None:
    """Once, before gunicorn forks: two workers creating the table at once would collide."""
    engine = create_engine(_url(url))
    Base.metadata.create_all(engine)
    engine.dispose()


def create_app() -> Flask:
    # No ping at checkout: the intake pings a pooled connection only after it has lain idle
    # (shared.db), which under load is never, so neither side pays a round trip per request.
    engine = create_engine(_url())
    sessions: sessionmaker[Session] = sessionmaker(engine)
    app = Flask(__name__)

    @app.post("/api/v1/complaints")
    def insert():  # type: ignore[no-untyped-def]
        with sessions.begin() as session:
            row = BenchRow(body=request.get_json())
            session.add(row)
            session.flush()
            row_id = row.id
        return jsonify(id=row_id), 201

    @app.get("/readyz")
    def ready():  # type: ignore[no-untyped-def]
        return "ok"

    return app
