"""The lifecycle table: every action from every status, legal or 409-worthy."""
from __future__ import annotations

import datetime as dt

import pytest

from shared import lifecycle
from shared.models import Case

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
STATUSES = ["received", "routed", "acknowledged", "resolved", "rejected"]
LEGAL = {
    ("received", "route"): "routed",
    ("routed", "acknowledge"): "acknowledged",
    ("acknowledged", "resolve"): "resolved",
    ("routed", "reject"): "rejected",
    ("acknowledged", "reject"): "rejected",
    ("resolved", "reopen"): "acknowledged",
    ("rejected", "reopen"): "acknowledged",
    ("received", "reassign"): "received",
    ("routed", "reassign"): "routed",
    ("acknowledged", "reassign"): "acknowledged",
}


class FakeSession:
    def __init__(self) -> None:
        self.added: list[object] = []

    def add(self, row: object) -> None:
        self.added.append(row)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", lifecycle.ACTIONS)
def test_every_action_from_every_status(status, action):
    case, session = Case(id=1, status=status), FakeSession()
    case.version = 4
    if (status, action) in LEGAL:
        change = lifecycle.apply(session, case, action, actor="kari", now=NOW, comment="ok")
        assert case.status == change.to_status == LEGAL[(status, action)]
        assert case.version == 5  # every change, reassign included, outdates earlier links
        (row,) = session.added
        assert (row.from_status, row.to_status, row.actor, row.comment) == (
            status, case.status, "kari", "ok")
    else:
        with pytest.raises(lifecycle.IllegalTransition):
            lifecycle.apply(session, case, action, actor="kari", now=NOW)
        assert case.status == status and session.added == [] and case.version == 4


def test_allowed_actions_match_the_table():
    for status in STATUSES:
        assert set(lifecycle.allowed_actions(status)) == {a for s, a in LEGAL if s == status}
