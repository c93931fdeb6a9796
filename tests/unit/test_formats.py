"""Norwegian dates and times as users read them, from Babel's bokmål (nb) data (shared/formats.py)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from shared.formats import (
    date_nb,
    datetime_nb,
    long_date_nb,
    time_nb,
    weekday_nb,
    written_date_nb,
    written_datetime_nb,
)

OSLO = ZoneInfo("Europe/Oslo")


def test_a_date_in_figures_has_leading_zeros():
    assert date_nb(dt.date(2026, 12, 7)) == "07.12.2026"
    assert date_nb(dt.date(2027, 1, 5)) == "05.01.2027"


def test_a_time_has_a_full_stop_between_hours_and_minutes():
    # Språkrådet: "kl. 16.00", not "16:00".
    assert time_nb(dt.time(16, 0)) == "16.00"
    assert time_nb(dt.time(9, 5)) == "09.05"


@pytest.mark.parametrize(("instant", "text"), [
    (dt.datetime(2027, 3, 10, 9, 0, tzinfo=dt.UTC), "10.03.2027 kl. 10.00"),   # winter time
    (dt.datetime(2027, 6, 10, 9, 0, tzinfo=dt.UTC), "10.06.2027 kl. 11.00"),   # summer time
    (dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), "01.01.2027 kl. 00.30"),  # the local day
])
def test_an_instant_is_shown_in_the_agreements_zone(instant, text):
    assert datetime_nb(instant, "Europe/Oslo") == text


def test_an_instant_already_local_keeps_its_zone():
    assert datetime_nb(dt.datetime(2027, 3, 10, 10, 0, tzinfo=OSLO)) == "10.03.2027 kl. 10.00"


def test_long_dates_name_the_weekday_and_month():
    assert long_date_nb(dt.date(2026, 12, 7)) == "mandag 7. desember 2026"
    assert long_date_nb(dt.date(2027, 5, 17)) == "mandag 17. mai 2027"
    assert long_date_nb(dt.date(2027, 3, 27)) == "lørdag 27. mars 2027"


def test_written_dates_and_times_without_weekday():
    assert written_date_nb(dt.date(2026, 1, 5)) == "5. januar 2026"
    assert written_datetime_nb(dt.datetime(2026, 1, 5, 9, 30, tzinfo=OSLO)) == "5. januar 2026 kl. 09.30"
    utc = dt.datetime(2026, 7, 1, 7, 30, tzinfo=dt.UTC)
    assert written_datetime_nb(utc, "Europe/Oslo") == "1. juli 2026 kl. 09.30"


def test_weekday_names_are_lower_case_bokmal():
    week = [weekday_nb(dt.date(2027, 3, 1) + dt.timedelta(days=n)) for n in range(7)]
    assert week == ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]


def test_a_datetime_is_not_taken_for_a_date():
    with pytest.raises(TypeError):
        date_nb(dt.datetime(2027, 3, 10, 23, 30, tzinfo=dt.UTC))  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        datetime_nb(dt.datetime(2027, 3, 10, 10, 0))  # naive: which zone?
