"""Minutes: a decision per agenda item, a decision can resolve a case, every member gets them."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from services.intake.case_actions import change_case
from services.intake.tokens import create_token
from services.notifier.runner import consume
from services.scheduler.booking import BookingRules, add_to_agenda, try_book
from shared.db import unit_of_work
from shared.messages import MinutesRecorded
from shared.models import Case, CaseHistory, Meeting, OutboxEvent, utcnow
from shared.runtime import Resources
from tests.support.api import auth
from tests.unit.test_delivery import RecordingMailer
from tests.unit.test_routing import route, submit

OSLO = ZoneInfo("Europe/Oslo")
HELD = dt.date(2027, 3, 9)


@pytest.fixture(autouse=True)
def the_day_after():
    with time_machine.travel(dt.datetime(2027, 3, 10, 9, 0, tzinfo=OSLO), tick=False):
        yield


@pytest.fixture
def token(sessions) -> str:
    with unit_of_work(sessions) as session:
        # The municipality's main contact: the complaints are assigned to her, so her decisions apply at once.
        made, _ = create_token(session, now=utcnow(), contact_email="kari.johansen@kommune.example")
    return made


def complaint_case(sessions, complaint, *, acknowledged: bool, event_id: str) -> int:
    case_id = submit(sessions, complaint)
    route(sessions, case_id, event_id=event_id)
    if acknowledged:
        with unit_of_work(sessions) as session:
            change_case(session, session.get_one(Case, case_id), "acknowledge", actor="kari.johansen@kommune.example",
                        now=utcnow())
    return case_id


@pytest.fixture
def meeting(sessions, complaint) -> dict[str, int]:
    """Held yesterday; item 1 an acknowledged complaint, item 2 a routed one, item 3 no case."""
    ready = complaint_case(sessions, complaint, acknowledged=True, event_id="e-1")
    routed = complaint_case(sessions, complaint, acknowledged=False, event_id="e-2")
    with unit_of_work(sessions) as session:
        booked = try_book(session, HELD, kind="annual", title="Vårmøte i samarbeidsutvalget 2027",
                          rules=BookingRules(), tz_name="Europe/Oslo", now=dt.datetime(2027, 2, 1, tzinfo=OSLO))
        add_to_agenda(session, booked, "Forsinket klage KL-2027-0001 – Breivang", "complaint", ready)
        add_to_agenda(session, booked, "Forsinket klage KL-2027-0002 – Breivang", "complaint", routed)
        add_to_agenda(session, booked, "Eventuelt", "request")
        return {"id": booked.id, "ready": ready, "routed": routed}


def post(client, token, meeting_id, body):
    return client.post(f"/api/v1/meetings/{meeting_id}/minutes", headers=auth(token), json=body)


def test_a_decision_resolves_the_linked_case(client, sessions, token, meeting):
    answer = post(client, token, meeting["id"], {
        "summary": "Gjennomgang av klager i Breivang.\nNeste møte i september.",
        "decisions": [{"agenda_item": 1, "decision": "Beboeren har flyttet; saken avsluttes.",
                       "case_action": "resolve"},
                      {"agenda_item": 3, "decision": "Ingen saker.", "case_action": None}]})
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["status"] == "held" and body["minutes"]["summary"].startswith("Gjennomgang")
    assert [i["decision"] for i in body["agenda"]] == ["Beboeren har flyttet; saken avsluttes.", None, "Ingen saker."]
    assert body["minutes"]["decisions"][0] == {
        "agenda_item": 1, "title": "Forsinket klage KL-2027-0001 – Breivang",
        "decision": "Beboeren har flyttet; saken avsluttes.", "case_action": "resolve", "reference": "KL-2027-0001",
        "state": "applied", "awaiting": None}
    with sessions() as session:
        case = session.get_one(Case, meeting["ready"])
        last = session.execute(select(CaseHistory).where(CaseHistory.case_id == case.id)
                               .order_by(CaseHistory.id.desc()).limit(1)).scalar_one()
        events = session.execute(select(OutboxEvent.event_type)).scalars().all()
    assert case.status == "resolved"
    assert (last.action, last.actor) == ("resolved", "kari.johansen@kommune.example")
    assert last.comment == "Vedtak i samarbeidsutvalget 09.03.2027: Beboeren har flyttet; saken avsluttes."
    assert events.count("MinutesRecorded") == 1 and "CaseStatusChanged" in events
    assert post(client, token, meeting["id"], {"summary": "Igjen."}).status_code == 409


def test_an_illegal_case_action_refuses_the_whole_minutes(client, sessions, token, meeting):
    answer = post(client, token, meeting["id"], {
        "summary": "Referat.", "decisions": [
            {"agenda_item": 3, "decision": "Ingen saker."},
            {"agenda_item": 2, "decision": "Løst.", "case_action": "resolve"}]})  # still routed
    assert answer.status_code == 409
    with sessions() as session:
        held = session.get_one(Meeting, meeting["id"])
        assert (held.status, held.minutes) == ("planned", None)
        assert all(item.decision is None for item in held.agenda)
        assert session.get_one(Case, meeting["routed"]).status == "routed"


@pytest.mark.parametrize(("decisions", "field"), [
    ([{"agenda_item": 9, "decision": "Finnes ikke."}], "decisions.0.agenda_item"),
    ([{"agenda_item": 3, "decision": "Løs.", "case_action": "resolve"}], "decisions.0.case_action"),
    ([{"agenda_item": 1, "decision": "A"}, {"agenda_item": 1, "decision": "B"}], "decisions"),
    ([{"agenda_item": 1, "decision": "A", "case_action": "reopen"}], "decisions.0.case_action"),
])
def test_decisions_must_fit_the_agenda(client, token, meeting, decisions, field):
    answer = post(client, token, meeting["id"], {"summary": "Referat.", "decisions": decisions})
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]


def test_only_a_meeting_that_has_begun_takes_minutes(client, sessions, token, meeting):
    with unit_of_work(sessions) as session:
        later = try_book(session, dt.date(2027, 3, 16), kind="requested", title="Etter ønske",
                         rules=BookingRules(), tz_name="Europe/Oslo", now=utcnow())
    assert post(client, token, later.id, {"summary": "For tidlig."}).status_code == 409
    client.delete(f"/api/v1/meetings/{meeting['id']}", headers=auth(token))
    assert post(client, token, meeting["id"], {"summary": "Avlyst."}).status_code == 409
    assert post(client, token, 424242, {"summary": "Ukjent."}).status_code == 404


def test_every_member_gets_the_minutes(client, sessions, token, meeting, settings):
    post(client, token, meeting["id"], {"summary": "Samarbeidet fungerer godt.", "decisions": [
        {"agenda_item": 1, "decision": "Saken avsluttes.", "case_action": "resolve"}]})
    with sessions() as session:
        payload = session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "MinutesRecorded")).scalar_one()
    mailer = RecordingMailer()
    assert consume(Resources(settings), MinutesRecorded(**payload), mailer) == {"sent": 6}
    message = mailer.sent[0]
    assert message["Subject"] == "Referat: Vårmøte i samarbeidsutvalget 2027 09.03.2027 kl. 10.00"
    text = message.get_body(("plain",)).get_content()
    assert "Samarbeidet fungerer godt." in text
    assert "Punkt 1: Forsinket klage KL-2027-0001 – Breivang (KL-2027-0001)\nSaken avsluttes. Saken er løst." in text


def test_a_failed_minutes_mail_is_retried_as_the_same_mail(client, sessions, token, meeting, settings):
    from sqlalchemy import update as sql_update

    from shared.messages import NotificationRetried
    from shared.models import Notification

    post(client, token, meeting["id"], {"summary": "Kort møte."})
    with sessions() as session:
        payload = session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "MinutesRecorded")).scalar_one()
    consume(Resources(settings), MinutesRecorded(**payload), RecordingMailer())
    with unit_of_work(sessions) as session:
        failed = session.execute(select(Notification).where(Notification.kind == "minutes").limit(1)).scalar_one()
        session.execute(sql_update(Notification).where(Notification.id == failed.id).values(status="pending"))
    mailer = RecordingMailer()
    retried = NotificationRetried(event_id="retry-minutes", notification_id=failed.id)
    assert consume(Resources(settings), retried, mailer) == {"sent": 1}
    assert mailer.sent[0]["Subject"].startswith("Referat: ")
