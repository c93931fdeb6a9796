"""What every workspace form shares: the form's fields read as a schema's input, field messages in
the form's order, and one case per filled-in form however often it is posted.

A form carries a random id (FORM_ID) from the page that showed it. The use case and a row for
(user, form id) commit in one transaction; the row's primary key makes a second POST of the same
form (a double click, a resend after a timeout) wait for the first and then find its result,
instead of creating a second case. Post/Redirect/Get keeps a reload of the receipt a GET.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from flask import abort, current_app, request
from flask_babel import gettext
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.datastructures import MultiDict

from shared.db import unit_of_work
from shared.models import IdempotencyRecord, utcnow

from ..errors import flatten_messages
from ..schemas import REQUIRED
from .sessions import current_user

FORM_ID = "skjema"
_FORM_ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def new_form_id() -> str:
    return secrets.token_urlsafe(24)


def form_id(form: Mapping[str, str]) -> str:
    """The posted form's id, or a fresh one when the form is shown again before it is sent."""
    value = form.get(FORM_ID, "")
    return value if _FORM_ID_SHAPE.fullmatch(value) else new_form_id()


def schema_input(form: Mapping[str, str], names: Mapping[str, str]) -> dict[str, str]:
    """The named fields, trimmed; a blank one is left out, as if not sent (the schema's default)."""
    values = {name: form.get(name, "").strip() for name in names}
    return {name: value for name, value in values.items() if value}


def kept(form: MultiDict[str, str], names: Mapping[str, str]) -> dict[str, str]:
    """What the user typed, to show again (at most a little over the longest field allows)."""
    return {name: form.get(name, "")[:6000] for name in names}


def field_errors(error: ValidationError, labels: Mapping[str, str],
                 missing: Mapping[str, str]) -> dict[str, list[str]]:
    """marshmallow's messages per form field, in the form's order; "line 2" for a list's items."""
    errors: dict[str, list[str]] = {}
    for name, texts in flatten_messages(error.normalized_messages()).items():
        field, _, item = name.partition(".")
        if field not in labels:
            field = next(iter(labels))
        if field in missing and REQUIRED["required"] in texts:
            texts = [missing[field]]
        texts = [gettext(text) for text in texts]  # the page's language; an unknown text stays as it is
        if item.isdigit():
            texts = [gettext("Linje %(line)s: %(text)s", line=int(item) + 1, text=text) for text in texts]
        errors.setdefault(field, []).extend(texts)
    order = list(labels)
    return dict(sorted(errors.items(), key=lambda entry: order.index(entry[0])))


def _scope(kind: str) -> str:
    user = current_user()
    assert user is not None
    return f"arbeid:{kind}:{hashlib.sha256(user.email.encode()).hexdigest()[:40]}"


def _earlier(maker: sessionmaker[Session], scope: str, key: str) -> str | None:
    with maker() as db:
        row = db.get(IdempotencyRecord, (scope, key))
        return str(row.body["result"]) if row is not None and row.body else None


def once(kind: str, create: Callable[[Session], Any]) -> str:
    """Run `create` once for the posted form: the result (a reference, an id) as text, the first
    time and every time after. A form without an id is refused: every page that posts has one."""
    key = request.form.get(FORM_ID, "")
    if not _FORM_ID_SHAPE.fullmatch(key):
        abort(400)
    maker: sessionmaker[Session] = current_app.extensions["sessionmaker"]
    scope = _scope(kind)
    earlier = _earlier(maker, scope, key)
    if earlier is not None:
        return earlier
    try:
        with unit_of_work(maker) as db:
            row = IdempotencyRecord(scope=scope, key=key, request_hash="", status_code=303, created_at=utcnow())
            db.add(row)
            db.flush()  # a second POST of the form waits here until the first commits, then fails
            result = str(create(db))
            row.body = {"result": result}
    except IntegrityError:
        earlier = _earlier(maker, scope, key)
        if earlier is None:
            raise
        return earlier
    return result
