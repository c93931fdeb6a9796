"""Sign-in links for the staff workspace (SPEC §7): what the e-mail carries and how long it lives.

The intake records a SignInLink row and a SignInRequested event; the notifier mails the link
`/logg-inn/<token>`, where the token is the row's id signed with the secret key. Nothing secret
is stored or queued: the row holds the id, and only the key turns it into a working link.
The intake honours a token once, within VALIDITY, in the browser that asked for it.
"""
from __future__ import annotations

import datetime as dt

from itsdangerous import BadSignature, URLSafeTimedSerializer

from .settings import Settings

SALT = "samhandling-sign-in"
VALIDITY = dt.timedelta(minutes=15)
MAX_TOKEN_LENGTH = 200  # far above what sign() makes; longer is not ours and is refused unread


class InvalidSignInToken(Exception):
    """Not a token we signed, or older than VALIDITY."""


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt=SALT)


def sign(settings: Settings, link_id: str) -> str:
    return _serializer(settings).dumps(link_id)


def link_url(settings: Settings, link_id: str) -> str:
    return f"{settings.public_base_url}/logg-inn/{sign(settings, link_id)}"


def verify(settings: Settings, token: str) -> str:
    """The link id inside a token we signed within VALIDITY."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidSignInToken("too long")
    try:
        link_id = _serializer(settings).loads(token, max_age=int(VALIDITY.total_seconds()))
    except BadSignature as error:  # SignatureExpired is a BadSignature
        raise InvalidSignInToken(str(error)) from None
    if not isinstance(link_id, str):
        raise InvalidSignInToken("not a link id")
    return link_id
