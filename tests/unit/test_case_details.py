"""The type-specific fields of a case, read and written through one typed shape per case type."""
from __future__ import annotations

import datetime as dt

from shared.case_details import (
    AcquisitionDetails,
    BookedMeeting,
    MeetingRequestDetails,
    SubletDetails,
    as_json,
    details_of,
    with_details,
)
from shared.models import Case

UTC = dt.UTC


def case(case_type: str, details: dict) -> Case:
    return Case(type=case_type, details=details)


def test_each_case_type_reads_its_own_shape():
    acquisition = details_of(case("acquisition", {
        "planned_date": "2027-06-01", "board_asked_on": "2027-03-03", "owned_before": 1,
        "owned_after": 2, "cap": 3, "warning": None}))
    assert acquisition == AcquisitionDetails(dt.date(2027, 6, 1), dt.date(2027, 3, 3), 1, 2, 3, None)
    sublet = details_of(case("sublet", {"move_in_date": "2027-05-01", "tenant_household": "To voksne"}))
    assert sublet == SubletDetails(dt.date(2027, 5, 1), "To voksne")
    request = details_of(case("meeting_request", {
        "party": "association", "topics": ["Vedlikehold"], "deadline": "2027-03-22",
        "meeting": {"id": 7, "starts_at": "2027-03-15T09:00:00+00:00"}, "outcome": "booked"}))
    assert request == MeetingRequestDetails(
        "association", ("Vedlikehold",), dt.date(2027, 3, 22),
        BookedMeeting(7, dt.datetime(2027, 3, 15, 9, tzinfo=UTC)), "booked")
    assert details_of(case("complaint", {})) is None


def test_a_request_not_yet_answered_has_no_meeting_and_no_outcome():
    request = details_of(case("meeting_request", {"party": "municipality", "topics": [],
                                                  "deadline": "2027-03-22", "meeting": None}))
    assert (request.meeting, request.outcome) == (None, None)


def test_writing_back_keeps_the_stored_json_shape():
    stored = {"party": "association", "topics": ["Vedlikehold"], "deadline": "2027-03-22", "meeting": None}
    request = case("meeting_request", dict(stored))
    booked = BookedMeeting(7, dt.datetime(2027, 3, 15, 9, tzinfo=UTC))
    with_details(request, details_of(request).replace(meeting=booked, outcome="booked"))
    assert request.details == {**stored, "meeting": {"id": 7, "starts_at": "2027-03-15T09:00:00+00:00"},
                               "outcome": "booked"}
    assert details_of(request).meeting == booked


def test_a_new_cases_details_are_the_json_the_api_has_always_shown():
    """New notices are written through the shapes too, as the same JSON as before."""
    assert as_json(AcquisitionDetails(dt.date(2027, 6, 1), dt.date(2027, 3, 3))) == {
        "planned_date": "2027-06-01", "board_asked_on": "2027-03-03", "warning": None}
    assert as_json(SubletDetails(dt.date(2027, 5, 1), "To voksne")) == {
        "move_in_date": "2027-05-01", "tenant_household": "To voksne"}
    assert as_json(MeetingRequestDetails("municipality", ("Vedlikehold",), dt.date(2027, 3, 22))) == {
        "party": "municipality", "topics": ["Vedlikehold"], "deadline": "2027-03-22", "meeting": None}
