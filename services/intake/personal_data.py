"""Everything held about one e-mail address, exported or erased on request (SPEC §9), each use audited.

What is held about an address: the cases it submitted (with their history) and the e-mails sent to
it. Erasing anonymises that person's closed cases the way the retention job does
(shared.retention.anonymise_case, one rule for both); an open case is left alone and listed, since
its handling still needs the submitter, and is anonymised by the job once closed and past retention.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shared.agreement import OPEN_STATUSES
from shared.models import AuditEvent, Case, Notification
from shared.retention import anonymise_case

EXPORTED, ERASED = "personal_data.export", "personal_data.erase"


@dataclass(frozen=True)
class Erasure:
    erased: list[str] = field(default_factory=list)  # closed cases anonymised now
    earlier: list[str] = field(default_factory=list)  # anonymised already
    open_cases: list[str] = field(default_factory=list)  # left alone: still being handled


def _iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _submitted_by(session: Session, email: str) -> list[Case]:
    return list(session.execute(
        select(Case).where(func.lower(Case.submitter_email) == email)
        .options(selectinload(Case.history), selectinload(Case.cooperative)).order_by(Case.id)).scalars())


def _case(case: Case) -> dict[str, Any]:
    return {
        "reference": case.reference, "type": case.type, "status": case.status, "category": case.category,
        "cooperative": case.cooperative.name if case.cooperative else None,
        "created_at": _iso(case.created_at), "occurred_on": _iso(case.occurred_on),
        "submitter": {"name": case.submitter_name, "email": case.submitter_email,
                      "phone": case.submitter_phone, "role": case.submitter_role},
        "description": case.description, "address": case.address, "share_number": case.share_number,
        "details": case.details or {},
        "history": [{"at": _iso(h.at), "action": h.action, "from_status": h.from_status,
                     "to_status": h.to_status, "comment": h.comment, "public": h.public} for h in case.history],
    }


def held_about(session: Session, email: str, now: dt.datetime) -> dict[str, Any]:
    """The export: plain JSON values, the same for the JSON file and the PDF."""
    sent = session.execute(
        select(Notification, Case.reference).outerjoin(Case, Case.id == Notification.case_id)
        .where(func.lower(Notification.recipient) == email).order_by(Notification.id)).all()
    return {
        "email": email, "exported_at": _iso(now),
        "cases": [_case(case) for case in _submitted_by(session, email)],
        "notifications": [{"reference": reference, "kind": n.kind, "template": n.template, "status": n.status,
                           "recipient_name": n.recipient_name, "created_at": _iso(n.created_at),
                           "sent_at": _iso(n.sent_at)} for n, reference in sent],
    }


def export(session: Session, email: str, *, actor: str, party: str, now: dt.datetime,
           file_format: str) -> dict[str, Any]:
    held = held_about(session, email, now)
    _audit(session, EXPORTED, email, actor=actor, party=party, now=now,
           detail=f"{file_format.upper()}: {len(held['cases'])} sak(er), {len(held['notifications'])} e-post(er)")
    return held


def erase(session: Session, email: str, *, actor: str, party: str, now: dt.datetime) -> Erasure:
    result = Erasure()
    for case in _submitted_by(session, email):
        if case.status in OPEN_STATUSES:
            result.open_cases.append(case.reference)
        elif case.anonymised_at is not None:
            result.earlier.append(case.reference)
        elif anonymise_case(session, case.id, now):
            result.erased.append(case.reference)
        else:  # the retention job got there first
            result.earlier.append(case.reference)
    detail = f"{len(result.erased)} sak(er) anonymisert"
    if result.open_cases:
        detail += f"; åpne saker urørt: {', '.join(result.open_cases)}"
    _audit(session, ERASED, email, actor=actor, party=party, now=now, detail=detail)
    return result


def _audit(session: Session, action: str, email: str, *, actor: str, party: str, now: dt.datetime,
           detail: str) -> None:
    session.add(AuditEvent(at=now, actor=actor, party=party, action=action, subject=email, detail=detail))
