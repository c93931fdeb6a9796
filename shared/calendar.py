"""Time in the agreement's zone (Europe/Oslo by default)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def local_now(tz_name: str, now: dt.datetime | None = None) -> dt.datetime:
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(ZoneInfo(tz_name))


def local_today(tz_name: str, now: dt.datetime | None = None) -> dt.date:
    return local_now(tz_name, now).date()


def local_instant(day: dt.date, time: dt.time, tz_name: str) -> dt.datetime:
    """That local wall-clock time on that day, as a UTC instant (what the database stores)."""
    return dt.datetime.combine(day, time, tzinfo=ZoneInfo(tz_name)).astimezone(dt.UTC)
