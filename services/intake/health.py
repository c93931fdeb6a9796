"""Liveness and readiness: /readyz checks the database and the broker."""
from __future__ import annotations

from flask import Blueprint, current_app
from flask.typing import ResponseReturnValue
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    return {"status": "ok"}


def _database_ok() -> bool:
    try:
        with current_app.extensions["sessionmaker"]() as session:
            session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


def _broker_ok() -> bool:
    settings = current_app.config["SETTINGS"]
    client = Redis.from_url(settings.redis_url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except RedisError:
        return False
    finally:
        client.close()


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    body = {
        "status": "ready" if all(checks.values()) else "unavailable",
        "checks": {name: "ok" if ok else "unavailable" for name, ok in checks.items()},
    }
    return body, 200 if all(checks.values()) else 503
