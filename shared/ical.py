"""iCalendar invitations (RFC 5545/6047): REQUEST with a stable UID and rising SEQUENCE,
CANCEL on cancellation, TZID=Europe/Oslo with its VTIMEZONE, one ATTENDEE per member."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText

from .i18n import DEFAULT_LANGUAGE, gettext_for
from .meeting_texts import in_language
from .models import Meeting


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def agenda_text(meeting: Meeting, language: str = DEFAULT_LANGUAGE) -> str:
    """The agenda as the calendar's description and the invitation's text show it, in `language`."""
    gettext = gettext_for(language).gettext
    lines = [f"{item.position}. {in_language(item.title, language)}" for item in meeting.agenda]
    return gettext("Dagsorden:") + "\n" + "\n".join(lines) if lines else gettext("Dagsorden kommer.")


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    for key, value in params.items():
        address.params[key.upper()] = vText(value)
    return address


def meeting_calendar(
    meeting: Meeting, *, organizer: Person, members: Sequence[Person], method: str, tz_name: str,
    now: dt.datetime, language: str = DEFAULT_LANGUAGE,
) -> bytes:
    """The texts (summary, place, description) in `language`, which their LANGUAGE parameter names."""
    zone = ZoneInfo(tz_name)
    said = {"LANGUAGE": language}
    calendar = Calendar()
    calendar.add("prodid", "-//samhandling//samarbeidsutvalg//NO")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", now.astimezone(dt.UTC))
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", in_language(meeting.title, language), parameters=said)
    event.add("location", in_language(meeting.location, language), parameters=said)
    event.add("description", agenda_text(meeting, language), parameters=said)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", _address(organizer))
    for member in members:
        event.add("attendee", _address(member, role="REQ-PARTICIPANT", partstat="NEEDS-ACTION",
                                       rsvp="TRUE", cutype="INDIVIDUAL"), encode=False)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    ical: bytes = calendar.to_ical()
    return ical
