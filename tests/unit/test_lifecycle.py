"""The lifecycle table: every action from every status, legal or 409-worthy."""
from __future__ import annotations

import datetime as dt

import pytest

from shared import lifecycle
from shared.models import Case

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(hours=1)
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


def test_written_at_once_the_case_and_its_history_are_what_apply_makes(sessions):
    """lifecycle.apply_written (the notifier's routing) against apply + the ORM's flush: the same
    case row and history rows, and the loaded case left current and unchanged in the session."""
    from sqlalchemy import select

    from services.intake.cases import open_case
    from shared.db import unit_of_work
    from shared.models import CaseHistory, Cooperative

    def routed(write):  # type: ignore[no-untyped-def]
        with unit_of_work(sessions) as session:
            cooperative = session.execute(select(Cooperative).order_by(Cooperative.id)).scalars().first()
            case = open_case(session, "complaint", actor="innsender", now=NOW, tz_name="Europe/Oslo",
                             cooperative_id=cooperative.id, category="noise", description="Bråk")
        with unit_of_work(sessions) as session:
            case = session.get(Case, case.id)
            write(session, case)
            assert case.status == "routed" and case.assignee == "kari.johansen@kommune.example"
            assert case not in session.dirty
        with sessions() as session:
            case = session.get(Case, case.id)
            rows = session.execute(select(CaseHistory).where(CaseHistory.case_id == case.id)
                                   .order_by(CaseHistory.id)).scalars().all()
            return ({c.key: getattr(case, c.key) for c in Case.__table__.columns
                     if c.key not in {"id", "reference", "tracking_token"}},
                    [(r.at, r.actor, r.action, r.from_status, r.to_status, r.comment, r.public) for r in rows])

    # routed an hour after it came in (the ORM writes updated_at only when it changed)
    also = {"assignee": "kari.johansen@kommune.example", "unrouted": True, "handbook_version": None}
    notes = [("handed_over", "Per er fraværende; saken går til Kari.")]

    def by_orm(session, case):  # type: ignore[no-untyped-def]
        for name, value in also.items():
            setattr(case, name, value)
        lifecycle.apply(session, case, "route", actor="samhandling", now=LATER, comment="Sendt til Kari")
        for action, text in notes:
            session.add(CaseHistory(case_id=case.id, at=LATER, actor="samhandling", action=action,
                                    from_status="routed", to_status="routed", comment=text, public=False))
        session.flush()

    def at_once(session, case):  # type: ignore[no-untyped-def]
        lifecycle.apply_written(session, case, "route", actor="samhandling", now=LATER, comment="Sendt til Kari",
                                also=also, notes=notes)

    (case_written, history_written), (case_orm, history_orm) = routed(at_once), routed(by_orm)
    assert {k: v for k, v in case_written.items() if case_orm[k] != v} == {}
    assert history_written == history_orm
    with pytest.raises(lifecycle.IllegalTransition):
        with sessions() as session:
            lifecycle.apply_written(session, Case(id=1, status="resolved"), "route", actor="x", now=NOW)
