"""Personal data kept only as long as needed (SPEC §9): a closed case past its retention is anonymised.

Anonymising removes what identifies the submitter and what anyone wrote in free text: the
submitter's name, e-mail address and phone number, the description, the address and share number,
a sublet's household, every history comment (also in the outbox's events), the submitter's
notifications' address and name, and stored API answers about the case (they repeat the submitter).
It keeps the reference, type, category, status, dates, deadlines and figures, so the compliance
report of the case's year adds up as before.

Each case is anonymised once: a conditional UPDATE (anonymised_at IS NULL, still closed) claims it in
the same transaction as the rest, so a second scheduler (or an erasure racing the scheduler) finds
nothing left to do. Logs say how many, never whose.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Mapping

from sqlalchemy import ColumnElement, ScalarSelect, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from .agreement import CLOSED_STATUSES, RETENTION_DAYS
from .db import unit_of_work
from .handbook_versions import newest_version, parsed
from .models import Case, CaseHistory, IdempotencyRecord, Notification, OutboxEvent

log = logging.getLogger("samhandling.retention")

ANONYMISED_RECIPIENT = "anonymisert"  # a notification's address once its submitter is anonymised
BATCH = 200  # cases per transaction: short locks, and a crash loses at most one batch's work


def retention_in_force(session: Session) -> Mapping[str, int]:
    """Days after closing per case type: the newest handbook version's, else the agreement's."""
    newest = newest_version(session)
    return parsed(newest).retention if newest is not None else RETENTION_DAYS


def closed_at() -> ScalarSelect[dt.datetime]:
    """When the case was last closed (resolved or rejected): a correlated subquery on its history."""
    return (select(func.max(CaseHistory.at))
            .where(CaseHistory.case_id == Case.id, CaseHistory.to_status.in_(CLOSED_STATUSES))
            .correlate(Case).scalar_subquery())


def due_cases(session: Session, now: dt.datetime, retention: Mapping[str, int], limit: int = BATCH) -> list[int]:
    """Closed, not yet anonymised cases whose retention ran out by `now`, oldest first."""
    closed = closed_at()
    past = or_(*(and_(Case.type == case_type, closed <= now - dt.timedelta(days=days))
                 for case_type, days in retention.items()))
    return list(session.execute(
        select(Case.id).where(Case.status.in_(CLOSED_STATUSES), Case.anonymised_at.is_(None), past)
        .order_by(Case.id).limit(limit)).scalars())


def anonymise_case(session: Session, case_id: int, now: dt.datetime) -> str | None:
    """Remove the personal data of one closed case; its type, or None when there was nothing to do
    (anonymised already, by this run or another, or open again)."""
    found = session.execute(select(Case.submitter_email, Case.reference, Case.type, Case.details)
                            .where(Case.id == case_id)).one_or_none()
    if found is None:
        return None
    email, reference, case_type, details = found
    claimed = session.execute(
        update(Case).where(Case.id == case_id, Case.anonymised_at.is_(None), Case.status.in_(CLOSED_STATUSES))
        .values(anonymised_at=now, updated_at=now, submitter_name=None, submitter_email=None,
                submitter_phone=None, description="", address=None, share_number=None,
                details={**(details or {}), **({"tenant_household": ""} if details and "tenant_household"
                                                in details else {})})
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    session.execute(update(CaseHistory).where(CaseHistory.case_id == case_id, CaseHistory.comment != "")
                    .values(comment="").execution_options(synchronize_session=False))
    if email:
        session.execute(update(Notification).where(Notification.case_id == case_id,
                                                   func.lower(Notification.recipient) == email.lower())
                        .values(recipient=ANONYMISED_RECIPIENT, recipient_name="", last_error="")
                        .execution_options(synchronize_session=False))
    for event in session.execute(select(OutboxEvent).where(_about(case_id))).scalars():
        if event.payload.get("comment"):
            event.payload = {**event.payload, "comment": ""}
    session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.scope.like(f"%/cases/{reference}/%"))
                    .execution_options(synchronize_session=False))
    return str(case_type)


def _about(case_id: int) -> ColumnElement[bool]:
    """The case's events that carry free text (a status change's comment)."""
    return and_(OutboxEvent.event_type == "CaseStatusChanged",
                OutboxEvent.payload["case_id"].as_integer() == case_id)


def anonymise_due(sessions: sessionmaker[Session], now: dt.datetime) -> dict[str, int]:
    """The scheduler's daily job: every case past its retention, batch by batch; counts per type."""
    done: Counter[str] = Counter()
    while True:
        with unit_of_work(sessions) as session:
            ids = due_cases(session, now, retention_in_force(session))
            claimed = [t for t in (anonymise_case(session, case_id, now) for case_id in ids) if t]
        done.update(claimed)
        if len(ids) < BATCH or not claimed:
            break
    counts = {"anonymised": sum(done.values()), **dict(sorted(done.items()))}
    log.info("anonymised %d closed case(s) past their retention", counts["anonymised"],
             extra={"counts": counts})
    return counts
