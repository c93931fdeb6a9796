"""Who is signed in to the staff workspace: server-side sessions behind a random cookie.

The cookie holds 256 random bits; the database keeps their SHA-256 (StaffSession), so a copy of
the database signs nobody in. A session ends after IDLE without a request, ABSOLUTE after sign-in,
at sign-out, or as soon as its contact may no longer sign in (deactivated, gone from the directory).
Signing in always starts a new session id (no fixation) and ends the one the browser had.
What a signed-in user may do is shared.access.PERMISSIONS, as for the API.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import update
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from shared.access import PERMISSIONS, Principal, may, may_sign_in, principal_of, visible_agreements
from shared.directory import contact_by_email
from shared.i18n import staff_language
from shared.models import StaffSession, utcnow

COOKIE = "samhandling_arbeid"
IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=8)
# last_seen_at is written at most this often, so a page view is not always a write.
TOUCH_AFTER = dt.timedelta(minutes=1)
HOME = "/arbeid"

# Why a browser that had a session was sent to sign in again; the sign-in page says it in words.
EXPIRED_IDLE, EXPIRED_ABSOLUTE, EXPIRED_REVOKED = "inaktiv", "tidsgrense", "tilgang"


def now() -> dt.datetime:
    """The clock of sign-in and sessions (tests move it)."""
    return utcnow()


@dataclass(frozen=True)
class SignedIn:
    """The signed-in user of this request."""

    principal: Principal
    role: str
    party: str  # the contact's own party (municipality, association, cooperative)
    language: str = "nb"  # the contact's own (shared.i18n.STAFF_LANGUAGES): the workspace's pages are in it

    @property
    def email(self) -> str:
        assert self.principal.contact_email is not None
        return self.principal.contact_email

    @property
    def name(self) -> str:
        return self.principal.name

    def agreements(self, session: Session) -> frozenset[int] | None:
        """The agreements the user may see (shared.access.visible_agreements): others' things answer 404."""
        return visible_agreements(session, self.principal)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def safe_next(path: str | None) -> str:
    """Where to go after sign-in: a path of the workspace on this site, else the inbox.

    Only "/arbeid" and paths below it, with no scheme, host, backslash or control character, so
    neither "//evil.example" nor "/\\evil.example" nor "https://…" leads anywhere else.
    """
    if not path or len(path) > 500 or "\\" in path or any(ord(c) < 32 for c in path):
        return HOME
    parts = urlsplit(path)
    if parts.scheme or parts.netloc or not path.startswith("/"):
        return HOME
    if parts.path != HOME and not parts.path.startswith(HOME + "/"):
        return HOME
    return path


def _sessions() -> Callable[[], Session]:
    maker: Callable[[], Session] = current_app.extensions["sessionmaker"]
    return maker


def _secure() -> bool:
    settings = current_app.config["SETTINGS"]
    return bool(settings.public_base_url.startswith("https://"))


def start(response: Response, db: Session, contact_email: str) -> None:
    """Sign the browser in as this contact, in `db`'s transaction: a new id, the old one ended."""
    old = request.cookies.get(COOKIE)
    at = now()
    if old:
        db.execute(update(StaffSession).where(StaffSession.id_digest == digest(old),
                                              StaffSession.ended_at.is_(None)).values(ended_at=at))
    secret = secrets.token_urlsafe(32)
    db.add(StaffSession(id_digest=digest(secret), contact_email=contact_email, created_at=at, last_seen_at=at))
    # A new CSRF token too: nothing from before sign-in carries over into the session.
    session.clear()
    response.set_cookie(COOKIE, secret, max_age=int(ABSOLUTE.total_seconds()), path="/",
                        secure=_secure(), httponly=True, samesite="Lax")


def end(response: Response) -> None:
    """Sign out: the session ends in the database and the cookie is removed."""
    secret = request.cookies.get(COOKIE)
    if secret:
        with _sessions()() as db, db.begin():
            db.execute(update(StaffSession).where(StaffSession.id_digest == digest(secret),
                                                  StaffSession.ended_at.is_(None)).values(ended_at=now()))
    session.clear()
    forget(response)


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", secure=_secure(), httponly=True, samesite="Lax")


def _load() -> tuple[SignedIn | None, str]:
    """The user of this request's cookie, or None and why a session that was there ended."""
    secret = request.cookies.get(COOKIE)
    if not secret or len(secret) > 100:
        return None, ""
    at = now()
    with _sessions()() as db, db.begin():
        row = db.get(StaffSession, digest(secret))
        if row is None or row.ended_at is not None:
            return None, ""
        contact = contact_by_email(db, row.contact_email)
        reason = (EXPIRED_REVOKED if not may_sign_in(contact)
                  else EXPIRED_ABSOLUTE if at - row.created_at >= ABSOLUTE
                  else EXPIRED_IDLE if at - row.last_seen_at >= IDLE else "")
        if reason:
            row.ended_at = at
            return None, reason
        if at - row.last_seen_at >= TOUCH_AFTER:
            row.last_seen_at = at
        assert contact is not None
        return SignedIn(principal_of(contact), contact.role, contact.party, staff_language(contact.language)), ""


def current_user() -> SignedIn | None:
    """The signed-in user, read once per request."""
    if "workspace_user" not in g:
        g.workspace_user, g.workspace_expired = _load()
    user: SignedIn | None = g.workspace_user
    return user


def sign_in_redirect() -> Response:
    """To the sign-in page, coming back here afterwards (a GET; a form posted is not replayed)."""
    current_user()
    back = request.full_path if request.method == "GET" else request.path
    params: dict[str, Any] = {"neste": safe_next(back.rstrip("?"))}
    if g.get("workspace_expired"):
        params["utlopt"] = g.workspace_expired
    response = redirect(url_for("sign_in.form", **params), code=303)
    forget(response)
    return response


def signed_in(permission: str | None = None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A workspace view: signed out → to sign-in and back; without `permission` → 403."""
    if permission is not None and permission not in PERMISSIONS:
        raise KeyError(f"no permission {permission!r} in shared.access.PERMISSIONS")

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = current_user()
            if user is None:
                return sign_in_redirect()
            if permission is not None and not may(user.principal, permission):
                abort(403)
            return view(*args, **kwargs)

        wrapper.permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator
