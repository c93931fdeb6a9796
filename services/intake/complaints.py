"""Use case: a borettslag board (or resident) submits a complaint.

The case, its first history row and the outbox event commit in one transaction; the request
never talks to the broker. Existence checks live here, format checks in the schema.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.calendar import local_today
from shared.messages import ComplaintSubmitted, new_event_id, record_event
from shared.models import Case, CaseHistory, Cooperative
from shared.references import next_reference


class UnknownCooperative(LookupError):
    """No borettslag with that organisasjonsnummer in the directory."""


@dataclass(frozen=True)
class SubmittedCase:
    reference: str
    status: str
    tracking_token: str


def new_tracking_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def submit_complaint(
    session: Session, complaint: dict[str, Any], *, tz_name: str, now: dt.datetime
) -> SubmittedCase:
    cooperative = session.execute(
        select(Cooperative).where(Cooperative.orgnr == complaint["cooperative_orgnr"])
    ).scalar_one_or_none()
    if cooperative is None:
        raise UnknownCooperative(complaint["cooperative_orgnr"])
    submitter = complaint["submitter"]
    case = Case(
        reference=next_reference(session, "complaint", local_today(tz_name, now).year),
        type="complaint",
        status="received",
        cooperative_id=cooperative.id,
        category=complaint["category"],
        description=complaint["description"],
        share_number=complaint.get("share_number"),
        address=complaint.get("address"),
        occurred_on=complaint.get("occurred_on"),
        submitter_name=submitter["name"],
        submitter_email=submitter["email"],
        submitter_phone=submitter.get("phone"),
        submitter_role=submitter["role"],
        tracking_token=new_tracking_token(),
        created_at=now,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    session.add(
        CaseHistory(
            case_id=case.id,
            at=now,
            actor="innsender",
            action="received",
            to_status="received",
            comment="Klagen er mottatt.",
        )
    )
    record_event(
        session, ComplaintSubmitted(event_id=new_event_id(), case_id=case.id, reference=case.reference)
    )
    return SubmittedCase(case.reference, case.status, case.tracking_token)
