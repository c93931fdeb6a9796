"""Open a case of any type: reference, first history row and outbox event, one transaction."""
from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from shared.calendar import local_today
from shared.messages import CaseSubmitted, new_event_id, record_event
from shared.models import Case, CaseHistory, Cooperative
from shared.references import next_reference

log = logging.getLogger("samhandling.intake")

RECEIVED_COMMENT = {
    "complaint": "Klagen er mottatt.",
    "acquisition": "Varsel om planlagt erverv er mottatt.",
    "sublet": "Spørsmål om framleie er mottatt.",
    "meeting_request": "Ønske om møte i samarbeidsutvalget er mottatt.",
}


class UnknownCooperative(LookupError):
    """No borettslag with that organisasjonsnummer in the directory."""


def new_tracking_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def find_cooperative(session: Session, orgnr: str) -> Cooperative:
    cooperative = session.execute(
        select(Cooperative).where(Cooperative.orgnr == orgnr)
    ).scalar_one_or_none()
    if cooperative is None:
        raise UnknownCooperative(orgnr)
    return cooperative


class CooperativeIds:
    """orgnr → the borettslag's id, remembered by one process for `ttl` seconds.

    Every complaint names its borettslag, and the directory changes seldom: a remembered id
    saves a query per complaint. Only ids found are kept, so a borettslag just added to the
    directory is found at once; borettslag are never deleted (cases refer to them), so a kept
    id stays valid, and after `ttl` the directory is read again anyway.
    """

    def __init__(self, ttl: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._known: dict[str, tuple[tuple[int, int], float]] = {}

    def id_of(self, session: Session, orgnr: str) -> int:
        return self.ids_of(session, orgnr)[0]

    def ids_of(self, session: Session, orgnr: str) -> tuple[int, int]:
        """The borettslag's id and its agreement's (a company moved to another agreement is seen
        within `ttl`, as a new one is)."""
        now = self.clock()
        known = self._known.get(orgnr)
        if known is not None and known[1] > now:
            return known[0]
        found = session.execute(select(Cooperative.id, Cooperative.agreement_id)
                                .where(Cooperative.orgnr == orgnr)).one_or_none()
        if found is None:
            raise UnknownCooperative(orgnr)
        ids = (found[0], found[1])
        self._known[orgnr] = (ids, now + self.ttl)
        return ids


def open_case(
    session: Session, case_type: str, *, actor: str, now: dt.datetime, tz_name: str, **fields: Any
) -> Case:
    if fields.get("cooperative_id") is not None and "agreement_id" not in fields:
        # A case about a company is handled under the company's agreement (SPEC §8).
        fields["agreement_id"] = session.execute(
            select(Cooperative.agreement_id).where(Cooperative.id == fields["cooperative_id"])).scalar_one()
    case = Case(
        reference=next_reference(session, case_type, local_today(tz_name, now).year),
        type=case_type,
        status="received",
        tracking_token=new_tracking_token(),
        created_at=now,
        updated_at=now,
        **fields,
    )
    session.add(case)
    session.flush()
    session.add(
        CaseHistory(
            case_id=case.id, at=now, actor=actor, action="received", to_status="received",
            comment=RECEIVED_COMMENT[case_type],
        )
    )
    submitted = CaseSubmitted(
        event_id=new_event_id(), case_id=case.id, reference=case.reference, case_type=case_type
    )
    record_event(session, submitted)
    _log_once_committed(session, submitted)
    return case


def _log_once_committed(session: Session, submitted: CaseSubmitted) -> None:
    """Say "case submitted" only when the case exists: after the caller's commit, not before."""
    fields = {"event_id": submitted.event_id, "reference": submitted.reference,
              "case_type": submitted.case_type}

    def _committed(_session: Session) -> None:
        log.info("case submitted", extra=fields)

    event.listen(session, "after_commit", _committed, once=True)
