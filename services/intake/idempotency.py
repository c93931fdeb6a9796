"""`Idempotency-Key` on POSTs: a retry with the same key gets the first answer, creates nothing.

The key is reserved before the work and filled in after it. A retry that arrives while the
first request is still running gets 409; a reservation abandoned by a crash expires.

A staff caller (bearer token) owns its keys: the same key with another body is a bug in the
integration and answers 422. An anonymous caller (the public complaint API) has no identity we
can trust: behind a proxy or NAT many people share one address, and keys are chosen by clients.
So an anonymous key is scoped by the key and a hash of the body: the same key with another body
is simply a new key (a new case, nothing said about the first). A retry with the same key and
body gets the first answer in full only from the address that sent it (after ProxyFix, see
TRUSTED_PROXIES); from any other address it gets the reference and status but never the
`tracking_url`, which is a credential (the receipt e-mail carries it too). Either way no
second case is created. An address shared by many (NAT, or a proxy left out of
TRUSTED_PROXIES) is a weak tell on its own, which is why the key and the exact body must match
too: a stranger would have to know both.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, make_response, request
from sqlalchemy import Delete, Update, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.db import dialect_insert, unit_of_work
from shared.models import IdempotencyRecord, utcnow

from .errors import ApiError

ABANDONED_AFTER = dt.timedelta(minutes=2)
HEADER = "Idempotency-Key"


# Fields of a stored answer that only the caller who got it first may see again.
CREDENTIALS = ("tracking_url",)


def _anonymous() -> bool:
    return getattr(g, "principal", None) is None


def _body_hash() -> str:
    return hashlib.sha256(request.get_data()).hexdigest()


def _scope() -> str:
    principal = getattr(g, "principal", None)
    who = f"token:{principal.token_id}" if principal else f"anon:{_body_hash()[:32]}"
    return f"{who}:{request.path}"[:80]


def _request_hash() -> str:
    """The body; for an anonymous caller also the address, so a replay can tell who asks."""
    if not _anonymous():
        return _body_hash()
    return hashlib.sha256(f"{request.remote_addr}\n{_body_hash()}".encode()).hexdigest()


def _replay(earlier: IdempotencyRecord, digest: str) -> Any:
    body = earlier.body
    if earlier.request_hash != digest and isinstance(body, dict):  # anonymous, another address
        body = {name: value for name, value in body.items() if name not in CREDENTIALS}
    response = make_response(body, earlier.status_code)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _reserve(scope: str, key: str, digest: str) -> IdempotencyRecord | None:
    """Reserve the key; return the earlier record instead when there is one.

    One statement when the key is new (an insert that does nothing on a conflict). A
    reservation abandoned by a crash is taken over by a conditional update: of two retries
    racing for it, the second finds it fresh again and answers 409.
    """
    sessions: sessionmaker[Session] = current_app.extensions["sessionmaker"]
    now = utcnow()
    this = (IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
    with unit_of_work(sessions) as session:
        reserved = session.execute(
            dialect_insert(session)(IdempotencyRecord)
            .values(scope=scope, key=key, request_hash=digest, created_at=now)
            .on_conflict_do_nothing(index_elements=["scope", "key"])
            .returning(IdempotencyRecord.key)
        ).first()
        if reserved is not None:
            return None
        taken_over = session.execute(
            update(IdempotencyRecord)
            .where(*this, IdempotencyRecord.status_code.is_(None),
                   IdempotencyRecord.created_at < now - ABANDONED_AFTER)
            .values(request_hash=digest, created_at=now)
            .returning(IdempotencyRecord.key)
            .execution_options(synchronize_session=False)
        ).first()
        if taken_over is not None:
            return None
        return session.execute(select(IdempotencyRecord).where(*this)).scalar_one()


def _store(scope: str, key: str, status: int | None, body: Any) -> None:
    this = (IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
    statement: Delete | Update
    if status is None:  # the request failed before it changed anything: free the key
        statement = delete(IdempotencyRecord).where(*this)
    else:
        statement = update(IdempotencyRecord).where(*this).values(status_code=status, body=body)
    with unit_of_work(current_app.extensions["sessionmaker"]) as session:
        session.execute(statement.execution_options(synchronize_session=False))


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
            if earlier.request_hash != digest and not _anonymous():
                raise ApiError(422, "Idempotency-Key er brukt før med et annet innhold.",
                               code="idempotency_key_reused")
            if earlier.status_code is None:
                raise ApiError(409, "En forespørsel med samme Idempotency-Key behandles nå.",
                               code="idempotency_in_progress")
            return _replay(earlier, digest)
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
