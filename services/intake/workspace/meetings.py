"""The committee's meetings, /arbeid/moter (SPEC §7): upcoming and past as lists, or one month as a
calendar (?maned=2027-03) with the days that have a meeting linked to it.

A fixed (annual) meeting and one booked for a meeting request are told apart with a tag; a meeting
that answers requests shows each request's 21-day deadline (meeting_changes.request_deadline, the
API's) and whether the meeting's day keeps it. Committee members from a borettslag board read these
pages too (meeting.read), and the inbox sends them here. The pages are in the signed-in contact's
language (languages.STAFF_PAGE_BLUEPRINTS), month and weekday names from Babel.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from babel.dates import format_date, get_day_names
from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.access import in_agreements
from shared.calendar import local_today
from shared.i18n import N_
from shared.meeting_texts import in_language
from shared.models import Meeting

from ..meeting_changes import linked_requests, request_deadline
from .meeting_forms import STATUS_LABELS, language, tz_name, zone
from .sessions import current_user, now, signed_in

bp = Blueprint("workspace_meetings", __name__, url_prefix="/arbeid/moter")

KIND_LABELS = {"annual": N_("Fast møte"), "requested": N_("Etter ønske")}  # translated where shown
MONTH = re.compile(r"(\d{4})-(\d{2})")


@bp.app_template_filter("systemtekst")
def system_text(stored: str) -> str:
    """A title, standing item or place the system stored on a meeting, in the page's language
    (shared.meeting_texts); what a person wrote, as written."""
    return in_language(stored, language())


@dataclass(frozen=True)
class RequestDeadline:
    """A meeting request this meeting answers: its 21-day deadline, and whether the day keeps it."""

    reference: str
    deadline: dt.date
    kept: bool


@dataclass(frozen=True)
class MeetingRow:
    meeting: Meeting
    starts: dt.datetime  # local time
    deadlines: list[RequestDeadline]


def request_deadlines(session: Session, meeting: Meeting) -> list[RequestDeadline]:
    made = []
    for case in linked_requests(session, meeting):
        deadline = request_deadline(case, tz_name())
        made.append(RequestDeadline(case.reference, deadline, meeting.held_on <= deadline))
    return made


def _rows(session: Session, meetings: list[Meeting]) -> list[MeetingRow]:
    return [MeetingRow(m, m.starts_at.astimezone(zone()), request_deadlines(session, m)) for m in meetings]


def _month(text: str, today: dt.date) -> tuple[dt.date, str]:
    """The month's first day, or this month's and a message when the address asks for none."""
    match = MONTH.fullmatch(text)
    if match and 2000 <= int(match.group(1)) <= 2100 and 1 <= int(match.group(2)) <= 12:
        return dt.date(int(match.group(1)), int(match.group(2)), 1), ""
    return today.replace(day=1), gettext("Skriv måneden som ÅÅÅÅ-MM, for eksempel 2027-03.")


def _shifted(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_name(first: dt.date) -> str:
    """"mars 2027" (Babel's stand-alone month name, in the page's language)."""
    return format_date(first, "LLLL y", locale=language())


def weekdays() -> list[str]:
    """Monday to Sunday in the page's language ("mandag"; nn "måndag")."""
    names = get_day_names("wide", locale=language())
    return [names[day] for day in range(7)]


@bp.get("")
@signed_in("meeting.read")
def meetings() -> ResponseReturnValue:
    today = local_today(tz_name(), now())
    if "maned" in request.args:
        return month_view(today)
    user = current_user()
    assert user is not None
    with current_app.extensions["sessionmaker"]() as session:
        mine = in_agreements(Meeting.agreement_id, user.agreements(session))
        every = list(session.execute(select(Meeting).where(mine).order_by(Meeting.starts_at)).scalars())
        upcoming = [m for m in every if m.status == "planned" and m.held_on >= today]
        past = [m for m in reversed(every) if m not in upcoming]
        page = render_template("workspace/meetings.html", view="liste", upcoming=_rows(session, upcoming),
                               past=_rows(session, past), kinds=KIND_LABELS, statuses=STATUS_LABELS,
                               this_month=today.strftime("%Y-%m"))
    return page


def month_view(today: dt.date) -> ResponseReturnValue:
    first, error = _month(request.args.get("maned", ""), today)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    last = _shifted(first, 1) - dt.timedelta(days=1)
    user = current_user()
    assert user is not None
    with current_app.extensions["sessionmaker"]() as session:
        mine = in_agreements(Meeting.agreement_id, user.agreements(session))
        listed = list(session.execute(select(Meeting).where(Meeting.held_on >= first, Meeting.held_on <= last, mine)
                                      .order_by(Meeting.starts_at)).scalars())
        rows = _rows(session, listed)
        by_day: dict[dt.date, list[MeetingRow]] = {}
        for row in rows:
            by_day.setdefault(row.meeting.held_on, []).append(row)
        page = render_template(
            "workspace/meetings.html", view="maned", first=first, month=month_name(first), weeks=weeks,
            by_day=by_day, rows=rows, today=today, weekdays=weekdays(), error=error,
            previous=_shifted(first, -1), following=_shifted(first, 1), previous_name=month_name(_shifted(first, -1)),
            following_name=month_name(_shifted(first, 1)), kinds=KIND_LABELS, statuses=STATUS_LABELS,
            this_month=today.strftime("%Y-%m"))
    return page, 400 if error else 200
