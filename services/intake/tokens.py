"""Staff bearer tokens: created for a contact or a system, stored hashed, revocable.

Deactivating a contact withdraws all their access at once: their tokens are revoked here, and
their e-mail action links stop working because shared/access.py refuses an inactive contact.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from shared.access import Principal
from shared.directory import contact_by_email
from shared.models import ApiToken, Contact

PARTIES = ("municipality", "association", "cooperative", "system")
PREFIX = "shd_"


class UnknownContact(LookupError):
    pass


class InactiveContact(ValueError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, *, now: dt.datetime, contact_email: str | None = None,
    system: str | None = None, party: str = "system", created_by: str | None = None,
) -> tuple[str, ApiToken]:
    """Return the secret (shown once) and its row; only the hash is stored."""
    if contact_email:
        contact = contact_by_email(session, contact_email)
        if contact is None:
            raise UnknownContact(contact_email)
        if not contact.active:
            raise InactiveContact(contact_email)
        name, party, email = contact.name, contact.party, contact.email
    else:
        name, email = system or "system", None
    if party not in PARTIES:
        raise ValueError(f"party must be one of {', '.join(PARTIES)}")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(token_hash=hash_token(secret), name=name, party=party, contact_email=email, created_at=now,
                   created_by=created_by)
    session.add(row)
    return secret, row


def authenticate(session: Session, secret: str) -> Principal | None:
    """The token's principal, in one statement: a system token has no contact; a contact's token
    works only while the contact is in the directory and active."""
    row = session.execute(
        select(ApiToken)
        .outerjoin(Contact, Contact.email == ApiToken.contact_email)
        .where(ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None),
               or_(ApiToken.contact_email.is_(None),
                   and_(Contact.id.is_not(None), Contact.deactivated_at.is_(None))))
    ).scalar_one_or_none()
    if row is None:
        return None
    return Principal(row.name, row.party, row.contact_email, token_id=row.id, agreement_id=row.agreement_id)


def deactivate_contact(session: Session, email: str, now: dt.datetime) -> int:
    """Withdraw a contact's access: mark them inactive and revoke their tokens; how many were
    revoked. A second call keeps the first deactivation time."""
    contact = contact_by_email(session, email)
    if contact is None:
        raise UnknownContact(email)
    if contact.deactivated_at is None:
        contact.deactivated_at = now
    tokens = session.execute(
        select(ApiToken).where(ApiToken.contact_email == contact.email, ApiToken.revoked_at.is_(None))
    ).scalars().all()
    for row in tokens:
        row.revoked_at = now
    return len(tokens)


def revoke(session: Session, token_id: int, now: dt.datetime, *, by: str | None = None,
           party: str | None = None) -> bool:
    """Revoke an active token; with `party`, only an integration's token of that party."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    if party is not None and (row.party != party or row.contact_email is not None):
        return False
    row.revoked_at, row.revoked_by = now, by
    return True
