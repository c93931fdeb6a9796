"""E-mail action links: signed, expiring, single-purpose (SPEC §4).

A link carries one case, one action, the contact it was sent to and the case's version when it
was issued, signed with the secret key. The intake honours it only while that contact may act on
the case (shared/access.py) and the case is still at that version (shared/lifecycle.py raises it
on every change), so a link outlives neither the holder's rights nor the case state it was for.
Its link id is derived from what the link was sent in (a notification's Message-ID, or the link
it follows from), so an e-mail sent again carries links with the same id, and the intake's
ActionLinkUse row (keyed by that id) lets each link change a case at most once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .i18n import N_
from .settings import Settings

SALT = "samhandling-case-action"
VALIDITY = dt.timedelta(days=14)
MAX_AGE = int(VALIDITY.total_seconds())
LINK_ACTIONS = ("acknowledge", "resolve", "reject")
# What the link says in an e-mail or on a page.
LABELS = {
    "acknowledge": N_("Ta saken (kvitter ut)"),
    "resolve": N_("Merk saken som løst"),
    "reject": N_("Avvis saken"),
}
# Far above any token we sign; anything longer is not ours and is refused unread.
MAX_TOKEN_LENGTH = 600


class ActionLinkError(Exception):
    """The link cannot be used."""


class InvalidLink(ActionLinkError):
    """Not a link we signed: tampered, truncated or made up."""


class ExpiredLink(ActionLinkError):
    """A link we signed, but older than its validity; `link` says which, for a helpful page."""

    def __init__(self, link: ActionLink | None) -> None:
        super().__init__("expired")
        self.link = link


@dataclass(frozen=True)
class ActionLink:
    case_id: int
    action: str
    recipient: str
    link_id: str
    # The case's version the link was issued for; None in links signed before versions existed.
    version: int | None = None


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def link_id_for(source: str, action: str) -> str:
    """Deterministic per (what the link was sent in, action): a resent e-mail reuses the id."""
    return hashlib.sha256(f"{source}|{action}".encode()).hexdigest()[:32]


def sign(
    settings: Settings, *, case_id: int, action: str, recipient: str, source: str, version: int
) -> str:
    """Deterministic payload: the same (source, case version) gives the same link."""
    if action not in LINK_ACTIONS:
        raise ValueError(f"no action link for {action!r}")
    # Short keys keep the URL short enough not to be wrapped by mail clients.
    payload = {"c": case_id, "a": action, "r": recipient, "l": link_id_for(source, action),
               "v": version}
    return _serializer(settings).dumps(payload)


def url(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}/handling/{token}"


def _link(payload: Any) -> ActionLink:
    try:
        link = ActionLink(payload["c"], payload["a"], payload["r"], payload["l"], payload.get("v"))
    except (TypeError, KeyError, AttributeError):
        raise InvalidLink("malformed payload") from None
    valid = (
        isinstance(link.case_id, int) and link.action in LINK_ACTIONS
        and isinstance(link.recipient, str) and "@" in link.recipient
        and isinstance(link.link_id, str) and len(link.link_id) == 32
        and (link.version is None or type(link.version) is int)
    )
    if not valid:
        raise InvalidLink("malformed payload")
    return link


def verify(settings: Settings, token: str, max_age: int = MAX_AGE) -> ActionLink:
    """The link the token stands for; ExpiredLink or InvalidLink when it cannot be used."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink("too long")
    serializer = _serializer(settings)
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired as expired:
        raise ExpiredLink(_expired_link(serializer, expired)) from None
    except (BadSignature, UnicodeError, ValueError):
        raise InvalidLink("bad signature") from None
    return _link(payload)


def _expired_link(
    serializer: URLSafeTimedSerializer, expired: SignatureExpired
) -> ActionLink | None:
    # The signature was checked before the age, so the payload is ours to read.
    if expired.payload is None:
        return None
    try:
        return _link(serializer.load_payload(expired.payload))
    except (BadSignature, InvalidLink, UnicodeError, ValueError):
        return None
