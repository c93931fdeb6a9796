"""Deadlines as rows: dates in working days, one reminder and one escalation, never twice."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from services.intake.case_actions import change_case, get_case
from shared.db import unit_of_work
from shared.deadlines import default_rule, fire_due, open_deadlines
from shared.models import Case, CaseHistory, Deadline, OutboxEvent, utcnow
from tests.support.database import at_once
from tests.unit.test_routing import route, submit

OSLO = ZoneInfo("Europe/Oslo")
# Wednesday before Easter 2027, 09:30 in Oslo.
SUBMITTED = dt.datetime(2027, 3, 24, 9, 30, tzinfo=OSLO)


def routed_case(sessions, complaint) -> int:
    case_id = submit(sessions, complaint, now=SUBMITTED.astimezone(dt.UTC))
    route(sessions, case_id)
    with unit_of_work(sessions) as session:
        open_deadlines(session, session.get_one(Case, case_id), default_rule("complaint"),
                       now=SUBMITTED, tz_name="Europe/Oslo")
    return case_id


def local(moment: dt.datetime) -> str:
    return moment.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")


def at(day: str, hour: int = 17) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=OSLO)


def events(sessions, event_type: str) -> list[dict]:
    with sessions() as session:
        return list(session.execute(
            select(OutboxEvent.payload).where(OutboxEvent.event_type == event_type)).scalars())


def test_deadlines_skip_easter(sessions, complaint):
    case_id = routed_case(sessions, complaint)
    with sessions() as session:
        rows = {d.kind: d for d in session.execute(select(Deadline).where(Deadline.case_id == case_id)).scalars()}
    assert (local(rows["acknowledge"].remind_at), local(rows["acknowledge"].due_at)) == (
        "2027-03-30 16:00", "2027-03-31 16:00")
    assert (local(rows["resolve"].remind_at), local(rows["resolve"].due_at)) == (
        "2027-04-19 16:00", "2027-04-26 16:00")


def test_one_reminder_and_one_escalation(sessions, complaint):
    case_id = routed_case(sessions, complaint)
    # Easter Monday
    assert fire_due(sessions, at("2027-03-29")) == {"reminders": 0, "escalations": 0, "deemed_approved": 0}
    assert fire_due(sessions, at("2027-03-30")) == {"reminders": 1, "escalations": 0, "deemed_approved": 0}
    assert fire_due(sessions, at("2027-03-30", 18)) == {"reminders": 0, "escalations": 0, "deemed_approved": 0}
    assert fire_due(sessions, at("2027-03-31")) == {"reminders": 0, "escalations": 1, "deemed_approved": 0}
    assert fire_due(sessions, at("2027-04-01")) == {"reminders": 0, "escalations": 0, "deemed_approved": 0}
    assert [e["kind"] for e in events(sessions, "DeadlineReminderDue")] == ["acknowledge"]
    assert [e["kind"] for e in events(sessions, "DeadlineMissed")] == ["acknowledge"]
    with sessions() as session:
        assert session.get_one(Case, case_id).overdue is True
        note = session.execute(select(CaseHistory).where(CaseHistory.action == "escalated")).scalar_one()
        assert note.public is False


def test_acknowledging_in_time_stops_the_escalation(sessions, complaint):
    case_id = routed_case(sessions, complaint)
    with unit_of_work(sessions) as session:
        case = get_case(session, session.get_one(Case, case_id).reference, for_update=True)
        change_case(session, case, "acknowledge", actor="kari.johansen@kommune.example",
                    now=at("2027-03-30", 10))
    assert fire_due(sessions, at("2027-04-02")) == {"reminders": 0, "escalations": 0, "deemed_approved": 0}
    # The resolve deadline still runs: reminder on 19 April, escalation after 26 April.
    assert fire_due(sessions, at("2027-04-27")) == {"reminders": 1, "escalations": 1, "deemed_approved": 0}


def test_two_schedulers_at_once_fire_each_once(sessions, complaint, base_settings):
    routed_case(sessions, complaint)
    results = at_once(base_settings.database_url,
                      [lambda own: fire_due(own, at("2027-05-03"))] * 4)
    assert sum(r["reminders"] for r in results) == 2  # acknowledge and resolve
    assert sum(r["escalations"] for r in results) == 2
    assert len(events(sessions, "DeadlineReminderDue")) == 2
    assert len(events(sessions, "DeadlineMissed")) == 2


def test_time_travel_through_the_beat_task(sessions, complaint, base_settings):
    from services.scheduler.main import create_scheduler_app

    routed_case(sessions, complaint)
    app = create_scheduler_app(base_settings)
    fire = app.tasks["scheduler.fire_deadlines"]
    with time_machine.travel(at("2027-03-30"), tick=False):
        assert fire.run() == {"reminders": 1, "escalations": 0, "deemed_approved": 0}
        assert utcnow().astimezone(OSLO).date() == dt.date(2027, 3, 30)
    with time_machine.travel(at("2027-04-30"), tick=False):
        assert fire.run() == {"reminders": 1, "escalations": 2, "deemed_approved": 0}
        assert fire.run() == {"reminders": 0, "escalations": 0, "deemed_approved": 0}


def test_overdue_cases_can_be_listed(client, sessions, complaint):
    from services.intake.tokens import create_token

    routed_case(sessions, complaint)
    submit(sessions, complaint)  # a second case, not overdue
    fire_due(sessions, at("2027-04-01"))
    with unit_of_work(sessions) as session:
        token, _ = create_token(session, now=utcnow(), system="t", party="system")
    headers = {"Authorization": f"Bearer {token}"}
    overdue = client.get("/api/v1/cases?overdue=true", headers=headers).get_json()
    assert overdue["total"] == 1 and overdue["items"][0]["overdue"] is True
    assert client.get("/api/v1/cases?overdue=false", headers=headers).get_json()["total"] == 1


def test_the_handbook_sets_the_deadlines(sessions, complaint, settings):
    """A new handbook version with 3 working days to acknowledge: new cases get 3."""
    from services.notifier.runner import consume
    from shared.handbook_versions import save_handbook
    from shared.messages import CaseSubmitted
    from shared.runtime import Resources
    from shared.settings import PROJECT_ROOT
    from tests.unit.test_delivery import RecordingMailer

    text = (PROJECT_ROOT / "shared" / "data" / "handbook.yaml").read_text(encoding="utf-8")
    assert "acknowledge_days: 2" in text
    with unit_of_work(sessions) as session:
        save_handbook(session, text.replace("acknowledge_days: 2", "acknowledge_days: 3", 1),
                      "kari.johansen@kommune.example", utcnow())
    case_id = submit(sessions, complaint, now=SUBMITTED.astimezone(dt.UTC))
    with sessions() as session:
        reference = session.get_one(Case, case_id).reference
    consume(Resources(settings), CaseSubmitted(event_id="e-h", case_id=case_id, reference=reference),
                          RecordingMailer())
    with sessions() as session:
        acknowledge = session.execute(select(Deadline).where(
            Deadline.case_id == case_id, Deadline.kind == "acknowledge")).scalar_one()
    assert acknowledge.working_days == 3
    assert local(acknowledge.due_at) == "2027-04-01 16:00"  # Easter skipped: 30, 31 March, 1 April


def test_the_case_api_shows_each_deadline_with_its_state(client, sessions, complaint, tokens):
    from tests.support.api import auth

    case_id = routed_case(sessions, complaint)
    with sessions() as session:
        reference = session.get_one(Case, case_id).reference
    url, headers = f"/api/v1/cases/{reference}", auth(tokens["municipality"])
    with time_machine.travel(at("2027-04-01"), tick=False):
        fire_due(sessions, utcnow())  # the acknowledge deadline was reminded, then missed
        deadlines = {d["kind"]: d for d in client.get(url, headers=headers).get_json()["deadlines"]}
    acknowledge, resolve = deadlines["acknowledge"], deadlines["resolve"]
    assert acknowledge["due_at"] == "2027-03-31T16:00:00+02:00"  # Oslo summer time, not UTC
    assert (acknowledge["state"], resolve["state"]) == ("missed", "open")
    assert acknowledge["reminded_at"] == "2027-04-01T17:00:00+02:00"
    assert acknowledge["escalated_at"] == "2027-04-01T17:00:00+02:00"
    assert (resolve["due_at"], resolve["reminded_at"], resolve["escalated_at"]) == (
        "2027-04-26T16:00:00+02:00", None, None)
    assert (acknowledge["days"], acknowledge["day_type"]) == (2, "working")

    transitions = f"{url}/transitions"
    with time_machine.travel(at("2027-04-02", 9), tick=False):
        client.post(transitions, json={"action": "acknowledge"}, headers=headers)
    with time_machine.travel(at("2027-04-06", 9), tick=False):
        resolved = client.post(transitions, json={"action": "resolve"}, headers=headers).get_json()
    states = {d["kind"]: (d["state"], d["met_at"]) for d in resolved["deadlines"]}
    assert states == {"acknowledge": ("missed", "2027-04-02T09:00:00+02:00"),  # met, but late
                      "resolve": ("met", "2027-04-06T09:00:00+02:00")}


def test_the_openapi_document_describes_case_deadlines(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    detail = schemas["CaseDetailOut"]["properties"]
    assert detail["deadlines"]["items"]["$ref"].endswith("/DeadlineOut")
    deadline = schemas["DeadlineOut"]["properties"]
    assert {"kind", "due_at", "state", "reminded_at", "escalated_at", "met_at", "closed_at"} <= set(deadline)
    assert deadline["state"]["enum"] == ["open", "met", "missed", "closed"]
