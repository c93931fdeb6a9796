"""Norwegian working days: public holidays 2026–28, deadlines, reminders, meeting days."""
from __future__ import annotations

import datetime as dt
import sys
import threading
from zoneinfo import ZoneInfo

import holidays
import pytest
from dateutil.easter import easter
from hypothesis import given, strategies as st

from shared.workdays import (
    add_working_days,
    deadline_at,
    holiday_name,
    is_christmas_break,
    is_meeting_day,
    is_public_holiday,
    is_summer_holiday_week,
    is_working_day,
    next_working_day,
    previous_working_day,
    received_on,
    reminder_at,
    working_days_between,
)

OSLO = ZoneInfo("Europe/Oslo")
D = dt.date

# Every Norwegian public holiday of 2026–2028, written out by hand (Easter Sunday 2026-04-05,
# 2027-03-28, 2028-04-16), with a word its Norwegian name must contain.
PUBLIC_HOLIDAYS = [
    (D(2026, 1, 1), "nyttårsdag"),
    (D(2026, 4, 2), "Skjærtorsdag"),
    (D(2026, 4, 3), "Langfredag"),
    (D(2026, 4, 5), "påskedag"),
    (D(2026, 4, 6), "Andre påskedag"),
    (D(2026, 5, 1), "Arbeidernes dag"),
    (D(2026, 5, 14), "Kristi himmelfartsdag"),
    (D(2026, 5, 17), "Grunnlovsdag"),
    (D(2026, 5, 24), "pinsedag"),
    (D(2026, 5, 25), "Andre pinsedag"),
    (D(2026, 12, 25), "Første juledag"),
    (D(2026, 12, 26), "Andre juledag"),
    (D(2027, 1, 1), "nyttårsdag"),
    (D(2027, 3, 25), "Skjærtorsdag"),
    (D(2027, 3, 26), "Langfredag"),
    (D(2027, 3, 28), "påskedag"),
    (D(2027, 3, 29), "Andre påskedag"),
    (D(2027, 5, 1), "Arbeidernes dag"),
    (D(2027, 5, 6), "Kristi himmelfartsdag"),
    (D(2027, 5, 16), "pinsedag"),
    (D(2027, 5, 17), "Grunnlovsdag"),
    (D(2027, 5, 17), "Andre pinsedag"),  # Whit Monday falls on Constitution Day in 2027
    (D(2027, 12, 25), "Første juledag"),
    (D(2027, 12, 26), "Andre juledag"),
    (D(2028, 1, 1), "nyttårsdag"),
    (D(2028, 4, 13), "Skjærtorsdag"),
    (D(2028, 4, 14), "Langfredag"),
    (D(2028, 4, 16), "påskedag"),
    (D(2028, 4, 17), "Andre påskedag"),
    (D(2028, 5, 1), "Arbeidernes dag"),
    (D(2028, 5, 17), "Grunnlovsdag"),
    (D(2028, 5, 25), "Kristi himmelfartsdag"),
    (D(2028, 6, 4), "pinsedag"),
    (D(2028, 6, 5), "Andre pinsedag"),
    (D(2028, 12, 25), "Første juledag"),
    (D(2028, 12, 26), "Andre juledag"),
]


def _days(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _oslo(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=OSLO)


@pytest.mark.parametrize(("day", "name"), PUBLIC_HOLIDAYS)
def test_every_public_holiday_is_named_and_not_a_working_day(day, name):
    assert is_public_holiday(day)
    assert name in holiday_name(day)
    assert not is_working_day(day)


def test_the_table_is_the_whole_list_for_2026_to_2028():
    listed = {day for day, _ in PUBLIC_HOLIDAYS}
    found = {day for day in _days(D(2026, 1, 1), D(2028, 12, 31)) if is_public_holiday(day)}
    assert found == listed


def test_plain_sundays_are_weekend_not_public_holidays():
    sunday = D(2027, 3, 21)
    assert holiday_name(sunday) is None
    assert not is_public_holiday(sunday)
    assert not is_working_day(sunday)


@pytest.mark.parametrize(
    "day",
    [D(2026, 12, 24), D(2026, 12, 31), D(2027, 12, 24), D(2027, 12, 31),
     D(2029, 12, 24), D(2029, 12, 31)],
)
def test_christmas_eve_and_new_years_eve_are_working_days_on_weekdays(day):
    assert day.weekday() < 5
    assert not is_public_holiday(day)
    assert is_working_day(day)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Easter 2027: Maundy Thursday 25.3, Good Friday 26.3, weekend, Easter Monday 29.3
        (D(2027, 3, 24), 1, D(2027, 3, 30)),
        (D(2027, 3, 24), 2, D(2027, 3, 31)),
        (D(2027, 3, 24), 20, D(2027, 4, 26)),
        (D(2027, 3, 25), 0, D(2027, 3, 30)),  # counted on Maundy Thursday itself
        (D(2027, 3, 25), 2, D(2027, 3, 31)),
        (D(2027, 3, 25), 20, D(2027, 4, 26)),
        (D(2027, 3, 1), 20, D(2027, 4, 1)),  # 20 days reaching over Easter
        # Ascension Thursday 2027-05-06
        (D(2027, 5, 5), 1, D(2027, 5, 7)),
        # Constitution Day and Whit Monday, both Monday 2027-05-17
        (D(2027, 5, 14), 1, D(2027, 5, 18)),
        (D(2027, 5, 14), 2, D(2027, 5, 19)),
        # Christmas 2026: 24.12 is a working Thursday, 25–26 Friday–Saturday
        (D(2026, 12, 23), 1, D(2026, 12, 24)),
        (D(2026, 12, 23), 2, D(2026, 12, 28)),
        (D(2026, 12, 31), 1, D(2027, 1, 4)),
        # Christmas 2027 falls on the weekend: no substitute days in Norway
        (D(2027, 12, 23), 1, D(2027, 12, 24)),
        (D(2027, 12, 23), 2, D(2027, 12, 27)),
        (D(2027, 12, 31), 1, D(2028, 1, 3)),
        # a weekend start: Saturday + 0 and + 1 both land on Monday
        (D(2027, 4, 10), 0, D(2027, 4, 12)),
        (D(2027, 4, 10), 1, D(2027, 4, 12)),
        (D(2027, 4, 12), 0, D(2027, 4, 12)),
    ],
)
def test_add_working_days(start, n, expected):
    result = add_working_days(start, n)
    assert result == expected
    assert is_working_day(result)


def test_negative_working_days_are_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2027, 3, 24), -1)


def test_a_datetime_is_refused_where_a_date_is_meant():
    with pytest.raises(TypeError):
        is_working_day(dt.datetime(2027, 3, 25, 12, 0))


def test_working_days_between():
    assert working_days_between(D(2027, 3, 24), D(2027, 3, 31)) == 2
    assert working_days_between(D(2027, 3, 24), D(2027, 4, 26)) == 20
    assert working_days_between(D(2027, 3, 31), D(2027, 3, 24)) == 0
    assert working_days_between(D(2027, 3, 24), D(2027, 3, 24)) == 0


def test_next_and_previous_working_day_around_easter_2027():
    assert next_working_day(D(2027, 3, 25)) == D(2027, 3, 30)
    assert previous_working_day(D(2027, 3, 29)) == D(2027, 3, 24)
    assert next_working_day(D(2027, 3, 24)) == D(2027, 3, 24)
    assert previous_working_day(D(2027, 3, 24)) == D(2027, 3, 24)


def test_a_complaint_received_before_easter_2027():
    start = _oslo(2027, 3, 24, 9, 30)
    acknowledge = deadline_at(start, 2)
    resolve = deadline_at(start, 20)
    assert acknowledge == _oslo(2027, 3, 31, 16, 0)
    assert resolve == _oslo(2027, 4, 26, 16, 0)
    assert reminder_at(start, resolve) == _oslo(2027, 4, 19, 16, 0)  # after 15 of 20
    assert reminder_at(start, acknowledge) == _oslo(2027, 3, 30, 16, 0)  # after 1 of 2
    assert resolve.tzinfo == dt.UTC


def test_a_deadline_counted_on_maundy_thursday():
    # A holiday: received Tuesday 30 March (after Easter Monday), which is not counted.
    start = _oslo(2027, 3, 25, 11, 0)
    assert deadline_at(start, 2) == _oslo(2027, 4, 1, 16, 0)


def test_the_local_date_counts_not_the_utc_date():
    just_after_midnight_in_oslo = dt.datetime(2027, 3, 23, 23, 30, tzinfo=dt.UTC)
    assert deadline_at(just_after_midnight_in_oslo, 2) == _oslo(2027, 3, 31, 16, 0)


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError):
        deadline_at(dt.datetime(2027, 3, 24, 9, 30), 2)


@pytest.mark.parametrize(
    ("start", "due_date"),
    [
        # Good Friday, received Tuesday 30 March; summer time starts Sunday 28 March.
        (_oslo(2027, 3, 26, 10, 0), D(2027, 4, 1)),
        (_oslo(2027, 10, 29, 10, 0), D(2027, 11, 2)),  # summer time ends Sunday 31 October
    ],
)
def test_deadlines_stay_at_16_local_across_daylight_saving_changes(start, due_date):
    deadline = deadline_at(start, 2)
    local = deadline.astimezone(OSLO)
    assert (local.date(), local.time()) == (due_date, dt.time(16, 0))
    assert local.utcoffset() != start.utcoffset()


@pytest.mark.parametrize(
    ("arrived", "received"),
    [
        (_oslo(2026, 12, 4, 15, 59), D(2026, 12, 4)),  # Friday, a minute before closing
        (_oslo(2026, 12, 4, 16, 0), D(2026, 12, 7)),  # Friday at closing: Monday
        (_oslo(2026, 12, 5, 11, 0), D(2026, 12, 7)),  # Saturday: Monday
        (_oslo(2027, 5, 17, 9, 0), D(2027, 5, 18)),  # Constitution Day, a Monday: Tuesday
        (_oslo(2027, 3, 24, 17, 0), D(2027, 3, 30)),  # Wednesday evening before Easter: Tuesday after
        (dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.UTC), D(2026, 12, 7)),  # 16:30 in Oslo
    ],
)
def test_what_arrives_after_closing_or_on_a_day_off_counts_from_the_next_working_day(arrived, received):
    assert received_on(arrived) == received
    assert deadline_at(arrived, 2).astimezone(OSLO).date() == add_working_days(received, 2)


def test_reminder_after_closing_comes_on_the_received_day_not_before():
    friday_evening = _oslo(2026, 12, 4, 17, 0)
    deadline = deadline_at(friday_evening, 1)
    assert deadline == _oslo(2026, 12, 8, 16, 0)  # Tuesday
    assert reminder_at(friday_evening, deadline) == _oslo(2026, 12, 7, 16, 0)  # Monday


def test_reminder_for_a_one_day_deadline_comes_the_evening_before():
    start = _oslo(2027, 3, 23, 10, 0)
    deadline = deadline_at(start, 1)
    assert deadline == _oslo(2027, 3, 24, 16, 0)
    assert reminder_at(start, deadline) == _oslo(2027, 3, 23, 16, 0)


@pytest.mark.parametrize("n", [2, 3, 5, 20])
def test_reminders_fall_strictly_between_start_and_deadline(n):
    start = _oslo(2027, 3, 24, 9, 30)
    deadline = deadline_at(start, n)
    reminder = reminder_at(start, deadline)
    assert start < reminder < deadline
    assert is_working_day(reminder.astimezone(OSLO).date())


@pytest.mark.parametrize("n", [2, 20])
def test_deadlines_never_fall_on_a_non_working_day(n):
    for day in _days(D(2026, 1, 1), D(2028, 12, 31)):
        local = deadline_at(_oslo(day.year, day.month, day.day, 12, 0), n).astimezone(OSLO)
        assert is_working_day(local.date())
        assert local.time() == dt.time(16, 0)


def test_summer_holiday_weeks_28_to_31():
    assert not is_summer_holiday_week(D(2027, 7, 9))  # Friday, week 27
    assert is_summer_holiday_week(D(2027, 7, 12))  # Monday, week 28
    assert is_summer_holiday_week(D(2027, 8, 6))  # Friday, week 31
    assert not is_summer_holiday_week(D(2027, 8, 9))  # Monday, week 32


def test_christmas_break_22_december_to_3_january():
    assert not is_christmas_break(D(2027, 12, 21))
    assert is_christmas_break(D(2027, 12, 22))
    assert is_christmas_break(D(2028, 1, 3))
    assert not is_christmas_break(D(2028, 1, 4))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2027, 7, 9), True),
        (D(2027, 7, 12), False),  # summer holiday week
        (D(2027, 12, 21), True),
        (D(2027, 12, 24), False),  # a working day, but inside the Christmas break
        (D(2028, 1, 3), False),
        (D(2028, 1, 4), True),
        (D(2027, 5, 6), False),  # Ascension Day
        (D(2027, 5, 8), False),  # Saturday
    ],
)
def test_meeting_days(day, expected):
    assert is_meeting_day(day) is expected


@given(
    start=st.dates(min_value=D(2026, 1, 1), max_value=D(2030, 12, 31)),
    n=st.integers(min_value=0, max_value=40),
)
def test_add_working_days_lands_on_the_nth_working_day(start, n):
    result = add_working_days(start, n)
    assert is_working_day(result)
    assert result >= start
    if n > 0:
        assert working_days_between(start, result) == n
        assert working_days_between(start, result - dt.timedelta(days=1)) == n - 1
    else:
        assert result == next_working_day(start)


# The holidays package's own calendar and working-day API ------------------------------------------

NORWAY = holidays.country_holidays("NO", language="no", include_sundays=False)


def test_every_day_agrees_with_the_holidays_packages_norway_calendar():
    for day in _days(D(2026, 1, 1), D(2030, 12, 31)):
        assert holiday_name(day) == NORWAY.get(day), day
        assert is_working_day(day) == NORWAY.is_working_day(day), day


@given(
    start=st.dates(min_value=D(2026, 1, 1), max_value=D(2030, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_counting_is_the_packages_working_day_arithmetic(start, n):
    """"n working days after start" is the package's n-th working day; start itself is not counted."""
    assert add_working_days(start, n) == NORWAY.get_nth_working_day(start, n)
    end = start + dt.timedelta(days=n)
    assert working_days_between(start, end) == NORWAY.get_working_days_count(start, end) - (
        1 if NORWAY.is_working_day(start) else 0)


def test_a_year_first_asked_for_by_many_threads_at_once_is_answered_alike():
    # The package fills a year the first time a date asks for it; no thread may see it half filled.
    easter_mondays = [easter(year) + dt.timedelta(days=1) for year in range(2070, 2100)]
    barrier = threading.Barrier(8)
    answers: list[list[bool]] = []

    def ask() -> None:
        barrier.wait()
        answers.append([is_working_day(day) for day in easter_mondays])

    threads = [threading.Thread(target=ask) for _ in range(8)]
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, so a half-filled year would be seen
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch_interval)
    assert answers == [[False] * len(easter_mondays)] * 8
