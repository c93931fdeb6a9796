"""The board's limit on approving the municipality as a new owner (SPEC §5, burettslagslova § 4-5).

burettslagslova § 4-5 (1), second sentence: "Er ikkje melding om nekting av godkjenning komen fram
til ervervaren seinast tjue dagar etter at søknad om godkjenning kom fram til laget, skal
godkjenning reknast for å vere gitt." Wording as quoted at
https://www.boligstyret.no/godkjenning-av-ny-andelseier-i-borettslag/ (the law itself:
https://lovdata.no/lov/2003-06-06-39/§4-5).

Choices, so the reader does not have to rediscover them:
- "tjue dagar" are calendar days (the statute does not say working days), counted from the day the
  board was asked, that day not counted: asked on 3 March, a refusal must arrive by the end of
  23 March. The limit is a deadline row (kind `board_approval`) due at 23:59:59 local that day.
- The municipality's main contact is reminded at 08:00 on the working day five days (or more)
  before the last day.
- Staff record the board's answer (approved or refused) with the day it reached them; a refusal
  that reached them after the last day is refused, since approval was by then given.
- When the last day is over without an answer, beat writes "deemed approved" into the history,
  once: a conditional UPDATE claims the row, as for reminders (shared.deadlines).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from .agreement import BOARD_APPROVAL_DAYS, OPEN_STATUSES
from .calendar import local_instant, local_today
from .db import unit_of_work
from .formats import date_nb
from .models import Case, CaseHistory, Deadline
from .workdays import previous_working_day

BOARD_APPROVAL = "board_approval"
REMINDER_DAYS_BEFORE = 5
REMINDER_TIME = dt.time(8, 0)
END_OF_DAY = dt.time(23, 59, 59)
DECISIONS = ("approved", "refused")
STATUTE = "burettslagslova § 4-5"
ACTOR = "samhandling"


class BoardDecisionRefused(Exception):
    """The answer cannot be recorded; the message says why, in bokmål."""


def last_day(asked_on: dt.date) -> dt.date:
    """The last day a refusal may reach the municipality."""
    return asked_on + dt.timedelta(days=BOARD_APPROVAL_DAYS)


def open_board_limit(session: Session, case: Case, asked_on: dt.date, *, now: dt.datetime,
                     tz_name: str) -> None:
    """The limit as a deadline row of the acquisition case, counted from the day the board was asked."""
    last = last_day(asked_on)
    due = local_instant(last, END_OF_DAY, tz_name)
    remind = local_instant(previous_working_day(last - dt.timedelta(days=REMINDER_DAYS_BEFORE)), REMINDER_TIME, tz_name)
    session.add(Deadline(case_id=case.id, kind=BOARD_APPROVAL, working_days=BOARD_APPROVAL_DAYS,
                         due_at=due, remind_at=min(max(remind, now), due), created_at=now))


def record_board_decision(session: Session, case: Case, decision: str, *, received_on: dt.date, actor: str,
                          comment: str, now: dt.datetime, tz_name: str) -> None:
    """The board approved or refused; the answer reached the municipality on `received_on`."""
    deadline = session.execute(
        select(Deadline).where(Deadline.case_id == case.id, Deadline.kind == BOARD_APPROVAL)
        .order_by(Deadline.id.desc()).limit(1)
    ).scalar_one_or_none()
    if deadline is None or case.status not in OPEN_STATUSES:
        raise BoardDecisionRefused("Styrets svar kan bare registreres på et åpent varsel om erverv.")
    last = local_today(tz_name, deadline.due_at)
    if received_on > last:
        raise BoardDecisionRefused(f"Svaret kom etter fristen {date_nb(last)}; godkjenningen regnes da som "
                                   f"gitt ({STATUTE}).")
    answered_at = min(now, local_instant(received_on, END_OF_DAY, tz_name))
    claimed = cast(CursorResult[Any], session.execute(
        update(Deadline).where(Deadline.id == deadline.id, Deadline.met_at.is_(None))
        .values(met_at=answered_at, closed_at=deadline.closed_at or now)))
    if claimed.rowcount != 1:
        raise BoardDecisionRefused("Styrets svar er allerede registrert.")
    text = {"approved": f"Styret godkjente kommunen som ny andelseier; svaret kom {date_nb(received_on)}.",
            "refused": f"Styret nektet å godkjenne kommunen som ny andelseier; meldingen kom "
                       f"{date_nb(received_on)}, innen fristen {date_nb(last)}."}[decision]
    if deadline.closed_at is not None:
        text += " Det erstatter at godkjenningen ble regnet som gitt."
    case.updated_at = now
    session.add(CaseHistory(case_id=case.id, at=now, actor=actor, action=f"board_{decision}",
                            from_status=case.status, to_status=case.status, public=False,
                            comment=f"{text} {comment}".strip()))


def close_board_limit(session: Session, case: Case, now: dt.datetime) -> None:
    """The acquisition was closed before the board answered: the limit ends, neither met nor missed.

    A limit already run out is left for beat to settle as deemed approved.
    """
    session.execute(update(Deadline).where(
        Deadline.case_id == case.id, Deadline.kind == BOARD_APPROVAL, Deadline.closed_at.is_(None),
        Deadline.met_at.is_(None), Deadline.due_at > now,
    ).values(closed_at=now))


def _unsettled(now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    return (Deadline.kind == BOARD_APPROVAL, Deadline.closed_at.is_(None), Deadline.met_at.is_(None),
            Deadline.due_at <= now)


def deem_approved(sessions: sessionmaker[Session], now: dt.datetime, tz_name: str = "Europe/Oslo",
                  limit: int = 500) -> int:
    """Write "deemed approved" for each limit that ran out without an answer, exactly once."""
    with sessions() as session:
        due = session.execute(select(Deadline.id).where(*_unsettled(now)).order_by(Deadline.due_at)
                              .limit(limit)).scalars().all()
    settled = 0
    for deadline_id in due:
        with unit_of_work(sessions) as session:
            claimed = cast(CursorResult[Any], session.execute(
                update(Deadline).where(Deadline.id == deadline_id, *_unsettled(now)).values(closed_at=now)))
            if claimed.rowcount != 1:
                continue
            deadline = session.get_one(Deadline, deadline_id)
            case = session.get_one(Case, deadline.case_id)
            last = local_today(tz_name, deadline.due_at)
            session.add(CaseHistory(
                case_id=case.id, at=now, actor=ACTOR, action="board_deemed_approved", from_status=case.status,
                to_status=case.status, public=False,
                comment=f"Ingen melding om nekting kom fram innen fristen {date_nb(last)}; styrets "
                        f"godkjenning regnes som gitt ({STATUTE}).",
            ))
            settled += 1
    return settled
