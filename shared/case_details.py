"""The type-specific fields of a case (Case.details, stored as JSON), read and written through one
typed shape per case type, so no code spells their keys or parses their dates.

A complaint has none. The rows keep the JSON the API has always shown; reading tolerates a field
not yet set (an acquisition's figures before the check, a request not yet answered).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from .models import Case

T = TypeVar("T", bound="_Details")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


class _Details:
    # Fields a new case shows even while unset (null in its JSON), as the API always has.
    shown_when_unset: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_json(cls: type[T], data: dict[str, Any]) -> T:
        raise NotImplementedError

    @classmethod
    def of(cls: type[T], case: Case) -> T:
        """The case's details in this shape (the caller knows the case's type)."""
        return cls.from_json(case.details or {})

    def replace(self: T, **changes: Any) -> T:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]


@dataclass(frozen=True)
class AcquisitionDetails(_Details):
    planned_date: dt.date | None
    board_asked_on: dt.date | None = None
    owned_before: int | None = None  # the municipality's homes in the borettslag before and after
    owned_after: int | None = None
    cap: int | None = None
    warning: str | None = None
    shown_when_unset: ClassVar[tuple[str, ...]] = ("warning",)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AcquisitionDetails:
        return cls(_date(data.get("planned_date")), _date(data.get("board_asked_on")),
                   data.get("owned_before"), data.get("owned_after"), data.get("cap"), data.get("warning"))


@dataclass(frozen=True)
class SubletDetails(_Details):
    move_in_date: dt.date | None
    tenant_household: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SubletDetails:
        return cls(_date(data.get("move_in_date")), data.get("tenant_household", ""))


@dataclass(frozen=True)
class BookedMeeting:
    id: int
    starts_at: dt.datetime


@dataclass(frozen=True)
class MeetingRequestDetails(_Details):
    party: str | None
    topics: tuple[str, ...] = ()
    deadline: dt.date | None = None  # the request date + 21 days, as computed when it came in
    meeting: BookedMeeting | None = None
    outcome: str | None = None  # booked | joined | no_slot, once the scheduler has answered
    shown_when_unset: ClassVar[tuple[str, ...]] = ("meeting",)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MeetingRequestDetails:
        meeting = data.get("meeting")
        booked = (BookedMeeting(meeting["id"], dt.datetime.fromisoformat(meeting["starts_at"]))
                  if meeting else None)
        return cls(data.get("party"), tuple(data.get("topics", ())), _date(data.get("deadline")),
                   booked, data.get("outcome"))


CaseDetails = AcquisitionDetails | SubletDetails | MeetingRequestDetails
SHAPES: dict[str, type[CaseDetails]] = {
    "acquisition": AcquisitionDetails, "sublet": SubletDetails, "meeting_request": MeetingRequestDetails,
}


def details_of(case: Case) -> CaseDetails | None:
    """The case's details in its type's shape; None for a complaint."""
    shape = SHAPES.get(case.type)
    return shape.from_json(case.details or {}) if shape else None


def _json(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: _json(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, tuple):
        return [_json(item) for item in value]
    return value


def as_json(details: CaseDetails) -> dict[str, Any]:
    """A new case's details as JSON: a field still unset is left out unless the shape shows it."""
    return {key: value for key, value in _json(details).items()
            if value is not None or key in details.shown_when_unset}


def with_details(case: Case, details: CaseDetails) -> None:
    """Write the details back as JSON, keeping the row's keys; a field still unset is not added."""
    stored = dict(case.details or {})
    for key, value in _json(details).items():
        if value is not None or key in stored or key in details.shown_when_unset:
            stored[key] = value
    case.details = stored
