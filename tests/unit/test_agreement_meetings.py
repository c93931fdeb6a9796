"""Meetings per agreement (SPEC §8): a meeting request belongs to the requester's agreement (named when
they are in several), each agreement's committee books its own days, and the fixed meetings are
booked for every agreement within its own handbook's windows.

Kari Johansen is in agreement 1 only, Siri Eriksen in 2 only, Ola Berg in 1 and 2, Anne Nilsen
(BoNord) in 1 and 3.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from services.intake.cases import open_case
from services.scheduler.annual import book_due_annual_meetings
from services.scheduler.meeting_requests import answer_meeting_request
from shared.db import unit_of_work
from shared.demo import MORE_AGREEMENTS, load_demo
from shared.handbook_versions import save_handbook
from shared.models import Case, Meeting
from tests.support.workspace import sign_in_as
from tests.support.workspace_forms import form, text
from tests.unit.test_agreement_visibility import token
from tests.unit.test_handbook_meetings import with_meetings

OSLO = ZoneInfo("Europe/Oslo")
MEETING = {"party": "municipality", "reason": "Vi trenger å drøfte nye erverv i Telegrafbukta.",
           "topics": ["Erverv i Telegrafbukta"]}
BOOKED_IN_OCTOBER = dt.datetime(2026, 10, 5, 12, 0, tzinfo=OSLO)


@pytest.fixture
def agreements(sessions):
    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)
    return sessions


def agreement_of(sessions, reference: str) -> int:
    with sessions() as session:
        return session.execute(select(Case.agreement_id).where(Case.reference == reference)).scalar_one()


@pytest.mark.parametrize(("email", "named", "agreement"), [
    ("kari.johansen@kommune.example", None, 1),   # her only agreement
    ("siri.eriksen@kommune.example", None, 2),    # hers
    ("ola.berg@kommune.example", 2, 2),           # one of his two, named
    ("ola.berg@kommune.example", 1, 1),
])
def test_a_meeting_request_belongs_to_the_requesters_agreement(client, agreements, email, named, agreement):
    body = MEETING if named is None else {**MEETING, "agreement": named}
    answer = client.post("/api/v1/meeting-requests", json=body, headers=token(agreements, email))
    assert answer.status_code == 201, answer.get_json()
    assert agreement_of(agreements, answer.get_json()["reference"]) == agreement


@pytest.mark.parametrize(("email", "named", "message"), [
    ("ola.berg@kommune.example", None, "Du er med i flere avtaler; velg en av 1, 2."),
    ("ola.berg@kommune.example", 3, "Du er ikke med i denne avtalen."),
    ("kari.johansen@kommune.example", 2, "Du er ikke med i denne avtalen."),
    ("kari.johansen@kommune.example", 99, "Du er ikke med i denne avtalen."),
    ("kari.johansen@kommune.example", "to", "Oppgi avtalens nummer."),
])
def test_an_ambiguous_or_foreign_agreement_is_a_422_on_the_field(client, agreements, email, named, message):
    body = MEETING if named is None else {**MEETING, "agreement": named}
    answer = client.post("/api/v1/meeting-requests", json=body, headers=token(agreements, email))
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"] == {"agreement": [message]}
    with agreements() as session:
        assert session.execute(select(Case).where(Case.type == "meeting_request")).first() is None


def request(sessions, agreement: int, on: dt.date) -> int:
    at = dt.datetime.combine(on, dt.time(9, 0), tzinfo=OSLO)
    with unit_of_work(sessions) as session:
        case = open_case(session, "meeting_request", actor="system:test", now=at, tz_name="Europe/Oslo",
                         description="Vi trenger et møte.", created_by="system:test", agreement_id=agreement,
                         details={"party": "municipality", "topics": [f"Sak i avtale {agreement}"]})
        return case.id


def answer(sessions, case_id: int) -> tuple[str, int, int, dt.date]:
    with unit_of_work(sessions) as session:
        outcome = answer_meeting_request(session, case_id, now=dt.datetime.now(dt.UTC), tz_name="Europe/Oslo")
        meeting = session.get_one(Meeting, session.get_one(Case, case_id).details["meeting"]["id"])
        return outcome, meeting.id, meeting.agreement_id, meeting.starts_at.astimezone(OSLO).date()


def test_each_agreements_committee_books_its_own_days(agreements):
    friday = dt.date(2027, 3, 26)  # the earliest free day is Tuesday 5 April (Easter Monday skipped)
    first = answer(agreements, request(agreements, 1, friday))
    second = answer(agreements, request(agreements, 2, friday))
    third = answer(agreements, request(agreements, 1, friday))

    assert first[0] == "booked" and first[2:] == (1, dt.date(2027, 4, 5))
    # Agreement 1's meeting neither takes agreement 2's day nor takes its topics.
    assert second[0] == "booked" and second[2:] == (2, dt.date(2027, 4, 5)) and second[1] != first[1]
    assert third[:2] == ("joined", first[1])


def test_the_fixed_meetings_are_booked_for_every_agreement_in_its_own_windows(agreements):
    with unit_of_work(agreements) as session:  # Ishavsbo's handbook: April and October
        save_handbook(session, with_meetings(spring=("04-01", "04-30"), autumn=("10-01", "10-31")),
                      "siri.eriksen@kommune.example", BOOKED_IN_OCTOBER, agreement_id=2)

    book_due_annual_meetings(agreements, now=BOOKED_IN_OCTOBER, tz_name="Europe/Oslo")

    with agreements() as session:
        booked = session.execute(select(Meeting.agreement_id, Meeting.annual_slot, Meeting.held_on)
                                 .where(Meeting.annual_slot.like("2027-%"))
                                 .order_by(Meeting.agreement_id, Meeting.held_on)).all()
    assert [tuple(row) for row in booked] == [
        (1, "2027-spring", dt.date(2027, 3, 2)), (1, "2027-autumn", dt.date(2027, 9, 7)),
        (2, "2027-spring", dt.date(2027, 4, 6)), (2, "2027-autumn", dt.date(2027, 10, 5)),
        (3, "2027-spring", dt.date(2027, 3, 2)), (3, "2027-autumn", dt.date(2027, 9, 7)),
    ]


def test_the_workspace_form_asks_which_agreement_only_a_contact_in_several(client, agreements, settings):
    sign_in_as(client, agreements, settings, "ola.berg@kommune.example")
    page = text(client.get("/arbeid/moter/ny"))
    assert '<option value="1">' in page and '<option value="2">Tromsø kommune og Ishavsbo</option>' in page
    data = {**form(client, "/arbeid/moter/ny"), "reason": "Vi trenger å drøfte nye erverv.",
            "topics": "Erverv i Telegrafbukta"}

    refused = client.post("/arbeid/moter/ny", data=data)
    assert refused.status_code == 422
    assert "Velg avtalen møtet gjelder." in text(refused) and 'href="#agreement"' in text(refused)
    assert "Vi trenger å drøfte nye erverv." in text(refused)
    foreign = client.post("/arbeid/moter/ny", data={**data, "agreement": "3"})
    assert foreign.status_code == 422 and "Velg en av avtalene dine." in text(foreign)

    sent = client.post("/arbeid/moter/ny", data={**data, "agreement": "2"})
    assert sent.status_code == 303
    reference = sent.headers["Location"].rsplit("/", 1)[1]
    assert agreement_of(agreements, reference) == 2


def test_a_contact_in_one_agreement_sees_no_choice(client, agreements, settings):
    sign_in_as(client, agreements, settings, "siri.eriksen@kommune.example")
    page = text(client.get("/arbeid/moter/ny"))
    assert 'id="agreement"' not in page
    data = {**form(client, "/arbeid/moter/ny"), "reason": "Vi trenger å drøfte nye erverv.",
            "topics": "Erverv i Telegrafbukta"}
    sent = client.post("/arbeid/moter/ny", data=data)
    assert sent.status_code == 303
    assert agreement_of(agreements, sent.headers["Location"].rsplit("/", 1)[1]) == 2
