"""Use cases on a booked meeting: move it or cancel it; every member hears of it.

A move keeps the UID and raises SEQUENCE (RFC 5546), so calendars update the event they have.
It must land on a meeting day, inside working hours, on a free day, and, when the meeting
answers meeting requests, no later than their 21-day deadline unless a person overrides it;
the override is written into each request's history under that person's name.

A move must also keep the minimum notice (the handbook's in force: `meetings.minimum_notice_days`
working days from today, the agreement's MINIMUM_NOTICE_DAYS where it says nothing), so one
party cannot move a meeting to the same morning alone: a shorter notice needs the other party's
agreement, named as one of its contacts (`agreed_by`). The meeting keeps who moved it, when, and
who agreed. A system token acts for no party, so it cannot move a meeting at short notice.
"""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from shared.access import in_agreements
from shared.agreement import (
    MEETING_HOURS,
    earliest_with_notice,
    meeting_deadline,
    notice_kept,
    within_meeting_hours,
)
from shared.calendar import local_today
from shared.case_details import BookedMeeting, MeetingRequestDetails, with_details
from shared.directory import contact_by_email
from shared.formats import date_nb, datetime_nb, time_nb
from shared.handbook_versions import meeting_rules
from shared.i18n import N_, Term, Translatable
from shared.meeting_reminders import plan_reminders, skip_reminders
from shared.messages import MeetingScheduled, new_event_id, record_event
from shared.models import AgendaItem, Case, CaseHistory, Contact, Meeting
from shared.vocabulary import OTHER_PARTY, PARTY_NAMES
from shared.workdays import is_meeting_day

LARGEST_ID = 2**31 - 1


class MeetingNotFound(LookupError):
    pass


class MeetingClosed(Exception):
    """Only a planned meeting can be moved, cancelled or minuted."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class NotBookable(Translatable, ValueError):
    """The new time breaks a booking rule (day, hours, the past): the field is wrong."""


class DayTaken(Exception):
    def __init__(self, day: dt.date) -> None:
        super().__init__(str(day))
        self.day = day


class AfterDeadline(Exception):
    def __init__(self, reference: str, deadline: dt.date) -> None:
        super().__init__(reference)
        self.reference, self.deadline = reference, deadline


class ShortNotice(Exception):
    """The new time is closer than the minimum notice (`days` working days) and the other party has
    not agreed."""

    def __init__(self, day: dt.date, earliest: dt.date, other_party: str | None, days: int) -> None:
        super().__init__(str(day))
        self.day, self.earliest, self.other_party, self.days = day, earliest, other_party, days


class BadAgreement(Translatable, ValueError):
    """`agreed_by` does not name a contact of the other party: the field is wrong."""


def find_meeting(session: Session, meeting_id: int, *, for_update: bool = False,
                 agreements: frozenset[int] | None = None) -> Meeting:
    """The meeting, when its committee is one of `agreements` (None: any); another agreement's is not found."""
    if meeting_id > LARGEST_ID:
        raise MeetingNotFound(meeting_id)
    query = (select(Meeting).where(Meeting.id == meeting_id, in_agreements(Meeting.agreement_id, agreements))
             .options(selectinload(Meeting.agenda)))
    meeting = session.execute(query.with_for_update(of=Meeting) if for_update else query).scalar_one_or_none()
    if meeting is None:
        raise MeetingNotFound(meeting_id)
    return meeting


def linked_requests(session: Session, meeting: Meeting) -> list[Case]:
    """The meeting requests whose topics are on this meeting's agenda."""
    ids = select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id, AgendaItem.source == "request")
    return list(session.execute(
        select(Case).where(Case.id.in_(ids), Case.type == "meeting_request").order_by(Case.id)
    ).scalars())


def request_deadline(case: Case, tz_name: str) -> dt.date:
    stored = MeetingRequestDetails.of(case).deadline
    if stored:
        return stored
    return meeting_deadline(case.created_at, tz_name)


def _check_slot(starts: dt.datetime, ends: dt.datetime, now: dt.datetime) -> None:
    if starts <= now:
        raise NotBookable(N_("Møtet må ligge fram i tid."))
    if not is_meeting_day(starts.date()):
        raise NotBookable(N_("%(day)s er ikke en møtedag (helg, helligdag, fellesferien i uke 28–31 eller "
                             "22. desember–3. januar)."), day=date_nb(starts.date()))
    if not within_meeting_hours(starts, ends):
        opening, closing = MEETING_HOURS
        raise NotBookable(N_("Møtet må ligge innenfor arbeidstiden %(opening)s–%(closing)s."),
                          opening=time_nb(opening), closing=time_nb(closing))


def _history(session: Session, case: Case, actor: str, action: str, comment: str, now: dt.datetime) -> None:
    session.add(CaseHistory(case_id=case.id, at=now, actor=actor, action=action, from_status=case.status,
                            to_status=case.status, comment=comment))


def _agreement(session: Session, email: str | None, party: str) -> Contact | None:
    """The other party's contact named in `agreed_by`, if any."""
    if not email:
        return None
    if party not in OTHER_PARTY:
        raise BadAgreement(N_("Bare en kontaktperson hos en av partene kan avtale en flytting."))
    contact = contact_by_email(session, email)
    if contact is None:
        raise BadAgreement(N_("Fant ingen kontaktperson med denne e-postadressen."))
    if not contact.active:
        raise BadAgreement(N_("%(name)s er ikke lenger aktiv i katalogen og kan ikke samtykke."), name=contact.name)
    if contact.party != OTHER_PARTY[party]:
        raise BadAgreement(N_("Samtykket må komme fra en kontaktperson hos den andre parten (%(party)s)."),
                           party=Term(PARTY_NAMES[OTHER_PARTY[party]]))
    return contact


def _check_notice(session: Session, day: dt.date, today: dt.date, agreed_by: str | None,
                  party: str, notice_days: int) -> Contact | None:
    """Refuse a day closer than the minimum notice unless the other party agreed; who agreed."""
    short = not notice_kept(day, today, notice_days)
    if short and party not in OTHER_PARTY:
        raise ShortNotice(day, earliest_with_notice(today, notice_days), None, notice_days)
    agreed = _agreement(session, agreed_by, party)
    if short and agreed is None:
        raise ShortNotice(day, earliest_with_notice(today, notice_days), OTHER_PARTY[party], notice_days)
    return agreed


def _move_comment(meeting: Meeting, agreed: Contact | None, short: bool, tz_name: str, notice_days: int) -> str:
    comment = f"Møtet er flyttet til {datetime_nb(meeting.starts_at, tz_name)}."
    if agreed is not None and short:
        comment += (f" Flyttet på kortere varsel enn {notice_days} arbeidsdager etter avtale med "
                    f"{agreed.name} ({agreed.email}, {PARTY_NAMES[agreed.party]}).")
    return comment


def _move(session: Session, meeting: Meeting, starts: dt.datetime, ends: dt.datetime) -> None:
    day = starts.date()
    taken = session.execute(select(Meeting.id).where(
        Meeting.held_on == day, Meeting.status != "cancelled", Meeting.id != meeting.id)).first()
    if taken:
        raise DayTaken(day)
    utc = dt.UTC
    meeting.held_on, meeting.starts_at, meeting.ends_at = day, starts.astimezone(utc), ends.astimezone(utc)
    try:
        session.flush()
    except IntegrityError:  # booked by someone else since the look above; the caller rolls back
        raise DayTaken(day) from None


def reschedule_meeting(session: Session, meeting_id: int, change: dict[str, Any], *, actor: str, party: str,
                       now: dt.datetime, tz_name: str, handbook_path: str | None = None) -> Meeting:
    """Move the meeting (and its reminders) and send the updated invitation; the caller commits.
    The minimum notice is the handbook's in force (at `handbook_path`, else the shipped file)."""
    meeting = find_meeting(session, meeting_id, for_update=True)
    if meeting.status != "planned":
        raise MeetingClosed(meeting.status)
    starts = change["starts_at"].astimezone(ZoneInfo(tz_name))
    ends = starts + (meeting.ends_at - meeting.starts_at)
    location = change.get("location") or meeting.location
    if starts == meeting.starts_at and location == meeting.location:
        return meeting  # nothing changed, so nobody gets a new invitation
    _check_slot(starts, ends, now)
    moved, today = starts != meeting.starts_at, local_today(tz_name, now)
    notice_days = meeting_rules(session, handbook_path or None, now=now).minimum_notice_days
    agreed = (_check_notice(session, starts.date(), today, change.get("agreed_by"), party, notice_days)
              if moved else None)
    requests = [(case, request_deadline(case, tz_name)) for case in linked_requests(session, meeting)]
    late = [(case, deadline) for case, deadline in requests if starts.date() > deadline]
    if late and not change.get("override_deadline"):
        raise AfterDeadline(late[0][0].reference, late[0][1])
    _move(session, meeting, starts, ends)
    meeting.location, meeting.sequence, meeting.updated_at = location, meeting.sequence + 1, now
    if moved:
        meeting.moved_at, meeting.moved_by = now, actor
        meeting.notice_agreed_by = agreed.email if agreed is not None else None
    plan_reminders(session, meeting, now=now, tz_name=tz_name)
    comment = _move_comment(meeting, agreed, not notice_kept(starts.date(), today, notice_days), tz_name,
                            notice_days)
    for case, deadline in requests:
        booked = BookedMeeting(meeting.id, meeting.starts_at)
        with_details(case, MeetingRequestDetails.of(case).replace(meeting=booked))
        _history(session, case, actor, "meeting_moved", comment, now)
        if (case, deadline) in late:
            reason = f" Begrunnelse: {change['override_reason']}" if change.get("override_reason") else ""
            _history(session, case, actor, "deadline_overridden",
                     f"Møtet holdes etter fristen {date_nb(deadline)}; fristen ble overstyrt ved flyttingen.{reason}",
                     now)
    record_event(session, MeetingScheduled(event_id=new_event_id(), meeting_id=meeting.id,
                                           sequence=meeting.sequence, method="REQUEST"))
    return meeting


def cancel_meeting(session: Session, meeting_id: int, *, actor: str, now: dt.datetime, tz_name: str) -> Meeting:
    """Cancel the meeting and send METHOD:CANCEL; the requests it answered say so in their history."""
    meeting = find_meeting(session, meeting_id, for_update=True)
    if meeting.status != "planned":
        raise MeetingClosed(meeting.status)
    meeting.status, meeting.sequence, meeting.updated_at = "cancelled", meeting.sequence + 1, now
    skip_reminders(session, meeting.id, now)
    for case in linked_requests(session, meeting):
        _history(session, case, actor, "meeting_cancelled",
                 f"Møtet {datetime_nb(meeting.starts_at, tz_name)} er avlyst; ønsket om møte står åpent.", now)
    record_event(session, MeetingScheduled(event_id=new_event_id(), meeting_id=meeting.id,
                                           sequence=meeting.sequence, method="CANCEL"))
    return meeting
