"""`python -m services.scheduler book-annual --year 2027`: book a year's fixed meetings now.

A person runs this, so unlike beat it also replaces a fixed meeting that was cancelled.
"""
from __future__ import annotations

import argparse

from shared.db import make_engine, make_sessionmaker, unit_of_work
from shared.formats import date_nb
from shared.models import utcnow
from shared.settings import Settings

from .annual import book_every_agreement

OUTCOMES = {"booked": "booket", "exists": "finnes fra før", "passed": "vinduet er passert",
            "no_slot": "ingen ledig møtedag i vinduet", "cancelled": "avlyst"}


def book_annual_command(argv: list[str], settings: Settings) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.scheduler book-annual")
    parser.add_argument("--year", type=int, required=True, help="the year to book, e.g. 2027")
    year = parser.parse_args(argv).year
    engine = make_engine(settings.database_url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            booked = book_every_agreement(session, year, utcnow(), settings.tz_name, replace_cancelled=True,
                                          handbook_path=settings.handbook_path)
    finally:
        engine.dispose()
    for booking in booked:
        day = f" {date_nb(booking.day)}" if booking.day else ""
        print(f"avtale {booking.agreement_id} {booking.slot}: {OUTCOMES[booking.outcome]}{day}")
    return 1 if any(b.outcome == "no_slot" for b in booked) else 0
