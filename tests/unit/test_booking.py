"""Booking meeting requests on real calendars: Easter, summer, Christmas, full, joined, DST."""
from __future__ import annotations

import datetime as dt
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from sqlalchemy import func, select

from services.intake.cases import open_case
from services.scheduler.booking import BookingRules, request_window, try_book
from services.scheduler.meeting_requests import answer_meeting_request
from shared.agreement import MINIMUM_NOTICE_DAYS
from shared.db import make_sessionmaker, unit_of_work
from shared.models import AgendaItem, Case, Meeting, OutboxEvent
from shared.workdays import is_meeting_day, working_days_between
from tests.support.database import at_once

OSLO = ZoneInfo("Europe/Oslo")
RULES = BookingRules()


def requested_at(on: dt.date) -> dt.datetime:
    return dt.datetime.combine(on, dt.time(9, 0), tzinfo=OSLO)


def request(sessions, on: dt.date, topics=("Erverv i Prestvannet",)) -> int:
    at = requested_at(on)
    with unit_of_work(sessions) as session:
        case = open_case(session, "meeting_request", actor="kari.johansen@kommune.example", now=at,
                         tz_name="Europe/Oslo", description="Vi trenger et møte.",
                         created_by="kari.johansen@kommune.example",
                         details={"party": "municipality", "topics": list(topics)})
        return case.id


def answer(sessions, case_id: int) -> str:
    with unit_of_work(sessions) as session:
        return answer_meeting_request(session, case_id, now=dt.datetime.now(dt.UTC),
                                      tz_name="Europe/Oslo")


def booked(sessions) -> list[Meeting]:
    with sessions() as session:
        return list(session.execute(select(Meeting).order_by(Meeting.starts_at)).scalars())


@pytest.mark.parametrize(("requested", "outcome", "meeting_day"), [
    (dt.date(2027, 3, 26), "booked", dt.date(2027, 4, 5)),   # Friday before Easter: Easter Monday skipped
    (dt.date(2027, 7, 2), "booked", dt.date(2027, 7, 9)),    # week 27 is still before the summer weeks
    (dt.date(2026, 7, 2), "no_slot", None),                  # notice ends in week 28: summer to the deadline
    (dt.date(2026, 12, 18), "booked", dt.date(2027, 1, 4)),  # 22 Dec–3 Jan is no meeting time
    (dt.date(2027, 3, 19), "booked", dt.date(2027, 3, 31)),  # across the DST change (and Easter)
])
def test_booking_table(sessions, requested, outcome, meeting_day):
    case_id = request(sessions, requested)
    assert answer(sessions, case_id) == outcome
    meetings = booked(sessions)
    if meeting_day is None:
        assert meetings == []
        return
    (meeting,) = meetings
    local = meeting.starts_at.astimezone(OSLO)
    assert (local.date(), local.time()) == (meeting_day, dt.time(10, 0))
    assert local.date() <= requested + dt.timedelta(days=21)
    with sessions() as session:
        assert [i.title for i in session.execute(select(AgendaItem)).scalars()] == ["Erverv i Prestvannet"]
        details = session.get_one(Case, case_id).details
    assert details["meeting"]["id"] == meeting.id


def test_a_fixed_meeting_in_the_window_gets_the_topics(sessions):
    with unit_of_work(sessions) as session:  # the spring meeting, booked long ago
        try_book(session, dt.date(2027, 3, 10), kind="annual", title="Vårmøte", rules=RULES,
                 tz_name="Europe/Oslo", now=dt.datetime.now(dt.UTC))
    first = request(sessions, dt.date(2027, 3, 1), topics=("Framleie i Stakkevollan",))
    second = request(sessions, dt.date(2027, 3, 2), topics=("Klager i Breivang",))
    assert (answer(sessions, first), answer(sessions, second)) == ("joined", "joined")
    (meeting,) = booked(sessions)
    assert meeting.held_on == dt.date(2027, 3, 10)
    assert meeting.sequence == 2  # members get an updated invitation each time
    with sessions() as session:
        titles = session.execute(select(AgendaItem.title).order_by(AgendaItem.position)).scalars().all()
        invitations = session.execute(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.event_type == "MeetingScheduled")).scalar_one()
    assert titles == ["Framleie i Stakkevollan", "Klager i Breivang"]
    assert invitations == 2


def test_a_full_calendar_alerts_the_leaders_and_keeps_the_request_open(sessions):
    requested = dt.date(2027, 9, 6)
    first, last = request_window(requested_at(requested), "Europe/Oslo")
    with unit_of_work(sessions) as session:
        day = first
        while day <= last:
            if is_meeting_day(day):
                try_book(session, day, kind="annual", title="Opptatt", rules=RULES, tz_name="Europe/Oslo",
                         now=dt.datetime.now(dt.UTC))
                session.execute(Meeting.__table__.update().where(Meeting.held_on == day).values(status="held"))
            day += dt.timedelta(days=1)
    case_id = request(sessions, requested)
    assert answer(sessions, case_id) == "no_slot"
    with sessions() as session:
        case = session.get_one(Case, case_id)
        answered = session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "MeetingRequestAnswered")).scalars().all()
    assert case.status == "received" and case.details["outcome"] == "no_slot"  # still open
    assert answered[-1]["outcome"] == "no_slot"


def test_a_redelivered_request_books_nothing_more(sessions):
    case_id = request(sessions, dt.date(2027, 3, 26))
    answer(sessions, case_id)
    answer(sessions, case_id)
    assert len(booked(sessions)) == 1


def test_two_schedulers_at_once_never_book_two_meetings_on_one_day(sessions, base_settings):
    cases = [request(sessions, dt.date(2027, 10, 4), topics=(f"Sak {n}",)) for n in range(4)]
    at_once(base_settings.database_url, [partial(answer, case_id=case_id) for case_id in cases])
    days = [m.held_on for m in booked(sessions) if m.status == "planned"]
    assert len(days) == len(set(days)) >= 1
    with sessions() as session:
        assert all(session.get_one(Case, c).details.get("meeting") for c in cases)


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(requested=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_any_request_with_a_free_calendar_is_booked_by_the_rules(engine, requested):
    from tests.support.database import reset

    reset(engine)
    sessions = make_sessionmaker(engine)
    outcome = answer(sessions, request(sessions, requested))
    first, last = request_window(requested_at(requested), "Europe/Oslo")
    possible = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)
                if is_meeting_day(first + dt.timedelta(days=n))]
    if not possible:
        assert outcome == "no_slot"
        return
    (meeting,) = booked(sessions)
    day = meeting.starts_at.astimezone(OSLO).date()
    assert outcome == "booked" and day == possible[0]
    assert is_meeting_day(day) and day <= requested + dt.timedelta(days=21)
    assert working_days_between(requested, day) >= MINIMUM_NOTICE_DAYS
    assert meeting.starts_at.astimezone(OSLO).time() == dt.time(10, 0)
