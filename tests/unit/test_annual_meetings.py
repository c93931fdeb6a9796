"""The two fixed meetings a year: on the preferred weekday, never on a holiday, never twice."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from services.scheduler.annual import (
    AnnualMeetingRules,
    AnnualWindow,
    book_annual_meetings,
    book_due_annual_meetings,
    years_to_book,
)
from services.scheduler.annual_cli import book_annual_command
from services.scheduler.booking import BookingRules, try_book
from shared.db import unit_of_work
from shared.models import AgendaItem, Meeting, MeetingReminder, OutboxEvent
from shared.workdays import is_meeting_day
from tests.support.database import at_once

OSLO = ZoneInfo("Europe/Oslo")
BOOKED_IN_OCTOBER = dt.datetime(2026, 10, 5, 12, 0, tzinfo=OSLO)


def book(sessions, year=2027, rules=None, now=BOOKED_IN_OCTOBER):
    with unit_of_work(sessions) as session:
        return book_annual_meetings(session, year, now, "Europe/Oslo", rules)


def annual(sessions) -> list[Meeting]:
    with sessions() as session:
        return list(session.execute(
            select(Meeting).where(Meeting.kind == "annual").order_by(Meeting.held_on)).scalars())


def outbox(sessions, event_type: str) -> list[dict]:
    with sessions() as session:
        return list(session.execute(
            select(OutboxEvent.payload).where(OutboxEvent.event_type == event_type)).scalars())


def test_next_years_meetings_on_the_first_free_tuesday_of_each_window(sessions):
    booked = book(sessions)
    assert [(b.slot, b.outcome, b.day) for b in booked] == [
        ("2027-spring", "booked", dt.date(2027, 3, 2)), ("2027-autumn", "booked", dt.date(2027, 9, 7))]
    spring, autumn = annual(sessions)
    for meeting in (spring, autumn):
        local = meeting.starts_at.astimezone(OSLO)
        assert local.time() == dt.time(10, 0) and local.weekday() == 1 and is_meeting_day(local.date())
        assert meeting.ends_at - meeting.starts_at == dt.timedelta(hours=2)
    assert (spring.title, spring.annual_slot) == ("Vårmøte i samarbeidsutvalget 2027", "2027-spring")
    assert [e["meeting_id"] for e in outbox(sessions, "MeetingScheduled")] == [spring.id, autumn.id]
    with sessions() as session:
        reminders = session.execute(select(MeetingReminder.days_before).where(
            MeetingReminder.meeting_id == spring.id).order_by(MeetingReminder.days_before)).scalars().all()
        first_item = session.execute(select(AgendaItem.title).where(AgendaItem.meeting_id == spring.id)).scalar_one()
    assert reminders == [1, 7] and "samarbeidet" in first_item


def test_running_twice_books_nothing_more(sessions):
    book(sessions)
    again = book(sessions)
    assert [b.outcome for b in again] == ["exists", "exists"]
    assert len(annual(sessions)) == 2 and len(outbox(sessions, "MeetingScheduled")) == 2


def test_an_annual_meeting_already_in_the_window_counts(sessions):
    with unit_of_work(sessions) as session:  # booked by hand before the scheduler ran
        try_book(session, dt.date(2027, 4, 14), kind="annual", title="Vårmøte", rules=BookingRules(),
                 tz_name="Europe/Oslo", now=BOOKED_IN_OCTOBER)
    booked = book(sessions)
    assert [(b.outcome, b.day) for b in booked] == [("exists", dt.date(2027, 4, 14)),
                                                   ("booked", dt.date(2027, 9, 7))]


def test_a_moved_fixed_meeting_still_counts_for_its_slot(sessions):
    book(sessions)
    with unit_of_work(sessions) as session:  # the spring meeting moved to June by hand
        session.execute(update(Meeting).where(Meeting.annual_slot == "2027-spring")
                        .values(held_on=dt.date(2027, 6, 8)))
    assert [b.outcome for b in book(sessions)] == ["exists", "exists"]


def test_a_holiday_on_the_preferred_tuesday_moves_it_a_week(sessions):
    # 1 May 2029 is a Tuesday and a public holiday (Arbeidernes dag).
    may = AnnualMeetingRules(windows=(AnnualWindow("spring", "Vårmøte", (5, 1), (5, 31)),))
    (booked,) = book(sessions, 2029, may)
    assert booked.day == dt.date(2029, 5, 8)


def test_ascension_day_on_a_preferred_thursday(sessions):
    # Kristi himmelfartsdag 2027 is Thursday 6 May.
    thursdays = AnnualMeetingRules(windows=(AnnualWindow("spring", "Vårmøte", (5, 6), (5, 31)),), weekday=3)
    (booked,) = book(sessions, 2027, thursdays)
    assert booked.day == dt.date(2027, 5, 13)


def test_a_taken_tuesday_moves_it_to_the_next_one(sessions):
    with unit_of_work(sessions) as session:  # a requested meeting already on 2 March
        try_book(session, dt.date(2027, 3, 2), kind="requested", title="Etter ønske", rules=BookingRules(),
                 tz_name="Europe/Oslo", now=BOOKED_IN_OCTOBER)
    assert book(sessions)[0].day == dt.date(2027, 3, 9)
    days = [m.held_on for m in annual(sessions)]
    assert dt.date(2027, 3, 2) not in days


def test_with_every_tuesday_taken_any_meeting_day_in_the_window(sessions):
    short = AnnualMeetingRules(windows=(AnnualWindow("spring", "Vårmøte", (3, 1), (3, 10)),))
    with unit_of_work(sessions) as session:
        for day in (dt.date(2027, 3, 2), dt.date(2027, 3, 9)):
            try_book(session, day, kind="requested", title="Opptatt", rules=BookingRules(),
                     tz_name="Europe/Oslo", now=BOOKED_IN_OCTOBER)
    (booked,) = book(sessions, 2027, short)
    assert booked.day == dt.date(2027, 3, 1)  # a Monday


def test_beat_leaves_a_cancelled_fixed_meeting_alone_and_a_person_replaces_it(sessions, base_settings, capsys):
    book(sessions)
    with unit_of_work(sessions) as session:
        session.execute(update(Meeting).where(Meeting.annual_slot == "2027-spring").values(status="cancelled"))
    assert [(b.outcome, b.day) for b in book(sessions)] == [("cancelled", dt.date(2027, 3, 2)),
                                                           ("exists", dt.date(2027, 9, 7))]
    assert book_annual_command(["--year", "2027"], base_settings) == 0
    assert "2027-spring: booket 09.03.2027" in capsys.readouterr().out  # not the cancelled day


def test_two_schedulers_at_once_book_each_slot_once(sessions, base_settings):
    at_once(base_settings.database_url, [book] * 4)
    assert [m.annual_slot for m in annual(sessions)] == ["2027-spring", "2027-autumn"]
    assert len(outbox(sessions, "MeetingScheduled")) == 2


def test_beat_books_next_year_from_october_and_what_is_left_of_this_one(sessions):
    assert years_to_book(dt.date(2026, 9, 30)) == [2026]
    assert years_to_book(dt.date(2026, 10, 1)) == [2026, 2027]
    booked = book_due_annual_meetings(sessions, now=BOOKED_IN_OCTOBER, tz_name="Europe/Oslo")
    assert [(b.slot, b.outcome, b.day) for b in booked] == [
        ("2026-spring", "passed", None),
        ("2026-autumn", "booked", dt.date(2026, 10, 13)),  # at least 5 working days' notice
        ("2027-spring", "booked", dt.date(2027, 3, 2)),
        ("2027-autumn", "booked", dt.date(2027, 9, 7)),
    ]


def test_the_beat_task_is_thin(sessions, base_settings):
    import time_machine

    from services.scheduler.main import create_scheduler_app

    task = create_scheduler_app(base_settings).tasks["scheduler.book_annual_meetings"]
    with time_machine.travel(dt.datetime(2027, 12, 1, 9, 0, tzinfo=OSLO), tick=False):
        assert task.run() == ["2027-spring: passed", "2027-autumn: passed",
                              "2028-spring: booked 2028-03-07", "2028-autumn: booked 2028-09-05"]
        assert task.run()[2:] == ["2028-spring: exists 2028-03-07", "2028-autumn: exists 2028-09-05"]


def test_the_command_line(sessions, base_settings, capsys):
    assert book_annual_command(["--year", "2027"], base_settings) == 0
    out = capsys.readouterr().out
    assert "2027-spring: booket 02.03.2027" in out and "2027-autumn: booket 07.09.2027" in out
    assert book_annual_command(["--year", "2027"], base_settings) == 0
    assert "finnes fra før" in capsys.readouterr().out
