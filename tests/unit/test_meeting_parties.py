"""One party alone: a short-notice move, early minutes, closing the other party's case (issue 10, point 6).

The municipality asks for a meeting on Monday 1 March 2027; it is booked for Monday 8 March. Its
request and a complaint assigned to its main contact are on the agenda. The association then tries
to move the meeting to the same morning, minute it and reject the municipality's cases alone.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from services.scheduler.booking import add_to_agenda
from shared.db import unit_of_work
from shared.models import Case, CaseHistory, Contact, Meeting, utcnow
from tests.support.api import auth
from tests.unit.test_booking import answer
from tests.unit.test_routing import route, submit

OSLO = ZoneInfo("Europe/Oslo")
REQUESTED = dt.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO)  # a Monday
WEDNESDAY = dt.date(2027, 3, 3)
SAME_MORNING = {"starts_at": "2027-03-03T10:00:00+01:00"}


def at(hour: int, minute: int = 0):
    return time_machine.travel(dt.datetime.combine(WEDNESDAY, dt.time(hour, minute), tzinfo=OSLO), tick=False)


@pytest.fixture
def booked(client, sessions, tokens, complaint) -> dict[str, int]:
    """The municipality's request (item 1) and a complaint assigned to Kari (item 2) on 8 March."""
    with time_machine.travel(REQUESTED, tick=False):
        made = client.post("/api/v1/meeting-requests", headers=auth(tokens["municipality"]), json={
            "party": "municipality", "reason": "Vi trenger et møte om framleie.", "topics": ["Framleie"]})
        assert made.status_code == 201, made.get_json()
        with sessions() as session:
            request_id = session.execute(select(Case.id).where(
                Case.reference == made.get_json()["reference"])).scalar_one()
        route(sessions, request_id, event_id="e-request")
        assert answer(sessions, request_id) == "booked"
        complaint_id = submit(sessions, complaint)
        route(sessions, complaint_id, event_id="e-complaint")
    with unit_of_work(sessions) as session:
        request_case, complaint_case = session.get_one(Case, request_id), session.get_one(Case, complaint_id)
        assert complaint_case.assignee == "kari.johansen@kommune.example"
        meeting = session.get_one(Meeting, request_case.details["meeting"]["id"])
        assert meeting.held_on == dt.date(2027, 3, 8)
        add_to_agenda(session, meeting, f"Klage {complaint_case.reference}", "complaint", complaint_id)
        return {"meeting": meeting.id, "request": request_id, "complaint": complaint_id}


def move(client, token, meeting_id, body):
    return client.patch(f"/api/v1/meetings/{meeting_id}", headers=auth(token), json=body)


def minutes(client, token, meeting_id, body):
    return client.post(f"/api/v1/meetings/{meeting_id}/minutes", headers=auth(token), json=body)


def confirm(client, token, meeting_id, body=None):
    return client.post(f"/api/v1/meetings/{meeting_id}/minutes/confirm", headers=auth(token), json=body or {})


def history(sessions, case_id) -> list[CaseHistory]:
    with sessions() as session:
        return list(session.execute(select(CaseHistory).where(CaseHistory.case_id == case_id)
                                    .order_by(CaseHistory.id)).scalars())


def status(sessions, case_id) -> str:
    with sessions() as session:
        return session.get_one(Case, case_id).status


REJECT_BOTH = {"summary": "Boligbyggelaget avviser begge sakene.", "decisions": [
    {"agenda_item": 1, "decision": "Ønsket om møte avvises.", "case_action": "reject"},
    {"agenda_item": 2, "decision": "Klagen avvises.", "case_action": "reject"}]}


def test_a_move_to_the_same_morning_needs_the_other_party(client, sessions, tokens, booked):
    with at(8):
        refused = move(client, tokens["association"], booked["meeting"], SAME_MORNING)
        assert refused.status_code == 409, refused.get_json()
        error = refused.get_json()["error"]
        assert error["code"] == "short_notice"
        assert "5 arbeidsdager" in error["message"] and "10.03.2027" in error["message"]
        assert "agreed_by" in error["message"]
        with sessions() as session:
            meeting = session.get_one(Meeting, booked["meeting"])
            assert (meeting.held_on, meeting.sequence) == (dt.date(2027, 3, 8), 0)

        with unit_of_work(sessions) as session:  # the municipality's deputy has left
            session.execute(select(Contact).where(Contact.email == "ola.berg@kommune.example")
                            ).scalar_one().deactivated_at = utcnow()
        for agreed_by, why in [("per.hansen@bonord.example", "den andre parten"),     # own party
                               ("ola.berg@kommune.example", "ikke lenger aktiv"),     # deactivated
                               ("styret.prestvannet@borettslag.example", "den andre parten"),  # a board
                               ("ukjent@kommune.example", "Fant ingen kontaktperson")]:
            answer_ = move(client, tokens["association"], booked["meeting"], {**SAME_MORNING, "agreed_by": agreed_by})
            assert answer_.status_code == 422, answer_.get_json()
            assert why in " ".join(answer_.get_json()["error"]["fields"]["agreed_by"])

        agreed = move(client, tokens["association"], booked["meeting"],
                      {**SAME_MORNING, "agreed_by": "Kari.Johansen@kommune.example"})
        assert agreed.status_code == 200, agreed.get_json()
        body = agreed.get_json()
        assert body["starts_at"].startswith("2027-03-03T09:00:00")  # 10.00 in Oslo
        assert body["moved_by"] == "anne.nilsen@bonord.example"
        assert body["notice_agreed_by"] == "kari.johansen@kommune.example"
        assert body["moved_at"] is not None
    moved = [h for h in history(sessions, booked["request"]) if h.action == "meeting_moved"]
    assert len(moved) == 1 and moved[0].actor == "anne.nilsen@bonord.example"
    assert "Kari Johansen" in moved[0].comment and "kortere varsel" in moved[0].comment


def test_a_move_with_enough_notice_needs_no_agreement(client, sessions, tokens, booked):
    with at(8):
        answer_ = move(client, tokens["association"], booked["meeting"], {"starts_at": "2027-03-10T10:00:00+01:00"})
    assert answer_.status_code == 200, answer_.get_json()
    assert answer_.get_json()["moved_by"] == "anne.nilsen@bonord.example"
    assert answer_.get_json()["notice_agreed_by"] is None


def test_a_system_token_cannot_move_at_short_notice(client, tokens, booked):
    with at(8):
        answer_ = move(client, tokens["system"], booked["meeting"],
                       {**SAME_MORNING, "agreed_by": "kari.johansen@kommune.example"})
    assert answer_.status_code == 409 and answer_.get_json()["error"]["code"] == "short_notice"
    assert "systemtoken" in answer_.get_json()["error"]["message"]


def test_no_minutes_before_the_meeting_has_started(client, sessions, tokens, booked):
    with at(8):
        assert move(client, tokens["association"], booked["meeting"],
                    {**SAME_MORNING, "agreed_by": "kari.johansen@kommune.example"}).status_code == 200
    with at(9, 59):
        early = minutes(client, tokens["association"], booked["meeting"], REJECT_BOTH)
    assert early.status_code == 409 and "ikke begynt" in early.get_json()["error"]["message"]
    assert status(sessions, booked["request"]) == status(sessions, booked["complaint"]) == "routed"


def test_rejecting_the_other_partys_cases_waits_for_its_confirmation(client, sessions, tokens, booked):
    with at(8):
        move(client, tokens["association"], booked["meeting"],
             {**SAME_MORNING, "agreed_by": "kari.johansen@kommune.example"})
    with at(12, 30):
        written = minutes(client, tokens["association"], booked["meeting"], REJECT_BOTH)
        assert written.status_code == 201, written.get_json()
        decisions = written.get_json()["minutes"]["decisions"]
        assert [(d["state"], d["awaiting"]) for d in decisions] == [("proposed", "municipality")] * 2
        # Not closed: the municipality has not confirmed.
        assert status(sessions, booked["request"]) == status(sessions, booked["complaint"]) == "routed"

        own = confirm(client, tokens["association"], booked["meeting"])
        assert own.status_code == 409 and "den andre parten" in own.get_json()["error"]["message"]
        assert confirm(client, tokens["system"], booked["meeting"]).status_code == 403
        theirs = minutes(client, tokens["municipality"], booked["meeting"], {"summary": "Vårt referat."})
        assert theirs.status_code == 409 and "minutes/confirm" in theirs.get_json()["error"]["message"]

    with at(14):
        confirmed = confirm(client, tokens["municipality"], booked["meeting"],
                            {"remarks": "Kommunen er enig i vedtakene."})
        assert confirmed.status_code == 200, confirmed.get_json()
        body = confirmed.get_json()["minutes"]
        assert [d["state"] for d in body["decisions"]] == ["applied", "applied"]
        assert body["confirmations"] == [{
            "party": "municipality", "by": "kari.johansen@kommune.example",
            "at": "2027-03-03T13:00:00+00:00", "remarks": "Kommunen er enig i vedtakene."}]
        assert confirm(client, tokens["municipality"], booked["meeting"]).status_code == 409  # once
    assert status(sessions, booked["request"]) == status(sessions, booked["complaint"]) == "rejected"
    last = history(sessions, booked["complaint"])[-1]
    assert (last.action, last.actor) == ("rejected", "kari.johansen@kommune.example")
    assert last.comment.startswith("Vedtak i samarbeidsutvalget 03.03.2027: Klagen avvises.")


def test_own_party_decisions_apply_at_once(client, sessions, tokens, booked):
    with time_machine.travel(dt.datetime(2027, 3, 8, 13, 0, tzinfo=OSLO), tick=False):
        written = minutes(client, tokens["municipality"], booked["meeting"], REJECT_BOTH)
    assert written.status_code == 201, written.get_json()
    assert [d["state"] for d in written.get_json()["minutes"]["decisions"]] == ["applied", "applied"]
    assert status(sessions, booked["request"]) == status(sessions, booked["complaint"]) == "rejected"


def test_a_proposal_the_owner_overtook_lapses(client, sessions, tokens, booked):
    with time_machine.travel(dt.datetime(2027, 3, 8, 13, 0, tzinfo=OSLO), tick=False):
        assert minutes(client, tokens["association"], booked["meeting"], REJECT_BOTH).status_code == 201
        resolved = client.post(f"/api/v1/cases/{_reference(sessions, booked['complaint'])}/transitions",
                               headers=auth(tokens["municipality"]), json={"action": "acknowledge"})
        assert resolved.status_code == 200, resolved.get_json()
        client.post(f"/api/v1/cases/{_reference(sessions, booked['complaint'])}/transitions",
                    headers=auth(tokens["municipality"]), json={"action": "resolve", "comment": "Løst."})
        confirmed = confirm(client, tokens["municipality"], booked["meeting"])
    assert confirmed.status_code == 200, confirmed.get_json()
    assert [d["state"] for d in confirmed.get_json()["minutes"]["decisions"]] == ["applied", "lapsed"]
    assert status(sessions, booked["complaint"]) == "resolved"  # the owner's own decision stands


def _reference(sessions, case_id) -> str:
    with sessions() as session:
        return session.get_one(Case, case_id).reference


def test_the_minutes_mail_says_a_proposal_waits_for_the_other_party(client, sessions, tokens, booked, settings):
    from services.notifier.runner import consume
    from shared.messages import MinutesRecorded
    from shared.models import OutboxEvent
    from shared.runtime import Resources
    from tests.unit.test_delivery import RecordingMailer

    with time_machine.travel(dt.datetime(2027, 3, 8, 13, 0, tzinfo=OSLO), tick=False):
        assert minutes(client, tokens["association"], booked["meeting"], REJECT_BOTH).status_code == 201
    with sessions() as session:
        payload = session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "MinutesRecorded")).scalar_one()
    mailer = RecordingMailer()
    consume(Resources(settings), MinutesRecorded(**payload), mailer)
    text = mailer.sent[0].get_body(("plain",)).get_content()
    assert "Klagen avvises. Forslag: saken avvises når kommunen har bekreftet referatet." in text
    assert "Saken er avvist." not in text
