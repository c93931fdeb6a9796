"""The agreement's rules, one plain test each (shared/agreement.py; SPEC §1, §5, §8)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from shared import agreement
from shared.agreement import (
    ANNUAL_MEETING_WINDOWS,
    BOARD_APPROVAL_DAYS,
    CLOSED_STATUSES,
    DEADLINE_DAYS,
    FIXED_MEETINGS_PER_YEAR,
    MEETING_HOURS,
    MINIMUM_NOTICE_DAYS,
    OPEN_STATUSES,
    REMINDER_FRACTION,
    earliest_with_notice,
    meeting_deadline,
    notice_kept,
    public_ownership_cap,
    within_meeting_hours,
    within_public_cap,
)
from shared.board_approval import last_day
from shared.handbook import load_handbook
from shared.lifecycle import allowed_actions
from shared.vocabulary import CASE_STATUSES
from shared.workdays import is_meeting_day, working_days_between

OSLO = ZoneInfo("Europe/Oslo")
UTC = dt.UTC


def oslo(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=OSLO)


# Point 6: a requested meeting is held within 3 weeks: 21 calendar days after the local request date.
@pytest.mark.parametrize(("requested_at", "deadline"), [
    (oslo(2027, 3, 3, 9, 0), dt.date(2027, 3, 24)),
    # Across the change to summer time (28 March 2027): still calendar days, no hour lost.
    (oslo(2027, 3, 20, 23, 30), dt.date(2027, 4, 10)),
    # And back to winter time (31 October 2027).
    (oslo(2027, 10, 20, 0, 15), dt.date(2027, 11, 10)),
    # Across the year end.
    (oslo(2026, 12, 20, 10, 0), dt.date(2027, 1, 10)),
    # 23:30 UTC on New Year's Eve is already 1 January in Oslo: the local date counts.
    (dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), dt.date(2027, 1, 22)),
    # 22:30 UTC on 20 March 2027 is 23:30 in Oslo, still the 20th.
    (dt.datetime(2027, 3, 20, 22, 30, tzinfo=UTC), dt.date(2027, 4, 10)),
])
def test_a_requested_meeting_is_due_21_calendar_days_after_the_local_request_date(requested_at, deadline):
    assert meeting_deadline(requested_at, "Europe/Oslo") == deadline
    assert (deadline - requested_at.astimezone(OSLO).date()).days == 21


def test_the_meeting_deadline_needs_an_instant_with_a_zone():
    with pytest.raises(ValueError):
        meeting_deadline(dt.datetime(2027, 3, 3, 9, 0), "Europe/Oslo")


@pytest.mark.parametrize(("announced", "earliest"), [
    (dt.date(2027, 3, 3), dt.date(2027, 3, 10)),   # Wednesday: five working days later
    (dt.date(2027, 3, 6), dt.date(2027, 3, 12)),   # a Saturday counts from Monday
    (dt.date(2027, 3, 24), dt.date(2027, 4, 5)),   # Easter: 25, 26 and 29 March are holidays
])
def test_the_minimum_notice_is_five_working_days(announced, earliest):
    assert MINIMUM_NOTICE_DAYS == 5
    assert earliest_with_notice(announced) == earliest
    assert notice_kept(earliest, announced)
    assert not notice_kept(earliest - dt.timedelta(days=1), announced)


def test_the_minimum_notice_always_leaves_room_before_the_meeting_deadline():
    day = dt.date(2026, 1, 1)
    while day.year < 2029:
        requested_at = dt.datetime.combine(day, dt.time(12, 0), tzinfo=OSLO)
        assert earliest_with_notice(day) < meeting_deadline(requested_at, "Europe/Oslo"), day
        day += dt.timedelta(days=1)


def test_two_fixed_meetings_a_year_one_in_each_window():
    assert FIXED_MEETINGS_PER_YEAR == 2 == len(ANNUAL_MEETING_WINDOWS)
    (spring_first, spring_last), (autumn_first, autumn_last) = (
        ANNUAL_MEETING_WINDOWS["spring"], ANNUAL_MEETING_WINDOWS["autumn"])
    assert spring_first < spring_last < autumn_first < autumn_last  # (month, day), in order, apart
    for year in (2026, 2027, 2028):
        for first, last in ANNUAL_MEETING_WINDOWS.values():
            days = [dt.date(year, *first) + dt.timedelta(days=n)
                    for n in range((dt.date(year, *last) - dt.date(year, *first)).days + 1)]
            assert sum(map(is_meeting_day, days)) >= 20  # plenty of meeting days in every window


@pytest.mark.parametrize(("starts", "ends", "inside"), [
    (dt.time(8, 0), dt.time(10, 0), True),
    (dt.time(14, 0), dt.time(16, 0), True),
    (dt.time(7, 59), dt.time(9, 0), False),
    (dt.time(15, 0), dt.time(16, 1), False),
])
def test_meetings_are_held_in_working_hours(starts, ends, inside):
    assert MEETING_HOURS == (dt.time(8, 0), dt.time(16, 0))
    day = dt.date(2027, 3, 10)
    assert within_meeting_hours(dt.datetime.combine(day, starts, tzinfo=OSLO),
                                dt.datetime.combine(day, ends, tzinfo=OSLO)) is inside


def test_a_meeting_may_not_run_past_midnight():
    assert not within_meeting_hours(oslo(2027, 3, 10, 9, 0), oslo(2027, 3, 11, 9, 0))


@pytest.mark.parametrize(("owned", "homes", "within"), [
    (9, 100, True),    # 9 %
    (10, 100, True),   # 10 %: the limit itself is allowed
    (11, 100, False),  # 11 %
    (9, 95, True),     # 10 % of 95 is 9.5: at most 9
    (10, 95, False),
])
def test_public_owners_may_own_at_most_ten_percent(owned, homes, within):
    assert within_public_cap(owned, homes) is within


@pytest.mark.parametrize(("homes", "cap"), [(0, 1), (1, 1), (5, 1), (19, 1), (20, 2), (100, 10), (250, 25)])
def test_the_cap_is_ten_percent_but_always_at_least_one_home(homes, cap):
    assert public_ownership_cap(homes) == cap
    assert within_public_cap(1, homes)


def test_open_and_closed_statuses_split_the_lifecycle():
    assert set(OPEN_STATUSES) | set(CLOSED_STATUSES) == set(CASE_STATUSES)
    assert not set(OPEN_STATUSES) & set(CLOSED_STATUSES)
    for status in OPEN_STATUSES:  # an open case can still be handed on, and not reopened
        assert "reassign" in allowed_actions(status) and "reopen" not in allowed_actions(status)
    for status in CLOSED_STATUSES:
        assert allowed_actions(status) == ["reopen"]


def test_deadline_defaults_are_the_agreements_and_the_shipped_handbook_says_the_same():
    assert DEADLINE_DAYS == {"complaint": (2, 20), "sublet": (None, 20)}
    assert REMINDER_FRACTION == 0.75
    handbook = load_handbook()
    for case_type, days in DEADLINE_DAYS.items():
        rule = handbook.rule_for(case_type)
        assert (rule.acknowledge_days, rule.resolve_days) == days
        assert rule.reminder_fraction == REMINDER_FRACTION


def test_the_boards_limit_is_twenty_calendar_days():
    assert BOARD_APPROVAL_DAYS == 20
    assert last_day(dt.date(2027, 3, 3)) == dt.date(2027, 3, 23)
    assert last_day(dt.date(2027, 12, 20)) == dt.date(2028, 1, 9)  # holidays count too
    assert working_days_between(dt.date(2027, 12, 20), last_day(dt.date(2027, 12, 20))) < 20


def test_every_rule_is_named_in_the_readme():
    from shared.settings import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    names = agreement.__all__
    assert names
    for name in names:
        assert f"agreement.{name}`" in readme, name
