"""Case deadlines as rows: opened when a case is routed, met by the lifecycle, fired by beat.

Each reminder and each escalation fires at most once: a conditional UPDATE claims it, and the
event that mails it commits in the same transaction, so two schedulers never both fire it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from .agreement import DEADLINE_DAYS, REMINDER_FRACTION
from .board_approval import BOARD_APPROVAL, close_board_limit, deem_approved
from .db import unit_of_work
from .formats import long_date, time, weekday
from .handbook import parse_handbook
from .handbook_versions import newest_version
from .i18n import DEFAULT_LANGUAGE, N_, gettext_for
from .messages import DeadlineMissed, DeadlineReminderDue, new_event_id, record_event
from .models import Case, CaseHistory, Deadline, table_of
from .workdays import CLOSING_TIME, deadline_at, holiday_name, received_on, reminder_at

KIND_LABELS = {"acknowledge": "kvittere ut", "resolve": "løse saken"}
# What a deadline row is now, as the case API shows it (see deadline_state).
STATES = ("open", "met", "missed", "closed")
# The board's limit is a statute's calendar days (shared.board_approval); the rest are working days.
DAY_TYPES = {BOARD_APPROVAL: "calendar"}


def day_type(kind: str) -> str:
    return DAY_TYPES.get(kind, "working")


class DeadlineTerms(Protocol):
    """What a deadline needs of a rule: the handbook's Rule and DeadlineRule both have it (read-only,
    as both are frozen)."""

    @property
    def acknowledge_days(self) -> int | None: ...
    @property
    def resolve_days(self) -> int | None: ...
    @property
    def reminder_fraction(self) -> float: ...


@dataclass(frozen=True)
class DeadlineRule:
    acknowledge_days: int | None
    resolve_days: int | None
    reminder_fraction: float = REMINDER_FRACTION


def default_rule(case_type: str) -> DeadlineRule:
    """The agreement's defaults, for a case routed by no handbook version."""
    acknowledge, resolve = DEADLINE_DAYS.get(case_type, (None, None))
    return DeadlineRule(acknowledge, resolve)


def terms_for_new_case(session: Session, case_type: str, category: str | None = None,
                       cooperative_orgnr: str | None = None) -> DeadlineTerms:
    """The deadlines a case submitted now will get: the newest handbook version's rule (the one
    routing will use), or the agreement's defaults before any version is stored. Reads only."""
    newest = newest_version(session)
    if newest is None:
        return default_rule(case_type)
    return parse_handbook(newest.source).rule_for(case_type, category, cooperative_orgnr)


# The public holidays' names as shared.workdays gives them, for the catalogs (a day with two has
# them joined by "; ").
HOLIDAY_NAMES = (
    N_("Første nyttårsdag"), N_("Skjærtorsdag"), N_("Langfredag"), N_("Første påskedag"), N_("Andre påskedag"),
    N_("Arbeidernes dag"), N_("Grunnlovsdag"), N_("Kristi himmelfartsdag"), N_("Første pinsedag"),
    N_("Andre pinsedag"), N_("Første juledag"), N_("Andre juledag"),
)


def received_note(arrived: dt.datetime, tz_name: str, language: str = DEFAULT_LANGUAGE) -> str | None:
    """The receipt's line when a complaint counts as received on a later day than it came, else None."""
    local = arrived.astimezone(ZoneInfo(tz_name))
    counted = received_on(arrived, tz_name)
    if counted == local.date():
        return None
    texts = gettext_for(language)
    day = long_date(counted, language)
    holiday = holiday_name(local.date())
    if holiday:
        names = "; ".join(texts.gettext(name) for name in holiday.split("; "))
        return texts.gettext("Klagen kom inn på en helligdag (%(holiday)s) og regnes som mottatt %(day)s.") % {
            "holiday": names, "day": day}
    if local.weekday() >= 5:
        return texts.gettext("Klagen kom inn på en %(weekday)s og regnes som mottatt %(day)s.") % {
            "weekday": weekday(local.date(), language), "day": day}
    return texts.gettext("Klagen kom inn etter kl. %(time)s og regnes som mottatt %(day)s.") % {
        "time": time(CLOSING_TIME, language), "day": day}


def _deadline(case: Case, kind: str, days: int, start: dt.datetime, fraction: float,
              tz_name: str) -> dict[str, Any]:
    due = deadline_at(start, days, tz_name)
    return {"case_id": case.id, "kind": kind, "working_days": days, "due_at": due,
            "remind_at": reminder_at(start, due, fraction, tz_name), "created_at": start}


def open_deadlines(session: Session, case: Case, rule: DeadlineTerms, *, now: dt.datetime,
                   tz_name: str) -> None:
    """Counted from when the case was submitted, in Norwegian working days; written at once (one
    INSERT, no unit of work: this runs for every new case)."""
    rows = [_deadline(case, kind, days, case.created_at, rule.reminder_fraction, tz_name)
            for kind, days in (("acknowledge", rule.acknowledge_days), ("resolve", rule.resolve_days)) if days]
    if rows:
        session.execute(_DEADLINE_INSERT, rows)


_DEADLINE_INSERT = insert(table_of(Deadline))


def on_transition(session: Session, case: Case, action: str, now: dt.datetime,
                  tz_name: str = "Europe/Oslo") -> None:
    """Acknowledging meets the acknowledge deadline; closing meets all; reopening starts anew."""
    kinds = {"acknowledge": ["acknowledge"], "resolve": ["acknowledge", "resolve"],
             "reject": ["acknowledge", "resolve"]}.get(action, [])
    if kinds:
        session.execute(
            update(Deadline)
            .where(Deadline.case_id == case.id, Deadline.kind.in_(kinds), Deadline.closed_at.is_(None))
            .values(met_at=now, closed_at=now)
        )
    if action in ("resolve", "reject"):
        case.overdue = False
        close_board_limit(session, case, now)
    if action == "reopen":
        earlier = session.execute(
            select(Deadline.working_days).where(Deadline.case_id == case.id, Deadline.kind == "resolve")
            .order_by(Deadline.id.desc()).limit(1)
        ).scalar_one_or_none()
        if earlier:
            session.add(Deadline(**_deadline(case, "resolve", earlier, now, REMINDER_FRACTION, tz_name)))


def deadline_state(deadline: Deadline, now: dt.datetime) -> str:
    """open: running; met: met on time; missed: met late, or passed unmet; closed: ended unmet
    before it was due (the case was closed first).

    Met on time and missed are counted as the compliance report counts them (met_at against due_at).
    """
    if deadline.met_at is not None:
        return "met" if deadline.met_at <= deadline.due_at else "missed"
    if deadline.closed_at is not None:
        return "missed" if deadline.closed_at >= deadline.due_at else "closed"
    return "missed" if deadline.due_at <= now else "open"


def deadlines_of(session: Session, case_id: int) -> list[Deadline]:
    """A case's deadline rows, oldest first (a reopened case has a second resolve deadline)."""
    return list(session.execute(
        select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.id)).scalars())


def _claim(session: Session, deadline_id: int, column: str, due_column: str, now: dt.datetime,
           *criteria: Any) -> bool:
    claimed = cast(CursorResult[Any], session.execute(
        update(Deadline)
        .where(Deadline.id == deadline_id, getattr(Deadline, column).is_(None),
               Deadline.closed_at.is_(None), getattr(Deadline, due_column) <= now, *criteria)
        .values({column: now})
    ))
    return claimed.rowcount == 1


def _due(sessions: sessionmaker[Session], column: str, due_column: str, now: dt.datetime,
         limit: int, *criteria: Any) -> list[int]:
    with sessions() as session:
        return list(session.execute(
            select(Deadline.id).where(getattr(Deadline, column).is_(None), Deadline.closed_at.is_(None),
                                      getattr(Deadline, due_column) <= now, *criteria)
            .order_by(getattr(Deadline, due_column)).limit(limit)
        ).scalars())


def fire_due(sessions: sessionmaker[Session], now: dt.datetime, limit: int = 500,
             tz_name: str = "Europe/Oslo") -> dict[str, int]:
    """Send what is due: reminders at the reminder point, escalations when a deadline is missed.

    A board's limit that ran out is settled first (approval deemed given), so it gets no late
    reminder; it is never escalated, since it is the board's limit, not a contact's.
    """
    deemed = deem_approved(sessions, now, tz_name, limit)
    fired = {"reminders": 0, "escalations": 0, "deemed_approved": deemed}
    for deadline_id in _due(sessions, "reminded_at", "remind_at", now, limit):
        with unit_of_work(sessions) as session:
            if _claim(session, deadline_id, "reminded_at", "remind_at", now):
                deadline = session.get_one(Deadline, deadline_id)
                record_event(session, DeadlineReminderDue(
                    event_id=new_event_id(), case_id=deadline.case_id, deadline_id=deadline_id,
                    kind=deadline.kind))
                fired["reminders"] += 1
    ours = Deadline.kind != BOARD_APPROVAL
    for deadline_id in _due(sessions, "escalated_at", "due_at", now, limit, ours):
        with unit_of_work(sessions) as session:
            if _claim(session, deadline_id, "escalated_at", "due_at", now, ours):
                _escalate(session, session.get_one(Deadline, deadline_id), now)
                fired["escalations"] += 1
    return fired


def _escalate(session: Session, deadline: Deadline, now: dt.datetime) -> None:
    case = session.get_one(Case, deadline.case_id)
    case.overdue = True
    session.add(CaseHistory(
        case_id=case.id, at=now, actor="samhandling", action="escalated", from_status=case.status,
        to_status=case.status, public=False,
        comment=f"Fristen for å {KIND_LABELS[deadline.kind]} gikk ut; saken er meldt videre etter "
                "rutinehåndboken.",
    ))
    record_event(session, DeadlineMissed(
        event_id=new_event_id(), case_id=case.id, deadline_id=deadline.id, kind=deadline.kind))
