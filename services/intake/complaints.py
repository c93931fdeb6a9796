"""Use case: a borettslag board (or resident) submits a complaint.

The case, its first history row and the outbox event commit together or not at all; the request
never talks to the broker. Existence checks live here, format checks in the schema. On PostgreSQL
they are one statement (cases.open_case_at_once), which the intake runs on a session whose
statements commit themselves (shared.db.one_statement_sessionmaker): keep it the only write here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from shared.deadlines import received_note
from shared.i18n import DEFAULT_LANGUAGE, known_language

from .cases import CooperativeIds, UnknownCooperative, open_case_at_once

__all__ = ["CooperativeIds", "SubmittedCase", "UnknownCooperative", "submit_complaint"]


@dataclass(frozen=True)
class SubmittedCase:
    reference: str
    status: str
    tracking_token: str
    received_note: str | None = None  # set when it counts as received on a later working day


def submit_complaint(
    session: Session, complaint: dict[str, Any], *, tz_name: str, now: dt.datetime,
    cooperatives: CooperativeIds | None = None, language: str = DEFAULT_LANGUAGE,
) -> SubmittedCase:
    """`cooperatives`: the process's remembered borettslag ids (the intake passes its own);
    `language`: the submitter's (shared.i18n.LANGUAGES), for every e-mail to them."""
    cooperative_id, agreement_id = (cooperatives or CooperativeIds(ttl=0)).ids_of(
        session, complaint["cooperative_orgnr"])
    submitter = complaint["submitter"]
    case = open_case_at_once(
        session,
        "complaint",
        actor="innsender",
        now=now,
        tz_name=tz_name,
        cooperative_id=cooperative_id, agreement_id=agreement_id,
        category=complaint["category"],
        description=complaint["description"],
        share_number=complaint.get("share_number"),
        address=complaint.get("address"),
        occurred_on=complaint.get("occurred_on"),
        submitter_name=submitter["name"],
        submitter_email=submitter["email"],
        submitter_phone=submitter.get("phone"),
        submitter_role=submitter["role"],
        language=known_language(language),
    )
    return SubmittedCase(case.reference, case.status, case.tracking_token,
                         received_note(now, tz_name, case.language))
