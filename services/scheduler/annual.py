"""Each agreement's two fixed meetings a year: one in a spring window, one in an autumn window.

The windows and the minimum notice are the agreement's handbook's in force (`meetings:`, the
agreement's defaults where it says nothing), read when a year is booked. Every agreement has its
own committee (SPEC §8), so its slots and free days are its own.

Each goes on the first preferred weekday (Tuesday) in its window that is a meeting day
(shared.workdays.is_meeting_day) and free; failing every preferred weekday, on the first free
meeting day in the window. A window counts as booked when it has a live annual meeting: the one
booked for its slot ("2027-spring", even if moved since) or one booked by hand (no slot) on a day
inside it. Beat leaves a slot whose meeting a person cancelled alone (a meeting that comes back
by itself after a cancellation would surprise everyone; the compliance report shows the gap);
the command line books a replacement, on another day than the cancelled one. Beat runs this from
1 October for the next year, so the year is booked well before the agreement's 1 December, and
for what is left of this year (never at shorter notice than a meeting request gets).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from shared.agenda import add_to_agenda
from shared.agreement import MINIMUM_NOTICE_DAYS, earliest_with_notice
from shared.calendar import local_today
from shared.db import unit_of_work
from shared.handbook import MeetingRules
from shared.handbook_versions import meeting_rules
from shared.meeting_texts import ANNUAL_TITLES, COOPERATION_ITEM
from shared.messages import MeetingScheduled, new_event_id, record_event
from shared.models import DEFAULT_AGREEMENT, Agreement, Meeting

from .booking import BookingRules, free_days, try_book

BOOK_NEXT_YEAR_FROM = (10, 1)  # (month, day), local


@dataclass(frozen=True)
class AnnualWindow:
    name: str  # spring | autumn: the slot is "<year>-<name>"
    title: str
    first: tuple[int, int]  # (month, day), both included
    last: tuple[int, int]

    def dates(self, year: int) -> tuple[dt.date, dt.date]:
        return dt.date(year, *self.first), dt.date(year, *self.last)


def windows_of(meetings: MeetingRules) -> tuple[AnnualWindow, ...]:
    return tuple(AnnualWindow(name, title, *meetings.windows[name]) for name, title in ANNUAL_TITLES.items())


@dataclass(frozen=True)
class AnnualMeetingRules:
    """The windows and the notice: the agreement's defaults here, the handbook's from `of`."""

    windows: tuple[AnnualWindow, ...] = windows_of(MeetingRules())
    weekday: int = 1  # Tuesday (Monday is 0)
    booking: BookingRules = field(default_factory=BookingRules)  # 10:00, two hours
    notice_days: int = MINIMUM_NOTICE_DAYS  # working days

    @classmethod
    def of(cls, meetings: MeetingRules) -> AnnualMeetingRules:
        return cls(windows=windows_of(meetings), notice_days=meetings.minimum_notice_days)


@dataclass(frozen=True)
class AnnualBooking:
    slot: str
    outcome: str  # booked | exists | cancelled (left alone) | passed (the window is over) | no_slot
    day: dt.date | None = None
    meeting_id: int | None = None
    agreement_id: int = DEFAULT_AGREEMENT


def _existing(session: Session, slot: str, first: dt.date, last: dt.date, agreement_id: int) -> Meeting | None:
    # An annual meeting booked without a slot (by hand) counts for the window it lies in.
    in_window = (Meeting.kind == "annual") & Meeting.annual_slot.is_(None) \
        & (Meeting.held_on >= first) & (Meeting.held_on <= last)
    return session.execute(
        select(Meeting).where(Meeting.agreement_id == agreement_id, Meeting.status != "cancelled",
                              or_(Meeting.annual_slot == slot, in_window))
        .order_by(Meeting.held_on).limit(1)
    ).scalar_one_or_none()


def _cancelled_days(session: Session, slot: str, agreement_id: int) -> set[dt.date]:
    return set(session.execute(
        select(Meeting.held_on).where(Meeting.agreement_id == agreement_id, Meeting.annual_slot == slot,
                                      Meeting.status == "cancelled")
    ).scalars())


def candidate_days(session: Session, first: dt.date, last: dt.date, weekday: int,
                   avoid: Collection[dt.date] = (), agreement_id: int = DEFAULT_AGREEMENT) -> list[dt.date]:
    """Free meeting days in the window: the preferred weekdays first, then the rest, in date order."""
    free = [day for day in free_days(session, first, last, agreement_id) if day not in avoid]
    return [d for d in free if d.weekday() == weekday] + [d for d in free if d.weekday() != weekday]


def _book_window(session: Session, window: AnnualWindow, year: int, *, now: dt.datetime, tz_name: str,
                 rules: AnnualMeetingRules, replace_cancelled: bool, agreement_id: int) -> AnnualBooking:
    slot = f"{year}-{window.name}"
    first, last = window.dates(year)
    existing = _existing(session, slot, first, last, agreement_id)
    if existing is not None:
        return AnnualBooking(slot, "exists", existing.held_on, existing.id, agreement_id)
    cancelled = _cancelled_days(session, slot, agreement_id)
    if cancelled and not replace_cancelled:
        return AnnualBooking(slot, "cancelled", max(cancelled), agreement_id=agreement_id)
    # Never in the past, and never at shorter notice than a meeting request gets.
    first = max(first, earliest_with_notice(local_today(tz_name, now), rules.notice_days))
    if first > last:
        return AnnualBooking(slot, "passed", agreement_id=agreement_id)
    for day in candidate_days(session, first, last, rules.weekday, cancelled, agreement_id):
        meeting = try_book(session, day, kind="annual", title=f"{window.title} {year}", rules=rules.booking,
                           tz_name=tz_name, now=now, annual_slot=slot, agreement_id=agreement_id)
        if meeting is not None:
            add_to_agenda(session, meeting, COOPERATION_ITEM, "annual")
            record_event(session, MeetingScheduled(event_id=new_event_id(), meeting_id=meeting.id,
                                                   sequence=meeting.sequence, method="REQUEST"))
            return AnnualBooking(slot, "booked", day, meeting.id, agreement_id)
        existing = _existing(session, slot, *window.dates(year), agreement_id)
        if existing is not None:  # another scheduler booked this slot meanwhile
            return AnnualBooking(slot, "exists", existing.held_on, existing.id, agreement_id)
    return AnnualBooking(slot, "no_slot", agreement_id=agreement_id)


def book_annual_meetings(session: Session, year: int, now: dt.datetime, tz_name: str,
                         rules: AnnualMeetingRules | None = None, *, replace_cancelled: bool = False,
                         handbook_path: str | None = None,
                         agreement_id: int = DEFAULT_AGREEMENT) -> list[AnnualBooking]:
    """Book one agreement's fixed meetings of `year` that are not booked yet; the caller commits.
    Without `rules`, the windows and the notice are the agreement's handbook's in force."""
    rules = rules or AnnualMeetingRules.of(
        meeting_rules(session, handbook_path or None, now=now, agreement_id=agreement_id))
    return [_book_window(session, window, year, now=now, tz_name=tz_name, rules=rules,
                         replace_cancelled=replace_cancelled, agreement_id=agreement_id)
            for window in rules.windows]


def book_every_agreement(session: Session, year: int, now: dt.datetime, tz_name: str,
                         rules: AnnualMeetingRules | None = None, *, replace_cancelled: bool = False,
                         handbook_path: str | None = None) -> list[AnnualBooking]:
    """book_annual_meetings for each agreement in the installation, each with its own handbook."""
    agreements = session.execute(select(Agreement.id).order_by(Agreement.id)).scalars().all()
    return [booking for agreement_id in agreements or [DEFAULT_AGREEMENT]
            for booking in book_annual_meetings(session, year, now, tz_name, rules,
                                                replace_cancelled=replace_cancelled,
                                                handbook_path=handbook_path, agreement_id=agreement_id)]


def years_to_book(today: dt.date) -> list[int]:
    """This year (what is left of it), and from 1 October the next one too."""
    if (today.month, today.day) >= BOOK_NEXT_YEAR_FROM:
        return [today.year, today.year + 1]
    return [today.year]


def book_due_annual_meetings(sessions: sessionmaker[Session], *, now: dt.datetime, tz_name: str,
                             rules: AnnualMeetingRules | None = None,
                             handbook_path: str | None = None) -> list[AnnualBooking]:
    """Beat's use case: one transaction per year."""
    booked: list[AnnualBooking] = []
    for year in years_to_book(local_today(tz_name, now)):
        with unit_of_work(sessions) as session:
            booked += book_every_agreement(session, year, now, tz_name, rules, handbook_path=handbook_path)
    return booked
