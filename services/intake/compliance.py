"""How well a year kept the agreement: fixed meetings, meeting requests, case deadlines.

Only counts, dates and references: no names, addresses or free text, so the same report can
be shown on a page without a login (/samsvar/<year>).

- Fixed meetings: annual meetings held on a day in the year, not cancelled; the agreement wants two.
- Meeting requests: those made in the year (Europe/Oslo). A request is within the deadline when
  its meeting's day is on or before the request date + 21 days; it is open until that meeting is
  held. A request with no live meeting is unbooked: late once its deadline has passed.
  It is met only when it is within the deadline and its meeting kept the minimum notice, counted
  from the day the meeting got its time (booked, or last moved), in the handbook's minimum notice
  (the version in force, `meetings.minimum_notice_days`): `kept`; or, when the notice was
  shorter, both parties agreed to the move (`agreed`, which counts as met: the notice protects the
  parties, and both chose the earlier day); else `short`, not met.
- Case deadlines: those due in the year, per case type and kind. Met on time (met_at <= due_at),
  missed (met late, or not met and past due), pending (not met, not yet due), escalated.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from shared.agreement import FIXED_MEETINGS_PER_YEAR, OPEN_STATUSES, notice_kept
from shared.board_approval import BOARD_APPROVAL
from shared.case_details import MeetingRequestDetails
from shared.handbook_versions import meeting_rules
from shared.i18n import N_
from shared.models import DEFAULT_AGREEMENT, Case, Cooperative, Deadline, Meeting

from .meeting_changes import request_deadline


@dataclass(frozen=True)
class FixedMeeting:
    id: int
    date: dt.date
    status: str  # planned | held


@dataclass(frozen=True)
class RequestRow:
    reference: str
    requested_on: dt.date
    deadline: dt.date
    meeting_on: dt.date | None
    meeting_status: str | None  # planned | held | None (unbooked, or its meeting was cancelled)
    days_taken: int | None
    within_deadline: bool | None  # None: unbooked, and the deadline has not passed yet
    open: bool
    notice: str | None = None  # kept | agreed | short; None while unbooked

    @property
    def met(self) -> bool | None:
        """Within 21 days, at a notice kept or agreed by both parties; None: not decided yet."""
        if self.within_deadline is None or self.notice is None:
            return self.within_deadline
        return self.within_deadline and self.notice != "short"


@dataclass(frozen=True)
class DeadlineRow:
    case_type: str
    kind: str
    total: int
    met: int
    missed: int
    pending: int
    escalated: int


@dataclass(frozen=True)
class ComplianceReport:
    year: int
    required_fixed_meetings: int
    fixed_meetings: list[FixedMeeting]
    meeting_requests: list[RequestRow]
    deadlines: list[DeadlineRow]
    minimum_notice_days: int  # the handbook's in force, which `notice` was judged by
    agreement_id: int = DEFAULT_AGREEMENT  # one agreement's report (SPEC §8)

    @property
    def fixed_held(self) -> int:
        return sum(m.status == "held" for m in self.fixed_meetings)

    @property
    def fixed_planned(self) -> int:
        return sum(m.status == "planned" for m in self.fixed_meetings)


def _year_bounds(year: int, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    return (dt.datetime(year, 1, 1, tzinfo=zone).astimezone(dt.UTC),
            dt.datetime(year + 1, 1, 1, tzinfo=zone).astimezone(dt.UTC))


def fixed_meetings(session: Session, year: int, agreement_id: int = DEFAULT_AGREEMENT) -> list[FixedMeeting]:
    rows = session.execute(select(Meeting).where(
        Meeting.agreement_id == agreement_id, Meeting.kind == "annual", Meeting.status != "cancelled",
        Meeting.held_on >= dt.date(year, 1, 1), Meeting.held_on <= dt.date(year, 12, 31),
    ).order_by(Meeting.held_on)).scalars()
    return [FixedMeeting(m.id, m.held_on, m.status) for m in rows]


def meeting_notice(meeting: Meeting, zone: ZoneInfo, notice_days: int) -> str:
    """kept, agreed or short: the notice the members had of the meeting's current time."""
    announced = (meeting.moved_at or meeting.created_at).astimezone(zone).date()
    if notice_kept(meeting.held_on, announced, notice_days):
        return "kept"
    return "agreed" if meeting.notice_agreed_by else "short"


def _request_row(session: Session, request: Case, today: dt.date, zone: ZoneInfo, notice_days: int) -> RequestRow:
    requested_on = request.created_at.astimezone(zone).date()
    deadline = request_deadline(request, zone.key)
    linked = MeetingRequestDetails.of(request).meeting
    meeting = session.get(Meeting, linked.id) if linked else None
    if meeting is None or meeting.status == "cancelled":
        return RequestRow(request.reference, requested_on, deadline, None, None, None,
                          False if today > deadline else None, True)
    return RequestRow(request.reference, requested_on, deadline, meeting.held_on, meeting.status,
                      (meeting.held_on - requested_on).days, meeting.held_on <= deadline,
                      meeting.status != "held", meeting_notice(meeting, zone, notice_days))


def meeting_requests(session: Session, year: int, now: dt.datetime, zone: ZoneInfo,
                     notice_days: int, agreement_id: int = DEFAULT_AGREEMENT) -> list[RequestRow]:
    first, after = _year_bounds(year, zone)
    requests = session.execute(select(Case).where(
        Case.agreement_id == agreement_id, Case.type == "meeting_request",
        Case.created_at >= first, Case.created_at < after,
    ).order_by(Case.created_at, Case.id)).scalars()
    today = now.astimezone(zone).date()
    return [_request_row(session, request, today, zone, notice_days) for request in requests]


def case_deadlines(session: Session, year: int, now: dt.datetime, zone: ZoneInfo,
                   agreement_id: int = DEFAULT_AGREEMENT) -> list[DeadlineRow]:
    first, after = _year_bounds(year, zone)

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    unmet = Deadline.met_at.is_(None)
    rows = session.execute(
        select(Case.type, Deadline.kind, func.count(),
               count(and_(Deadline.met_at.is_not(None), Deadline.met_at <= Deadline.due_at)),
               count((Deadline.met_at > Deadline.due_at) | (unmet & (Deadline.due_at <= now))),
               count(unmet & (Deadline.due_at > now)),
               count(Deadline.escalated_at.is_not(None)))
        .join(Case, Case.id == Deadline.case_id)
        # The board's limit on an acquisition is the board's, not a deadline of either party.
        .where(Case.agreement_id == agreement_id, Deadline.due_at >= first, Deadline.due_at < after,
               Deadline.kind != BOARD_APPROVAL)
        .group_by(Case.type, Deadline.kind).order_by(Case.type, Deadline.kind)
    ).all()
    return [DeadlineRow(*row) for row in rows]


def compliance_report(session: Session, year: int, *, now: dt.datetime, tz_name: str,
                      handbook_path: str | None = None, agreement_id: int = DEFAULT_AGREEMENT) -> ComplianceReport:
    """One agreement's report of the year; the minimum notice is its handbook's in force (the file at
    `handbook_path` and the versions saved after it)."""
    zone = ZoneInfo(tz_name)
    notice_days = meeting_rules(session, handbook_path or None, now=now,
                                agreement_id=agreement_id).minimum_notice_days
    return ComplianceReport(year, FIXED_MEETINGS_PER_YEAR, fixed_meetings(session, year, agreement_id),
                            meeting_requests(session, year, now, zone, notice_days, agreement_id),
                            case_deadlines(session, year, now, zone, agreement_id), notice_days, agreement_id)


# For the staff's page (/arbeid/samsvar/<year>), beside the public report: where deadlines slip,
# and how long open cases have waited. Borettslag names are not personal data; no free text.
# The labels are message ids, translated where they are shown.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    (N_("0–7 dager"), 0, 7), (N_("8–30 dager"), 8, 30), (N_("31–90 dager"), 31, 90), (N_("over 90 dager"), 91, None))


@dataclass(frozen=True)
class CooperativeDeadlines:
    name: str
    orgnr: str
    met: int
    missed: int
    pending: int


@dataclass(frozen=True)
class OpenCasesByAge:
    case_type: str
    counts: tuple[int, ...]  # one per AGE_BUCKETS

    @property
    def total(self) -> int:
        return sum(self.counts)


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def deadlines_by_cooperative(session: Session, year: int, *, now: dt.datetime, tz_name: str,
                             agreement_id: int = DEFAULT_AGREEMENT) -> list[CooperativeDeadlines]:
    """Case deadlines due in the year per borettslag, the most missed first."""
    first, after = _year_bounds(year, ZoneInfo(tz_name))
    unmet = Deadline.met_at.is_(None)
    missed = _count((Deadline.met_at > Deadline.due_at) | (unmet & (Deadline.due_at <= now)))
    rows = session.execute(
        select(Cooperative.name, Cooperative.orgnr,
               _count(and_(Deadline.met_at.is_not(None), Deadline.met_at <= Deadline.due_at)),
               missed, _count(unmet & (Deadline.due_at > now)))
        .join(Case, Case.id == Deadline.case_id).join(Cooperative, Cooperative.id == Case.cooperative_id)
        .where(Case.agreement_id == agreement_id, Deadline.due_at >= first, Deadline.due_at < after,
               Deadline.kind != BOARD_APPROVAL)
        .group_by(Cooperative.name, Cooperative.orgnr).order_by(missed.desc(), Cooperative.name)
    ).all()
    return [CooperativeDeadlines(*row) for row in rows]


def open_cases_by_age(session: Session, *, now: dt.datetime,
                      agreement_id: int = DEFAULT_AGREEMENT) -> list[OpenCasesByAge]:
    """Open cases now, per type, by how many days since they came in."""
    def since(days: int) -> dt.datetime:
        return now - dt.timedelta(days=days)

    buckets = [_count(and_(Case.created_at <= since(low), Case.created_at > since(high + 1))
                      if high is not None else Case.created_at <= since(low))
               for _, low, high in AGE_BUCKETS]
    rows = session.execute(select(Case.type, *buckets).where(Case.agreement_id == agreement_id,
                                                             Case.status.in_(OPEN_STATUSES))
                           .group_by(Case.type).order_by(Case.type)).all()
    return [OpenCasesByAge(row[0], tuple(int(n) for n in row[1:])) for row in rows]
