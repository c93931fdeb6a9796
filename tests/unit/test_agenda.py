"""The agenda's use cases (services/intake/agenda.py), called as the API's runner calls them: items stay
numbered 1..n, a case goes on once and only while open, nothing is mailed until the agenda is sent."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.intake.agenda import CaseNotAddable, NotOnAgenda, add_case, move_item, remove_item, send_agenda
from services.intake.case_actions import change_case
from services.intake.meeting_changes import MeetingClosed, cancel_meeting
from shared.db import unit_of_work
from shared.models import AgendaItem, Case, CaseHistory, Meeting
from tests.unit.test_workspace_meetings import KARI, MONDAY, book_meetings, invitations

NOW = MONDAY.astimezone(dt.UTC)


@pytest.fixture
def booked(sessions, complaint) -> dict:
    return book_meetings(sessions, complaint)


def do(sessions, use_case, meeting_id, *args):
    with unit_of_work(sessions) as session:
        use_case(session, meeting_id, *args, actor=KARI, now=NOW, tz_name="Europe/Oslo")


def agenda(sessions, meeting_id) -> list[tuple[int, str]]:
    with sessions() as session:
        return list(session.execute(select(AgendaItem.position, AgendaItem.title)
                                    .where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)).all())


def test_add_move_remove_keep_the_numbers_and_send_nothing(sessions, booked):
    spring = booked["spring"]
    do(sessions, add_case, spring, booked["reference"])
    titles = [title for _, title in agenda(sessions, spring)]
    assert titles[-1] == f"Klage {booked['reference']} – Prestvannet borettslag"
    with sessions() as session:
        ids = list(session.execute(select(AgendaItem.id).where(AgendaItem.meeting_id == spring)
                                   .order_by(AgendaItem.position)).scalars())
    do(sessions, move_item, spring, ids[2], "up")
    do(sessions, move_item, spring, ids[0], "up")  # the first cannot go higher: nothing moves
    assert [title for _, title in agenda(sessions, spring)] == [titles[0], titles[2], titles[1]]
    do(sessions, remove_item, spring, ids[2])
    assert agenda(sessions, spring) == [(1, titles[0]), (2, titles[1])]
    with sessions() as session:
        actions = session.execute(select(CaseHistory.action).where(CaseHistory.case_id == booked["case"])
                                  .order_by(CaseHistory.id)).scalars().all()
        meeting = session.get_one(Meeting, spring)
    assert actions[-2:] == ["meeting_joined", "agenda_removed"]
    assert (meeting.sequence, invitations(sessions, spring)) == (0, [])  # nothing sent yet
    do(sessions, send_agenda, spring)
    assert invitations(sessions, spring) == [(1, "REQUEST")]


def test_a_case_goes_on_once_and_only_while_open(sessions, booked):
    do(sessions, add_case, booked["spring"], booked["reference"])
    with pytest.raises(CaseNotAddable, match="allerede"):
        do(sessions, add_case, booked["spring"], booked["reference"])
    with unit_of_work(sessions) as session:
        change_case(session, session.get_one(Case, booked["case"]), "resolve", actor=KARI, now=NOW)
    with pytest.raises(CaseNotAddable, match="lukket"):
        do(sessions, add_case, booked["requested"], booked["reference"])
    with pytest.raises(CaseNotAddable, match="Fant ikke"):
        do(sessions, add_case, booked["requested"], "KL-2027-0999")
    with pytest.raises(NotOnAgenda):
        do(sessions, remove_item, booked["requested"], 999_999)


def test_a_cancelled_meeting_keeps_its_agenda(sessions, booked):
    do(sessions, cancel_meeting, booked["spring"])
    before = agenda(sessions, booked["spring"])
    for use_case, args in ((add_case, (booked["reference"],)), (send_agenda, ())):
        with pytest.raises(MeetingClosed):
            do(sessions, use_case, booked["spring"], *args)
    assert agenda(sessions, booked["spring"]) == before
