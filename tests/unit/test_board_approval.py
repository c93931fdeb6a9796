"""The board's 20-day limit on an acquisition (burettslagslova § 4-5): tracked, reminded, settled.

The board was asked on Wednesday 3 March 2027; the limit is 20 calendar days, so a refusal must
reach the municipality by the end of Tuesday 23 March, or approval counts as given.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from services.notifier.runner import consume
from shared.deadlines import fire_due
from shared.messages import DeadlineReminderDue
from shared.models import OutboxEvent
from shared.runtime import Resources
from tests.support.api import auth
from tests.support.database import at_once
from tests.unit.test_delivery import RecordingMailer

OSLO = ZoneInfo("Europe/Oslo")
ASKED = "2027-03-03"


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=OSLO)


ASKED_AT = at(ASKED)


def notify(client, tokens, when: dt.datetime = ASKED_AT, **fields) -> str:
    body = {"cooperative_orgnr": "997273354", "share_number": "42", "address": "Prestvannetveien 19",
            "planned_date": "2027-06-01", "note": "Familie på fem.", **fields}
    with time_machine.travel(when, tick=False):
        response = client.post("/api/v1/acquisitions", json=body, headers=auth(tokens["municipality"]))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["reference"]


def detail(client, tokens, reference: str, when: dt.datetime) -> dict:
    with time_machine.travel(when, tick=False):
        return client.get(f"/api/v1/cases/{reference}", headers=auth(tokens["association"])).get_json()


def board_deadline(case: dict) -> dict:
    [deadline] = [d for d in case["deadlines"] if d["kind"] == "board_approval"]
    return deadline


def decide(client, tokens, reference: str, when: dt.datetime, **body):
    with time_machine.travel(when, tick=False):
        return client.post(f"/api/v1/cases/{reference}/board-decision", json=body,
                           headers=auth(tokens["municipality"]))


def history(case: dict) -> list[str]:
    return [h["action"] for h in case["history"]]


def test_an_acquisition_carries_the_twenty_calendar_day_limit(client, tokens):
    reference = notify(client, tokens, when=at("2027-03-05"), board_asked_on=ASKED)
    deadline = board_deadline(detail(client, tokens, reference, at("2027-03-05", 11)))
    assert (deadline["days"], deadline["day_type"], deadline["state"]) == (20, "calendar", "open")
    assert deadline["due_at"] == "2027-03-23T23:59:59+01:00"  # calendar days: weekends count
    assert deadline["remind_at"] == "2027-03-18T08:00:00+01:00"  # five days before the last day


def test_the_limit_counts_from_the_notice_when_the_board_was_asked_that_day(client, tokens):
    reference = notify(client, tokens)
    assert board_deadline(detail(client, tokens, reference, at(ASKED, 11)))["due_at"] == "2027-03-23T23:59:59+01:00"


@pytest.mark.parametrize("asked", ["2027-03-06", "not a date"])
def test_the_board_cannot_have_been_asked_in_the_future(client, tokens, asked):
    with time_machine.travel(at(ASKED), tick=False):
        response = client.post("/api/v1/acquisitions", headers=auth(tokens["municipality"]), json={
            "cooperative_orgnr": "997273354", "share_number": "42", "address": "Prestvannetveien 19",
            "planned_date": "2027-06-01", "board_asked_on": asked})
    assert response.status_code == 422
    assert "board_asked_on" in response.get_json()["error"]["fields"]


def test_the_municipalitys_contact_is_reminded_before_the_limit(client, tokens, sessions, settings):
    notify(client, tokens)
    assert fire_due(sessions, at("2027-03-18", 7)) == {"reminders": 0, "escalations": 0, "deemed_approved": 0}
    assert fire_due(sessions, at("2027-03-18", 8)) == {"reminders": 1, "escalations": 0, "deemed_approved": 0}
    with sessions() as session:
        [payload] = session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "DeadlineReminderDue")).scalars().all()
    mailer = RecordingMailer()
    consume(Resources(settings), DeadlineReminderDue.from_payload(payload), mailer)
    [mail] = mailer.sent
    text = " ".join(mail.get_body(("plain",)).get_content().split())
    assert mail["To"].addresses[0].addr_spec == "kari.johansen@kommune.example"  # the main contact
    assert "23.03.2027" in mail["Subject"] and "styret" in mail["Subject"].lower()
    assert "Prestvannet" in text and "03.03.2027" in text and "23.03.2027" in text
    assert "regnes godkjenningen som gitt" in text and "§ 4-5" in text


def test_no_refusal_in_time_means_approval_deemed_given_once(client, tokens, sessions, base_settings):
    reference = notify(client, tokens)
    assert fire_due(sessions, at("2027-03-23", 23, 59))["deemed_approved"] == 0  # the last day is not over
    results = at_once(base_settings.database_url, [lambda own: fire_due(own, at("2027-03-24", 0, 5))] * 4)
    assert sum(r["deemed_approved"] for r in results) == 1
    assert sum(r["escalations"] for r in results) == 0  # the board's limit is no one's to escalate
    assert fire_due(sessions, at("2027-03-25"))["deemed_approved"] == 0
    case = detail(client, tokens, reference, at("2027-03-25"))
    assert history(case).count("board_deemed_approved") == 1
    note = case["history"][-1]["comment"]
    assert "regnes som gitt" in note and "23.03.2027" in note and "§ 4-5" in note
    assert board_deadline(case)["state"] == "missed"
    with sessions() as session:
        assert session.execute(select(OutboxEvent).where(OutboxEvent.event_type == "DeadlineMissed")).first() is None


@pytest.mark.parametrize("decision", ["approved", "refused"])
def test_staff_record_the_boards_answer(client, tokens, sessions, decision):
    reference = notify(client, tokens)
    answered = decide(client, tokens, reference, at("2027-03-10"), decision=decision,
                      comment="Brev fra styret.")
    assert answered.status_code == 200
    case = answered.get_json()
    assert history(case)[-1] == f"board_{decision}"
    assert case["history"][-1]["actor"] == "kari.johansen@kommune.example"
    assert "Brev fra styret." in case["history"][-1]["comment"]
    assert board_deadline(case)["state"] == "met"
    assert decide(client, tokens, reference, at("2027-03-11"), decision="approved").status_code == 409
    assert fire_due(sessions, at("2027-04-01")) == {"reminders": 0, "escalations": 0, "deemed_approved": 0}


def test_a_refusal_that_came_too_late_is_refused(client, tokens):
    reference = notify(client, tokens)
    late = decide(client, tokens, reference, at("2027-03-25"), decision="refused", received_on="2027-03-24")
    assert late.status_code == 409
    assert "23.03.2027" in late.get_json()["error"]["message"]


def test_a_refusal_in_time_recorded_after_the_scheduler_settled_it_still_counts(client, tokens, sessions):
    reference = notify(client, tokens)
    fire_due(sessions, at("2027-03-24"))
    answered = decide(client, tokens, reference, at("2027-03-25"), decision="refused", received_on="2027-03-22")
    assert answered.status_code == 200
    case = answered.get_json()
    assert history(case)[-2:] == ["board_deemed_approved", "board_refused"]
    assert "22.03.2027" in case["history"][-1]["comment"]
    assert board_deadline(case)["state"] == "met"


def test_only_an_open_acquisition_takes_a_board_decision(client, tokens, complaint):
    complaint_reference = client.post("/api/v1/complaints", json=complaint).get_json()["reference"]
    assert decide(client, tokens, complaint_reference, at("2027-03-10"), decision="approved").status_code == 409
    assert decide(client, tokens, "ER-1999-0001", at("2027-03-10"), decision="approved").status_code == 404
    reference = notify(client, tokens)
    assert decide(client, tokens, reference, at("2027-03-10"), decision="maybe").status_code == 422


def test_closing_the_acquisition_closes_the_limit(client, tokens, sessions):
    from tests.unit.test_staff_api import route

    reference = notify(client, tokens)
    route(sessions, reference)
    with time_machine.travel(at("2027-03-08"), tick=False):
        rejected = client.post(f"/api/v1/cases/{reference}/transitions", json={"action": "reject",
                               "comment": "Kjøpet er avlyst."}, headers=auth(tokens["municipality"]))
    assert board_deadline(rejected.get_json())["state"] == "closed"
    assert fire_due(sessions, at("2027-04-01")) == {"reminders": 0, "escalations": 0, "deemed_approved": 0}


def test_the_openapi_document_describes_the_board_decision(client):
    spec = client.get("/api/openapi.json").get_json()
    assert "post" in spec["paths"]["/api/v1/cases/{reference}/board-decision"]
    decision = spec["components"]["schemas"]["BoardDecision"]["properties"]
    assert decision["decision"]["enum"] == ["approved", "refused"] and "received_on" in decision
    assert "board_asked_on" in spec["components"]["schemas"]["Acquisition"]["properties"]
