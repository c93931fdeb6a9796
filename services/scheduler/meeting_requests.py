"""Use case: a party asked for a committee meeting; book it, join it, or alert the leaders."""
from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from shared.agenda import add_to_agenda
from shared.case_details import BookedMeeting, MeetingRequestDetails, with_details
from shared.formats import date_nb, datetime_nb
from shared.handbook_versions import meeting_rules
from shared.meeting_texts import REQUESTED_TITLE
from shared.messages import MeetingRequestAnswered, MeetingScheduled, new_event_id, record_event
from shared.models import Case, CaseHistory, Meeting

from .booking import BookingRules, free_days, planned_in, request_window, standing_items, try_book


def _book_or_join(session: Session, first: dt.date, last: dt.date, rules: BookingRules,
                  tz_name: str, now: dt.datetime, agreement_id: int) -> tuple[Meeting | None, str]:
    """In the committee of the request's agreement (SPEC §8)."""
    meeting = planned_in(session, first, last, agreement_id)
    if meeting is not None:
        meeting.sequence += 1  # the agenda changes: members get an updated invitation
        meeting.updated_at = now
        return meeting, "joined"
    for day in free_days(session, first, last, agreement_id):
        meeting = try_book(session, day, kind="requested", title=REQUESTED_TITLE, rules=rules,
                           tz_name=tz_name, now=now, agreement_id=agreement_id)
        if meeting is not None:
            standing_items(session, meeting)
            return meeting, "booked"
    return None, "no_slot"


def answer_meeting_request(session: Session, case_id: int, *, now: dt.datetime, tz_name: str,
                           rules: BookingRules | None = None, handbook_path: str | None = None) -> str:
    """Book, join or alert; the minimum notice is the handbook's in force."""
    rules = rules or BookingRules()
    case = session.get_one(Case, case_id, with_for_update=True)
    details = MeetingRequestDetails.of(case)
    if details.outcome:
        return details.outcome
    notice = meeting_rules(session, handbook_path or None, now=now,
                           agreement_id=case.agreement_id).minimum_notice_days
    first, last = request_window(case.created_at, tz_name, notice)
    meeting, outcome = _book_or_join(session, first, last, rules, tz_name, now, case.agreement_id)
    details = details.replace(outcome=outcome)
    if meeting is not None:
        for topic in details.topics:
            add_to_agenda(session, meeting, topic, "request", case.id)
        details = details.replace(meeting=BookedMeeting(meeting.id, meeting.starts_at))
        when = datetime_nb(meeting.starts_at, tz_name)
        comment = (f"Sakene er satt på dagsordenen for møtet {when}." if outcome == "joined"
                   else f"Møte i samarbeidsutvalget er innkalt til {when}.")
        record_event(session, MeetingScheduled(event_id=new_event_id(), meeting_id=meeting.id,
                                               sequence=meeting.sequence, method="REQUEST"))
    else:
        comment = (f"Ingen ledig møtedag mellom {date_nb(first)} og fristen {date_nb(last)}; "
                   "begge parters ledere er varslet, og ønsket står åpent.")
    with_details(case, details)
    session.add(CaseHistory(case_id=case.id, at=now, actor="samhandling", action="meeting_" + outcome,
                            from_status=case.status, to_status=case.status, comment=comment))
    record_event(session, MeetingRequestAnswered(
        event_id=new_event_id(), case_id=case.id, outcome=outcome,
        meeting_id=meeting.id if meeting is not None else None))
    return outcome
