"""Open a case of any type: reference, first history row and outbox event, one transaction."""
from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import JSON, Select, Text, bindparam, cast, event, func, literal, select, true
from sqlalchemy.dialects.postgresql import JSONB, insert as pg_insert
from sqlalchemy.orm import Session

from shared.calendar import local_today
from shared.messages import CaseSubmitted, new_event_id, record_event
from shared.models import Case, CaseHistory, Cooperative, OutboxEvent, ReferenceCounter, table_of
from shared.references import PREFIXES, next_reference

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


def _with_agreement(session: Session, fields: dict[str, Any]) -> None:
    """A case about a company is handled under the company's agreement (SPEC §8), unless named."""
    if fields.get("cooperative_id") is not None and "agreement_id" not in fields:
        fields["agreement_id"] = session.execute(
            select(Cooperative.agreement_id).where(Cooperative.id == fields["cooperative_id"])).scalar_one()


def open_case(
    session: Session, case_type: str, *, actor: str, now: dt.datetime, tz_name: str, **fields: Any
) -> Case:
    _with_agreement(session, fields)
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


@dataclass(frozen=True)
class OpenedCase:
    """What the submitter is told about a case just opened."""

    id: int
    reference: str
    status: str
    tracking_token: str
    language: str


def open_case_at_once(
    session: Session, case_type: str, *, actor: str, now: dt.datetime, tz_name: str, **fields: Any
) -> OpenedCase:
    """`open_case`, on PostgreSQL in one statement: the reference, the case, its first history
    row and the outbox event are written by one INSERT … WITH, so the reference counter's row
    lock (gapless references) is held for that statement and the COMMIT, not across four round
    trips and the ORM's flushes in between, which every other submission queued behind.

    The same rows as `open_case` (tests/unit/test_open_case_at_once.py compares them); the
    caller's transaction commits them. Elsewhere (SQLite) it is `open_case`.
    """
    if session.get_bind().dialect.name != "postgresql":
        case = open_case(session, case_type, actor=actor, now=now, tz_name=tz_name, **fields)
        return OpenedCase(case.id, case.reference, case.status, case.tracking_token, case.language)
    _with_agreement(session, fields)
    year, prefix = local_today(tz_name, now).year, PREFIXES[case_type]
    row = {**_CASE_DEFAULTS, **fields, "type": case_type, "status": "received",
           "tracking_token": new_tracking_token(), "created_at": now, "updated_at": now}
    event = CaseSubmitted(event_id=new_event_id(), case_id=0, reference="", case_type=case_type)
    names = tuple(sorted(row))
    case_id, reference = session.execute(_one_statement(names), {
        **{f"case_{name}": row[name] for name in names},
        "prefix": prefix, "year": year, "reference_start": f"{prefix}-{year}-",
        "history_at": now, "history_actor": actor, "history_comment": RECEIVED_COMMENT[case_type],
        "event_id": event.event_id, "event_type": type(event).__name__, "task_name": event.task_name,
        "payload": event.to_payload(), "event_at": now,
    }).one()
    _log_once_committed(session, CaseSubmitted(event_id=event.event_id, case_id=case_id, reference=reference,
                                               case_type=case_type))
    return OpenedCase(case_id, reference, "received", row["tracking_token"], row["language"])


# The Case columns' Python-side defaults, which an INSERT … SELECT does not fill in by itself.
_CASE_DEFAULTS: dict[str, Any] = {"language": "nb", "unrouted": False, "overdue": False, "version": 1,
                                  "details": {}, "description": ""}


@cache
def _one_statement(names: tuple[str, ...]) -> Select[Any]:
    """WITH number AS (upsert the counter), new_case AS (INSERT case), first_row (history),
    announced (outbox) SELECT id, reference; built once per set of case columns, its values all
    bound parameters. The event's payload is its own (`to_payload`) with the case's id and
    reference filled in by the database."""
    cases, history, outbox, counter = (table_of(model) for model in (Case, CaseHistory, OutboxEvent, ReferenceCounter))
    number = (
        pg_insert(counter)
        .values(prefix=bindparam("prefix"), year=bindparam("year"), last_number=1)
        .on_conflict_do_update(index_elements=["prefix", "year"], set_={"last_number": counter.c.last_number + 1})
        .returning(counter.c.last_number)
        .cte("number")
    )
    digits = cast(number.c.last_number, Text)
    reference = (bindparam("reference_start", type_=Text)
                 + func.lpad(digits, func.greatest(4, func.length(digits)), "0"))
    new_case = (
        cases.insert()
        .from_select(["reference", *names],
                     select(reference, *(bindparam(f"case_{name}", type_=cases.c[name].type) for name in names)),
                     include_defaults=False)
        .returning(cases.c.id, cases.c.reference)
        .cte("new_case")
    )
    first_row = history.insert().from_select(
        ["case_id", "at", "actor", "action", "to_status", "comment", "public"],
        select(new_case.c.id, bindparam("history_at", type_=history.c.at.type),
               bindparam("history_actor", type_=Text), literal("received"), literal("received"),
               bindparam("history_comment", type_=Text), true()),
        include_defaults=False,
    ).cte("first_row")
    payload = bindparam("payload", type_=JSONB).op("||")(
        func.jsonb_build_object("case_id", new_case.c.id, "reference", new_case.c.reference))
    announced = outbox.insert().from_select(
        ["id", "event_type", "task_name", "payload", "created_at", "publish_count"],
        select(bindparam("event_id", type_=Text), bindparam("event_type", type_=Text),
               bindparam("task_name", type_=Text), cast(payload, JSON),
               bindparam("event_at", type_=outbox.c.created_at.type), literal(0)),
        include_defaults=False,
    ).cte("announced")
    return select(new_case.c.id, new_case.c.reference).add_cte(first_row, announced)


def _log_once_committed(session: Session, submitted: CaseSubmitted) -> None:
    """Say "case submitted" only when the case exists: after the caller's commit, not before."""
    fields = {"event_id": submitted.event_id, "reference": submitted.reference,
              "case_type": submitted.case_type}

    def _committed(_session: Session) -> None:
        log.info("case submitted", extra=fields)

    event.listen(session, "after_commit", _committed, once=True)
