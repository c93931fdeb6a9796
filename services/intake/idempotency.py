"""`Idempotency-Key` on POSTs: a retry with the same key gets the first answer, creates nothing.

The key is reserved before the work and filled in after it. A retry that arrives while the
first request is still running gets 409; a reservation abandoned by a crash expires.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, make_response, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from shared.db import unit_of_work
from shared.models import IdempotencyRecord, utcnow

from .errors import ApiError

ABANDONED_AFTER = dt.timedelta(minutes=2)
HEADER = "Idempotency-Key"


def _scope() -> str:
    principal = getattr(g, "principal", None)
    who = f"token:{principal.token_id}" if principal else f"addr:{request.remote_addr}"
    return f"{who}:{request.path}"[:80]


def _request_hash() -> str:
    return hashlib.sha256(request.get_data()).hexdigest()


def _reserve(scope: str, key: str, digest: str) -> IdempotencyRecord | None:
    """Reserve the key; return the earlier record instead when there is one."""
    sessions = current_app.extensions["sessionmaker"]
    now = utcnow()
    try:
        with unit_of_work(sessions) as session:
            session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.scope == scope, IdempotencyRecord.key == key,
                    IdempotencyRecord.status_code.is_(None),
                    IdempotencyRecord.created_at < now - ABANDONED_AFTER,
                )
            )
            session.add(IdempotencyRecord(scope=scope, key=key, request_hash=digest, created_at=now))
        return None
    except IntegrityError:
        with sessions() as session:
            return session.execute(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
            ).scalar_one()


def _store(scope: str, key: str, status: int | None, body: Any) -> None:
    with unit_of_work(current_app.extensions["sessionmaker"]) as session:
        record = session.get(IdempotencyRecord, (scope, key))
        if record is None:
            return
        if status is None:
            session.delete(record)  # the request failed before it changed anything: free the key
        else:
            record.status_code, record.body = status, body


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return view(*args, **kwargs)
        if len(key) > 200:
            raise ApiError(400, "Idempotency-Key kan ikke være lengre enn 200 tegn.", code="bad_idempotency_key")
        scope, digest = _scope(), _request_hash()
        earlier = _reserve(scope, key, digest)
        if earlier is not None:
            if earlier.request_hash != digest:
                raise ApiError(422, "Idempotency-Key er brukt før med et annet innhold.",
                               code="idempotency_key_reused")
            if earlier.status_code is None:
                raise ApiError(409, "En forespørsel med samme Idempotency-Key behandles nå.",
                               code="idempotency_in_progress")
            response = make_response(earlier.body, earlier.status_code)
            response.headers["Idempotent-Replayed"] = "true"
            return response
        try:
            response = make_response(view(*args, **kwargs))
        except Exception:
            _store(scope, key, None, None)
            raise
        if response.status_code < 300:
            _store(scope, key, response.status_code, json.loads(response.get_data()))
        else:
            _store(scope, key, None, None)
        return response

    return wrapper
