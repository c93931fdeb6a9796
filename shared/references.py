"""Gapless case references (saksnummer) such as KL-2027-0042, per type and year."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import dialect_insert
from .models import ReferenceCounter

PREFIXES = {"complaint": "KL", "acquisition": "ER", "sublet": "FR", "meeting_request": "MO"}


def next_reference(session: Session, case_type: str, year: int) -> str:
    """Take the next number inside the caller's transaction.

    The upsert locks the counter row until the caller commits, so concurrent submissions queue
    behind each other; a rolled-back submission gives its number back, so there are no gaps.
    """
    prefix = PREFIXES[case_type]
    insert = dialect_insert(session)
    statement = (
        insert(ReferenceCounter)
        .values(prefix=prefix, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["prefix", "year"],
            set_={"last_number": ReferenceCounter.last_number + 1},
        )
        .returning(ReferenceCounter.last_number)
    )
    number = session.execute(statement).scalar_one()
    return f"{prefix}-{year}-{number:04d}"


def last_number(session: Session, case_type: str, year: int) -> int:
    found = session.execute(
        select(ReferenceCounter.last_number).where(
            ReferenceCounter.prefix == PREFIXES[case_type], ReferenceCounter.year == year
        )
    ).scalar_one_or_none()
    return found or 0
