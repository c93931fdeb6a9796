"""The Norwegian working-day calendar behind case deadlines and meeting booking (SPEC §5).

Choices, so the reader does not have to rediscover them:

- A working day is Monday–Friday and not a Norwegian public holiday. The `holidays` package's
  Norway calendar (Norwegian names) answers every question about working days, with its own
  working-day arithmetic. It is built with `include_sundays=False`: the package can list every
  Sunday as a holiday ("Søndag"), but a plain Sunday is weekend, not a public holiday.
- Christmas Eve (24 Dec) and New Year's Eve (31 Dec) are *not* public holidays in Norway, so they
  stay working days here even though many offices close early. Meetings avoid them anyway, because
  they fall inside the Christmas break (22 Dec–3 Jan).
- Counting starts the day after the start date: "n working days after start" never counts start.
- Something that arrives after closing (16:00 local) or on a non-working day counts as received on
  the next working day, as public offices count it; deadlines count from that day (`received_on`).
- A deadline is the end of the working day (16:00 local by default) on its date. It is built from a
  local date and a local wall-clock time with zoneinfo, so a DST change in between cannot move it
  off 16:00; it is returned in UTC, like every stored instant.
- A reminder sits at ceil(fraction × n) of the n working days, at the deadline's closing time; see
  `reminder_at` for the edge cases.
"""
from __future__ import annotations

import datetime as dt
import math
import threading
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from .calendar import local_instant

OSLO = "Europe/Oslo"
CLOSING_TIME = dt.time(16, 0)
SUMMER_HOLIDAY_WEEKS = range(28, 32)  # ISO weeks 28–31, the common summer holiday
_ONE_DAY = dt.timedelta(days=1)


# One calendar for the process, expanded by the package a year at a time as dates ask for it. The
# expansion is not thread-safe (a second thread could look at a year while the first fills it), so
# every question goes through the lock; each takes microseconds.
_CALENDAR_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _calendar() -> holidays.HolidayBase:
    """Norway's public holidays, Norwegian names; plain Sundays are weekend, not listed."""
    return holidays.country_holidays("NO", language="no", include_sundays=False)


def _plain_date(day: dt.date) -> dt.date:
    # A datetime is a date too, but never equal to one: it would silently match no holiday.
    if isinstance(day, dt.datetime):
        raise TypeError("expected a date, got a datetime; take its local .date() first")
    return day


def holiday_name(day: dt.date) -> str | None:
    """The public holiday's Norwegian name ("Andre påskedag"), or None on any other day."""
    day = _plain_date(day)
    with _CALENDAR_LOCK:
        return _calendar().get(day)


def is_public_holiday(day: dt.date) -> bool:
    return holiday_name(day) is not None


def is_working_day(day: dt.date) -> bool:
    """Monday–Friday and not a public holiday; 24 and 31 December are working days."""
    day = _plain_date(day)
    with _CALENDAR_LOCK:
        return _calendar().is_working_day(day)


def next_working_day(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the first working day after it."""
    return add_working_days(day, 0)


def previous_working_day(day: dt.date) -> dt.date:
    """`day` itself if it is a working day, else the last working day before it."""
    if is_working_day(day):
        return day
    with _CALENDAR_LOCK:
        return _calendar().get_nth_working_day(day, -1)


# The two questions deadlines ask, kept: the package answers them a day at a time (a 20-day
# deadline is some 30 lookups), and every case submitted on the same day asks the same ones. The
# calendar does not change while the process runs, so a kept answer stays true.
@lru_cache(maxsize=4096)
def add_working_days(start: dt.date, n: int) -> dt.date:
    """The n-th working day after `start` (start not counted); n=0 gives next_working_day(start)."""
    if n < 0:
        raise ValueError(f"n must be 0 or more, got {n}")
    start = _plain_date(start)
    with _CALENDAR_LOCK:
        return _calendar().get_nth_working_day(start, n)


@lru_cache(maxsize=4096)
def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end`; 0 when end <= start."""
    if _plain_date(end) <= _plain_date(start):
        return 0
    with _CALENDAR_LOCK:
        return _calendar().get_working_days_count(start + _ONE_DAY, end)


def _local(instant: dt.datetime, tz_name: str) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("expected an aware datetime")
    return instant.astimezone(ZoneInfo(tz_name))


def received_on(instant: dt.datetime, tz_name: str = OSLO, closing: dt.time = CLOSING_TIME) -> dt.date:
    """The working day something arriving at `instant` counts as received.

    Its own local date when that is a working day and it came before closing; otherwise the next
    working day (Friday 16:30 and Saturday both count as Monday).
    """
    local = _local(instant, tz_name)
    if is_working_day(local.date()) and local.time() < closing:
        return local.date()
    return next_working_day(local.date() + _ONE_DAY)


def _local_date(instant: dt.datetime, tz_name: str) -> dt.date:
    return _local(instant, tz_name).date()


def deadline_at(
    start: dt.datetime,
    n_working_days: int,
    tz_name: str = OSLO,
    closing: dt.time = CLOSING_TIME,
) -> dt.datetime:
    """Closing time (local) on the n-th working day after the day start counts as received, in UTC.

    The received day itself is not counted (see `received_on`); with n=0 the deadline is closing
    time on that day, so never before `start`.
    """
    due = add_working_days(received_on(start, tz_name, closing), n_working_days)
    return local_instant(due, closing, tz_name)


def reminder_at(
    start: dt.datetime,
    deadline: dt.datetime,
    fraction: float = 0.75,
    tz_name: str = OSLO,
) -> dt.datetime:
    """When to remind: `fraction` of the way to the deadline, counted in working days, in UTC.

    With n working days from the day start counts as received (`received_on`, at the deadline's
    closing time) to the deadline's local date, the reminder comes at the deadline's local closing
    time on the working day k = ceil(fraction × n) after that day, where for n >= 2 k is kept
    within 1..n-1 so it is strictly before the deadline (20 → 15, 2 → 1). For n = 1 the reminder
    is at closing time on the received day (k = 0), a working day ahead; for n = 0 it is the
    deadline itself. It is never earlier than `start`.
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be within 0..1, got {fraction}")
    closing = _local(deadline, tz_name).time()
    first, last = received_on(start, tz_name, closing), _local_date(deadline, tz_name)
    n = working_days_between(first, last)
    if n == 0:
        return deadline.astimezone(dt.UTC)
    k = math.ceil(round(fraction * n, 9))  # round: 0.7 * 10 must be 7, not 7.000000000000001
    k = min(max(k, 1), n - 1) if n >= 2 else 0
    reminder = local_instant(add_working_days(first, k), closing, tz_name)
    return max(reminder, start.astimezone(dt.UTC))


def is_summer_holiday_week(day: dt.date) -> bool:
    """ISO weeks 28–31, the common summer holiday."""
    return day.isocalendar().week in SUMMER_HOLIDAY_WEEKS


def is_christmas_break(day: dt.date) -> bool:
    """22 December to 3 January inclusive."""
    return (day.month == 12 and day.day >= 22) or (day.month == 1 and day.day <= 3)


def is_meeting_day(day: dt.date) -> bool:
    """A day an annual meeting may be held: a working day outside both holiday periods."""
    return is_working_day(day) and not is_summer_holiday_week(day) and not is_christmas_break(day)
