"""The compliance report for 2027: fixed meetings, requests within 21 days, deadlines met and missed."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import update

from services.intake.case_actions import change_case
from services.intake.tokens import create_token
from services.scheduler.annual import book_annual_meetings
from shared.db import unit_of_work
from shared.deadlines import fire_due
from shared.models import Case, Meeting, utcnow
from tests.support.api import auth
from tests.unit.test_booking import answer, request
from tests.unit.test_deadlines import at, routed_case

OSLO = ZoneInfo("Europe/Oslo")
NEW_YEARS_EVE = dt.datetime(2027, 12, 31, 12, 0, tzinfo=OSLO)


@pytest.fixture
def year_2027(sessions, complaint) -> None:
    """Both fixed meetings booked, spring held; three requests; one complaint with a missed deadline."""
    with unit_of_work(sessions) as session:
        book_annual_meetings(session, 2027, dt.datetime(2026, 10, 5, tzinfo=OSLO), "Europe/Oslo")
        session.execute(update(Meeting).where(Meeting.annual_slot == "2027-spring").values(status="held"))
    with time_machine.travel(dt.datetime(2027, 3, 1, 12, 0, tzinfo=OSLO), tick=False):
        held = request(sessions, dt.date(2027, 3, 1))  # MO-2027-0001, booked for 8 March
        assert answer(sessions, held) == "booked"
    with unit_of_work(sessions) as session:
        meeting_id = session.get_one(Case, held).details["meeting"]["id"]
        session.execute(update(Meeting).where(Meeting.id == meeting_id).values(status="held"))
    request(sessions, dt.date(2027, 6, 1))  # MO-2027-0002: never answered, so never booked
    with time_machine.travel(dt.datetime(2027, 12, 20, 12, 0, tzinfo=OSLO), tick=False):
        assert answer(sessions, request(sessions, dt.date(2027, 12, 20))) == "booked"  # MO-2027-0003, 4 Jan 2028
    case_id = routed_case(sessions, complaint)  # KL-2027-0001, 24 March 2027
    with unit_of_work(sessions) as session:  # acknowledged in time, then never resolved
        change_case(session, session.get_one(Case, case_id), "acknowledge", actor="kari.johansen@kommune.example",
                    now=at("2027-03-25", 10))
    fire_due(sessions, at("2027-04-30"))


@pytest.fixture
def token(sessions) -> str:
    with unit_of_work(sessions) as session:
        made, _ = create_token(session, now=utcnow(), system="rapport", party="system")
    return made


def test_the_figures_for_2027(client, token, year_2027):
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        answer_ = client.get("/api/v1/compliance?year=2027", headers={"Authorization": f"Bearer {token}"})
        assert client.get("/api/v1/compliance", headers={"Authorization": f"Bearer {token}"}).get_json() \
            == answer_.get_json()  # this year by default
    assert answer_.status_code == 200
    report = answer_.get_json()
    fixed = report["fixed_meetings"]
    assert (fixed["required"], fixed["held"], fixed["planned"]) == (2, 1, 1)
    assert [(m["date"], m["status"]) for m in fixed["meetings"]] == [("2027-03-02", "held"), ("2027-09-07", "planned")]
    assert report["meeting_requests"] == [
        {"reference": "MO-2027-0001", "requested_on": "2027-03-01", "deadline": "2027-03-22",
         "meeting_on": "2027-03-08", "meeting_status": "held", "days_taken": 7, "within_deadline": True,
         "open": False, "notice": "kept", "met": True},
        {"reference": "MO-2027-0002", "requested_on": "2027-06-01", "deadline": "2027-06-22",
         "meeting_on": None, "meeting_status": None, "days_taken": None, "within_deadline": False, "open": True,
         "notice": None, "met": False},
        {"reference": "MO-2027-0003", "requested_on": "2027-12-20", "deadline": "2028-01-10",
         "meeting_on": "2028-01-04", "meeting_status": "planned", "days_taken": 15, "within_deadline": True,
         "open": True, "notice": "kept", "met": True},
    ]
    assert report["deadlines"] == [
        {"case_type": "complaint", "kind": "acknowledge", "total": 1, "met": 1, "missed": 0, "pending": 0,
         "escalated": 0},
        {"case_type": "complaint", "kind": "resolve", "total": 1, "met": 0, "missed": 1, "pending": 0,
         "escalated": 1},
    ]


def test_the_page_shows_the_same_without_personal_data(client, year_2027):
    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        page = client.get("/samsvar/2027")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="nb">' in html
    assert "Samsvar med samhandlingsavtalen 2027" in html
    assert "<strong>1 holdt</strong> og <strong>1 planlagt</strong>" in html
    assert "skal holdes senest 21 dager etter innkallingen, med minst\n  5 arbeidsdagers varsel" in html
    assert all(reference in html for reference in ("MO-2027-0001", "MO-2027-0002", "MO-2027-0003"))
    text = re.sub(r"<[^>]+>", " ", html)
    assert "@" not in text and "Kari" not in text and "Erverv i Prestvannet" not in text  # no names, no topics
    assert "KL-2027-0001" not in html  # complaints only as counts


def test_a_year_without_anything(client, token):
    page = client.get("/samsvar/2031")
    assert page.status_code == 200 and "Ingen faste møter er booket for 2031." in page.get_data(as_text=True)
    assert client.get("/samsvar/1999").status_code == 404
    answer_ = client.get("/api/v1/compliance?year=1999", headers={"Authorization": f"Bearer {token}"})
    assert answer_.status_code == 422
    assert client.get("/api/v1/compliance?year=2027").status_code == 401


def _link(session, case_id: int, meeting: Meeting) -> None:
    from services.scheduler.booking import add_to_agenda

    case = session.get_one(Case, case_id)
    add_to_agenda(session, meeting, "Erverv i Prestvannet", "request", case_id)
    case.details = {**case.details, "meeting": {"id": meeting.id, "starts_at": meeting.starts_at.isoformat()}}


def test_a_meeting_without_the_minimum_notice_does_not_meet_a_request(client, sessions, tokens):
    """Held within 21 days is not enough: the meeting must have kept the notice, or both parties agreed."""
    from services.scheduler.booking import BookingRules, try_book

    rules = BookingRules()
    short = request(sessions, dt.date(2027, 3, 1))  # MO-2027-0001: booked the next day for 3 March
    with unit_of_work(sessions) as session:
        meeting = try_book(session, dt.date(2027, 3, 3), kind="requested", title="Etter ønske", rules=rules,
                           tz_name="Europe/Oslo", now=dt.datetime(2027, 3, 2, 10, 0, tzinfo=OSLO))
        _link(session, short, meeting)
        meeting.status = "held"
    kept = request(sessions, dt.date(2027, 4, 5))  # MO-2027-0002: booked at once, held 12 April
    agreed = request(sessions, dt.date(2027, 5, 3))  # MO-2027-0003: moved at short notice, with agreement
    with time_machine.travel(dt.datetime(2027, 4, 5, 12, 0, tzinfo=OSLO), tick=False):
        assert answer(sessions, kept) == "booked"
    with time_machine.travel(dt.datetime(2027, 5, 3, 12, 0, tzinfo=OSLO), tick=False):
        assert answer(sessions, agreed) == "booked"
    with time_machine.travel(dt.datetime(2027, 5, 5, 8, 0, tzinfo=OSLO), tick=False):
        with sessions() as session:
            meeting_id = session.get_one(Case, agreed).details["meeting"]["id"]
        moved = client.patch(f"/api/v1/meetings/{meeting_id}", headers=auth(tokens["association"]),
                             json={"starts_at": "2027-05-07T10:00:00+02:00",
                                   "agreed_by": "kari.johansen@kommune.example"})
        assert moved.status_code == 200, moved.get_json()
    with unit_of_work(sessions) as session:
        session.execute(update(Meeting).where(Meeting.status == "planned").values(status="held"))

    with time_machine.travel(NEW_YEARS_EVE, tick=False):
        report = client.get("/api/v1/compliance?year=2027", headers=auth(tokens["system"]))
        page = client.get("/samsvar/2027").get_data(as_text=True)
    rows = {row["reference"]: row for row in report.get_json()["meeting_requests"]}
    assert [(r["meeting_on"], r["within_deadline"], r["notice"], r["met"]) for r in rows.values()] == [
        ("2027-03-03", True, "short", False),
        ("2027-04-12", True, "kept", True),
        ("2027-05-07", True, "agreed", True),
    ]
    cells = {ref: re.sub(r"<[^>]+>", " ", row) for ref, row in
             re.findall(r'<th scope="row">(MO-2027-\d{4})</th>(.*?)</tr>', page, re.S)}
    # The last three columns: within 21 days, notice kept, met.
    assert " ".join(cells["MO-2027-0001"].split()[-3:]) == "Ja Nei Nei"
    assert " ".join(cells["MO-2027-0003"].split()[-5:]) == "Ja Kortere, etter avtale Ja"
    assert "kari" not in page.lower()  # who agreed stays behind the API


def test_the_boards_limit_on_an_acquisition_is_not_a_deadline_of_the_parties(client, sessions, tokens):
    """A board that lets its 20 days run out (approval deemed given) is no missed deadline of the
    municipality or the association: the report counts the agreement's own deadlines only."""
    from tests.unit.test_board_approval import at, notify

    notify(client, tokens)
    fire_due(sessions, at("2027-03-25"))
    report = client.get("/api/v1/compliance?year=2027", headers=auth(tokens["system"])).get_json()
    kinds = {(row["case_type"], row["kind"]) for row in report["deadlines"]}
    assert ("acquisition", "board_approval") not in kinds
