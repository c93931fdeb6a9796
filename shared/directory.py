"""The contacts directory, looked up the one way every service does: by e-mail, case-insensitively."""
from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .models import Contact


def contact_by_email(session: Session, email: str | None) -> Contact | None:
    """The directory contact with this address (stored lower-case), or None."""
    if not email:
        return None
    return session.execute(_BY_EMAIL, {"email": email.lower()}).scalar_one_or_none()


# Built once: routing asks it for most new cases (the case officer, deputies, leaders).
_BY_EMAIL = select(Contact).where(Contact.email == bindparam("email"))
