"""Dates and times as Norwegian (bokmål) readers expect them, from Babel's CLDR data for `nb`.

The patterns are spelled out rather than taken from CLDR's named lengths, so a new CLDR release
cannot change what users and tests see: "07.12.2026" (nb's short date), "7. desember 2026" (long),
"mandag 7. desember 2026" (full), and "kl. 16.00" with a full stop between hours and minutes, as
Språkrådet recommends (CLDR's nb time uses a colon). Month and weekday names come from Babel.
"""
from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time

DATE = "dd.MM.y"  # 07.12.2026
WRITTEN_DATE = "d. MMMM y"  # 7. desember 2026
LONG_DATE = "EEEE d. MMMM y"  # mandag 7. desember 2026
TIME = "HH.mm"  # 16.00
WEEKDAY = "EEEE"  # mandag


@cache
def _nb() -> Locale:
    return Locale.parse("nb")


def _date(day: dt.date, pattern: str) -> str:
    # A datetime is a date too: formatting one as a date would silently drop its zone.
    if isinstance(day, dt.datetime):
        raise TypeError("expected a date, got a datetime; take its local .date() first")
    return format_date(day, pattern, locale=_nb())


def _local(instant: dt.datetime, tz_name: str | None) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("expected an aware datetime")
    return instant.astimezone(ZoneInfo(tz_name)) if tz_name else instant


def date_nb(day: dt.date) -> str:
    """07.12.2026"""
    return _date(day, DATE)


def written_date_nb(day: dt.date) -> str:
    """7. desember 2026"""
    return _date(day, WRITTEN_DATE)


def day_month_nb(month: int, day: int) -> str:
    """1. mars: a day of every year, as the handbook's meeting windows give it."""
    return _date(dt.date(2001, month, day), "d. MMMM")  # 2001: not a leap year


def long_date_nb(day: dt.date) -> str:
    """mandag 7. desember 2026"""
    return _date(day, LONG_DATE)


def weekday_nb(day: dt.date) -> str:
    """mandag"""
    return _date(day, WEEKDAY)


def time_nb(time: dt.time) -> str:
    """16.00"""
    return format_time(time, TIME, locale=_nb())


def datetime_nb(instant: dt.datetime, tz_name: str | None = None) -> str:
    """07.12.2026 kl. 16.00, in `tz_name`'s local time (or the instant's own zone)."""
    local = _local(instant, tz_name)
    return f"{date_nb(local.date())} kl. {time_nb(local.time())}"


def written_datetime_nb(instant: dt.datetime, tz_name: str | None = None) -> str:
    """5. januar 2026 kl. 09.30, in `tz_name`'s local time (or the instant's own zone)."""
    local = _local(instant, tz_name)
    return f"{written_date_nb(local.date())} kl. {time_nb(local.time())}"
