"""The case lifecycle in one place (SPEC §5), used by the API, e-mail links and meetings.

received → routed → acknowledged → resolved | rejected; reopen brings a resolved or rejected
case back to acknowledged; reassign hands an open case to another contact. Every change is
one immutable history row and raises the case's version, so an e-mail action link issued for
the case as it was no longer works (shared/action_links.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .agreement import OPEN_STATUSES
from .models import Case, CaseHistory

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
    if action not in TRANSITIONS:
        raise IllegalTransition(action, case.status)
    sources, target = TRANSITIONS[action]
    if case.status not in sources:
        raise IllegalTransition(action, case.status)
    before, after = case.status, target or case.status
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
