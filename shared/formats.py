"""Dates and times as bokmål, nynorsk and English readers expect them, from Babel's CLDR data.

The patterns are spelled out rather than taken from CLDR's named lengths, so a new CLDR release
cannot change what users and tests see: "07.12.2026" (nb's short date), "7. desember 2026" (long),
"mandag 7. desember 2026" (full), and "kl. 16.00" with a full stop between hours and minutes, as
Språkrådet recommends (CLDR's nb time uses a colon). Nynorsk writes them the same way with its own
names ("måndag"); English as in Britain, with the month in words so no reader takes 07.12 for
July ("7 Dec 2026", "Monday 7 December 2026 at 16:00"). Month and weekday names come from Babel.
The `_nb` functions are the bokmål ones the staff pages and e-mails use.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time

from shared.i18n import known_language


@dataclass(frozen=True)
class Patterns:
    date: str
    written: str
    long: str
    time: str
    at: str  # between a date and a time
    weekday: str = "EEEE"


NORWEGIAN = Patterns(date="dd.MM.y", written="d. MMMM y", long="EEEE d. MMMM y", time="HH.mm", at="kl.")
PATTERNS = {
    "nb": NORWEGIAN,  # 07.12.2026, 7. desember 2026, mandag 7. desember 2026, 16.00
    "nn": NORWEGIAN,  # 07.12.2026, 7. desember 2026, måndag 7. desember 2026, 16.00
    "en": Patterns(date="d MMM y", written="d MMMM y", long="EEEE d MMMM y", time="HH:mm", at="at"),
}
DATE, WRITTEN_DATE, LONG_DATE, TIME = NORWEGIAN.date, NORWEGIAN.written, NORWEGIAN.long, NORWEGIAN.time
WEEKDAY = NORWEGIAN.weekday


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def _date(day: dt.date, pick: str, language: str) -> str:
    # A datetime is a date too: formatting one as a date would silently drop its zone.
    if isinstance(day, dt.datetime):
        raise TypeError("expected a date, got a datetime; take its local .date() first")
    language = known_language(language)
    return format_date(day, getattr(PATTERNS[language], pick), locale=_locale(language))


def _local(instant: dt.datetime, tz_name: str | None) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("expected an aware datetime")
    return instant.astimezone(ZoneInfo(tz_name)) if tz_name else instant


def date(day: dt.date, language: str = "nb") -> str:
    """07.12.2026; en: 7 Dec 2026"""
    return _date(day, "date", language)


def written_date(day: dt.date, language: str = "nb") -> str:
    """7. desember 2026; en: 7 December 2026"""
    return _date(day, "written", language)


def long_date(day: dt.date, language: str = "nb") -> str:
    """mandag 7. desember 2026; nn: måndag 7. desember 2026; en: Monday 7 December 2026"""
    return _date(day, "long", language)


def weekday(day: dt.date, language: str = "nb") -> str:
    """mandag; nn: måndag; en: Monday"""
    return _date(day, "weekday", language)


def time(moment: dt.time, language: str = "nb") -> str:
    """16.00; en: 16:00"""
    language = known_language(language)
    return format_time(moment, PATTERNS[language].time, locale=_locale(language))


def date_time(instant: dt.datetime, tz_name: str | None = None, language: str = "nb") -> str:
    """07.12.2026 kl. 16.00, in `tz_name`'s local time (or the instant's own zone)."""
    local = _local(instant, tz_name)
    return f"{date(local.date(), language)} {PATTERNS[known_language(language)].at} {time(local.time(), language)}"


def written_date_time(instant: dt.datetime, tz_name: str | None = None, language: str = "nb") -> str:
    """5. januar 2026 kl. 09.30; en: 5 January 2026 at 09:30 (in `tz_name`'s local time)."""
    local = _local(instant, tz_name)
    at = PATTERNS[known_language(language)].at
    return f"{written_date(local.date(), language)} {at} {time(local.time(), language)}"


def long_span(starts: dt.datetime, ends: dt.datetime, tz_name: str | None = None, language: str = "nb") -> str:
    """mandag 15. mars 2027 kl. 10.00–12.00 (nn: måndag …), in `tz_name`'s local time; across days
    15.03.2027 kl. 10.00–16.03.2027 kl. 12.00."""
    first, last = _local(starts, tz_name), _local(ends, tz_name)
    if first.date() != last.date():
        return f"{date_time(first, language=language)}–{date_time(last, language=language)}"
    at = PATTERNS[known_language(language)].at
    return f"{long_date(first.date(), language)} {at} {time(first.time(), language)}–{time(last.time(), language)}"


def date_nb(day: dt.date) -> str:
    """07.12.2026"""
    return date(day)


def written_date_nb(day: dt.date) -> str:
    """7. desember 2026"""
    return written_date(day)


def day_month_nb(month: int, day: int) -> str:
    """1. mars: a day of every year, as the handbook's meeting windows give it."""
    return format_date(dt.date(2001, month, day), "d. MMMM", locale=_locale("nb"))  # 2001: not a leap year


def long_date_nb(day: dt.date) -> str:
    """mandag 7. desember 2026"""
    return long_date(day)


def weekday_nb(day: dt.date) -> str:
    """mandag"""
    return weekday(day)


def time_nb(moment: dt.time) -> str:
    """16.00"""
    return time(moment)


def datetime_nb(instant: dt.datetime, tz_name: str | None = None) -> str:
    """07.12.2026 kl. 16.00, in `tz_name`'s local time (or the instant's own zone)."""
    return date_time(instant, tz_name)


def written_datetime_nb(instant: dt.datetime, tz_name: str | None = None) -> str:
    """5. januar 2026 kl. 09.30, in `tz_name`'s local time (or the instant's own zone)."""
    return written_date_time(instant, tz_name)
