"""What a fault test counts: posted, cased, mailed once, lost, doubled."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shared.models import Case, Notification

from .stack import Stack

RECIPIENTS_PER_CASE = 3


@dataclass(frozen=True)
class Tally:
    posted: int
    cased: int
    routed: int
    mailed_once: int  # (case, recipient) pairs that arrived exactly once
    lost: int  # pairs expected and never received
    doubled: int  # extra copies received beyond the first
    distinct_message_ids: int

    def line(self) -> str:
        return (
            f"posted={self.posted} cased={self.cased} routed={self.routed} "
            f"mailed_once={self.mailed_once} lost={self.lost} doubled={self.doubled} "
            f"distinct_message_ids={self.distinct_message_ids}"
        )


def tally(stack: Stack, sessions: sessionmaker[Session], references: list[str]) -> Tally:
    received = stack.mail_by_reference()
    expected_pairs = len(references) * RECIPIENTS_PER_CASE
    once = sum(1 for ref in references for n in received.get(ref, {}).values() if n == 1)
    present = sum(len(received.get(ref, {})) for ref in references)
    doubled = sum(n - 1 for ref in references for n in received.get(ref, {}).values() if n > 1)
    with sessions() as session:
        cased = session.execute(
            select(func.count()).select_from(Case).where(Case.reference.in_(references))
        ).scalar_one()
        routed = session.execute(
            select(func.count()).select_from(Case).where(Case.status == "routed")
        ).scalar_one()
    return Tally(
        posted=len(references),
        cased=cased,
        routed=routed,
        mailed_once=once,
        lost=expected_pairs - present,
        doubled=doubled,
        distinct_message_ids=len({m.message_id for m in stack.sink.messages()}),
    )


def all_sent(sessions: sessionmaker[Session], expected: int) -> bool:
    with sessions() as session:
        sent = session.execute(
            select(func.count()).select_from(Notification).where(Notification.status == "sent")
        ).scalar_one()
    return sent >= expected


def held_back(sessions: sessionmaker[Session], error_fragment: str) -> bool:
    """True once a notification waits for a retry after an SMTP error containing the fragment."""
    with sessions() as session:
        errors = session.execute(
            select(Notification.last_error).where(Notification.status == "pending")
        ).scalars()
        return any(error_fragment in error for error in errors)
