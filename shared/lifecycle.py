"""The case lifecycle in one place (SPEC §5), used by the API, e-mail links and meetings.

received → routed → acknowledged → resolved | rejected; reopen brings a resolved or rejected
case back to acknowledged; reassign hands an open case to another contact. Every change is
one immutable history row and raises the case's version, so an e-mail action link issued for
the case as it was no longer works (shared/action_links.py).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Update, bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .agreement import OPEN_STATUSES
from .models import Case, CaseHistory, table_of

# action → (statuses it may start from, status it leads to; None keeps the status)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "route": (("received",), "routed"),
    "acknowledge": (("routed",), "acknowledged"),
    "resolve": (("acknowledged",), "resolved"),
    "reject": (("routed", "acknowledged"), "rejected"),
    "reopen": (("resolved", "rejected"), "acknowledged"),
    "reassign": (OPEN_STATUSES, None),
}
# History rows name what happened, in the past tense, like the first row ("received").
RECORDED_AS = {
    "route": "routed",
    "acknowledge": "acknowledged",
    "resolve": "resolved",
    "reject": "rejected",
    "reopen": "reopened",
    "reassign": "reassigned",
}
ACTIONS = tuple(TRANSITIONS)
STAFF_ACTIONS = ("acknowledge", "resolve", "reject", "reopen", "reassign")
# Remarks change no status: remark → (history row's action, whether the submitter sees it).
REMARKS: dict[str, tuple[str, bool]] = {
    "note": ("noted", False),  # an internal note, for staff only
    "comment": ("commented", True),  # a public comment, on the tracking page and mailed
}


class IllegalTransition(Exception):
    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"'{action}' is not allowed when the case is '{status}'")
        self.action, self.status = action, status


@dataclass(frozen=True)
class Transition:
    action: str
    from_status: str
    to_status: str


def allowed_actions(status: str) -> list[str]:
    return [action for action, (sources, _) in TRANSITIONS.items() if status in sources]


def apply(
    session: Session,
    case: Case,
    action: str,
    *,
    actor: str,
    now: dt.datetime,
    comment: str = "",
    public: bool = True,
) -> Transition:
    """Change the case's status by the action and write its history row; helpers never commit."""
    before, after = _statuses(case, action)
    case.status = after
    case.version = (case.version or 1) + 1
    case.updated_at = now
    session.add(
        CaseHistory(
            case_id=case.id,
            at=now,
            actor=actor,
            action=RECORDED_AS[action],
            from_status=before,
            to_status=after,
            comment=comment,
            public=public,
        )
    )
    return Transition(action, before, after)


def _statuses(case: Case, action: str) -> tuple[str, str]:
    """The case's status before and after `action`, or IllegalTransition."""
    if action not in TRANSITIONS:
        raise IllegalTransition(action, case.status)
    sources, target = TRANSITIONS[action]
    if case.status not in sources:
        raise IllegalTransition(action, case.status)
    return case.status, target or case.status


def apply_written(
    session: Session,
    case: Case,
    action: str,
    *,
    actor: str,
    now: dt.datetime,
    comment: str = "",
    also: dict[str, Any] | None = None,
    notes: Sequence[tuple[str, str]] = (),
) -> Transition:
    """`apply`, written at once: one UPDATE of the case (with the columns in `also`) and one INSERT
    of its history row and the internal `notes` (action, comment) after it, and the loaded case
    set to what was written without being marked changed, so no unit of work is flushed for it.

    For the notifier's routing of every new case, where the ORM's flush of the case and its
    history was a sixth of the task's CPU (bench/RESULTS.md). The same rows as `apply`
    (tests/unit/test_lifecycle.py compares them).
    """
    before, after = _statuses(case, action)
    values = {**(also or {}), "status": after, "version": (case.version or 1) + 1, "updated_at": now}
    session.execute(_case_update(frozenset(values)), {**values, "case_id": case.id})
    rows = [{"action": RECORDED_AS[action], "from_status": before, "to_status": after, "comment": comment,
             "public": True}]
    rows += [{"action": note, "from_status": after, "to_status": after, "comment": text, "public": False}
             for note, text in notes]
    session.execute(_HISTORY_INSERT,
                    [{"case_id": case.id, "at": now, "actor": actor, **row} for row in rows])
    for name, value in values.items():
        set_committed_value(case, name, value)
    return Transition(action, before, after)


_HISTORY_INSERT = insert(table_of(CaseHistory))


@lru_cache(maxsize=32)
def _case_update(columns: frozenset[str]) -> Update:
    """UPDATE "case" SET the columns, by id: built once for each set of columns written."""
    table = table_of(Case)
    return update(table).where(table.c.id == bindparam("case_id")).values(
        {name: bindparam(name, type_=table.c[name].type) for name in sorted(columns)})


def remark(session: Session, case: Case, kind: str, *, actor: str, now: dt.datetime, text: str) -> None:
    """Write a note or a public comment as a history row; the status stays as it is.

    The case's version stays too: a version is the case's state that an e-mail action link or an
    open form was made for, and a remark changes nothing a decision rests on, so it should not
    turn the holder's links and open forms stale.
    """
    action, public = REMARKS[kind]
    session.add(CaseHistory(case_id=case.id, at=now, actor=actor, action=action, from_status=case.status,
                            to_status=case.status, comment=text, public=public))
    case.updated_at = now


def changes_since(history: list[CaseHistory], version: int) -> list[CaseHistory]:
    """What happened to a case after it was at `version` (history oldest first).

    A case is created at version 1 with its first row; each row apply() writes raises the version
    by one, so the row that brought version v is the (v-1)th of them.
    """
    raised = [entry for entry in history if entry.action in RECORDED_AS.values()]
    if version < 2:
        boundary = history[0].id if history else 0
    elif version - 2 < len(raised):
        boundary = raised[version - 2].id
    else:
        return []
    return [entry for entry in history if entry.id > boundary]
