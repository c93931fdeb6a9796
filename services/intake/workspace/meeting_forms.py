"""What the meeting pages share: a meeting's version as a form carries it, what changed since, and
one runner that applies a use case (the API's own: meeting_changes, agenda, minutes) to the meeting
in one transaction, refusing a stale form (409) and mapping each refusal to a field's message.

A meeting's version is what a person saw when they chose: its SEQUENCE (raised by each invitation),
its status, its time and its agenda's items in order. Agenda changes do not raise SEQUENCE (they
send nothing), so the items are in the version too.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request

from shared import lifecycle
from shared.db import unit_of_work
from shared.formats import date_nb, datetime_nb
from shared.models import Meeting
from shared.vocabulary import CASE_STATUSES, PARTY_NAMES

from ..agenda import CaseNotAddable, NotOnAgenda
from ..meeting_changes import (
    AfterDeadline,
    BadAgreement,
    DayTaken,
    MeetingClosed,
    NotBookable,
    ShortNotice,
    find_meeting,
)
from ..minutes import BadDecision, MinutesRefused
from .sessions import current_user, now

VERSION_FIELD = "versjon"
STATUS_LABELS = {"planned": "Planlagt", "held": "Holdt", "cancelled": "Avlyst"}
CLOSED = {"held": "Møtet er holdt, og referatet er skrevet.", "cancelled": "Møtet er avlyst."}


class Refused(Exception):
    """Nothing was saved: the status, a message per field, and what changed when the form was stale."""

    def __init__(self, status: int, errors: dict[str, str], changed: list[str] | None = None) -> None:
        super().__init__(status, errors)
        self.status, self.errors, self.changed = status, errors, changed or []


@dataclass(frozen=True)
class Shown:
    """The meeting as the form's page showed it."""

    sequence: int
    status: str
    starts: int  # the start as a POSIX timestamp
    items: tuple[int, ...]

    @classmethod
    def of(cls, meeting: Meeting) -> Shown:
        return cls(meeting.sequence, meeting.status, int(meeting.starts_at.timestamp()),
                   tuple(item.id for item in meeting.agenda))

    def token(self) -> str:
        return f"{self.sequence}.{self.status}.{self.starts}.{'-'.join(map(str, self.items))}"

    @classmethod
    def parse(cls, token: str) -> Shown | None:
        parts = token.split(".")
        if len(token) > 2000 or len(parts) != 4 or not parts[0].isdigit() or not parts[2].isdigit():
            return None
        items = parts[3].split("-") if parts[3] else []
        if not all(item.isdigit() and len(item) < 12 for item in items) or len(parts[0]) > 9 or len(parts[2]) > 12:
            return None
        return cls(int(parts[0]), parts[1], int(parts[2]), tuple(map(int, items)))


def version_of(meeting: Meeting) -> str:
    return Shown.of(meeting).token()


def changes(shown: Shown, meeting: Meeting, tz_name: str) -> list[str]:
    """What is different now from what the page showed, in words."""
    said = []
    if meeting.status != shown.status:
        said.append(CLOSED.get(meeting.status, f"Møtet har nå status {meeting.status}."))
    if int(meeting.starts_at.timestamp()) != shown.starts:
        said.append(f"Møtet er flyttet til {datetime_nb(meeting.starts_at, tz_name)}.")
    elif meeting.sequence != shown.sequence and meeting.status == shown.status:
        said.append("Medlemmene har fått en oppdatert innkalling (med dagsorden eller nytt sted).")
    now_items = {item.id: item for item in meeting.agenda}
    added = [now_items[i].title for i in now_items if i not in shown.items]
    removed = [i for i in shown.items if i not in now_items]
    said += [f"Punktet «{title}» er satt på dagsordenen." for title in added]
    if removed:
        said.append(f"{len(removed)} punkt er tatt av dagsordenen." if len(removed) == 1
                    else f"{len(removed)} punkter er tatt av dagsordenen.")
    kept_then = [i for i in shown.items if i in now_items]
    kept_now = [item.id for item in meeting.agenda if item.id in shown.items]
    if kept_then != kept_now:
        said.append("Rekkefølgen på dagsordenen er endret.")
    return said


def _short_notice(error: ShortNotice) -> str:
    other = PARTY_NAMES.get(error.other_party or "", "den andre parten")
    return (f"Møtet kan ikke flyttes til {date_nb(error.day)}: det gir kortere varsel enn {error.days} "
            f"arbeidsdager (tidligst {date_nb(error.earliest)}). Kortere varsel krever samtykke fra {other}: "
            "velg kontaktpersonen som har samtykket.")


ERRORS: dict[type[Exception], Callable[[Any], tuple[int, dict[str, str]]]] = {
    MeetingClosed: lambda e: (409, {"handling": CLOSED.get(e.status, "Møtet kan ikke endres nå.")}),
    NotBookable: lambda e: (422, {"dato": str(e)}),
    DayTaken: lambda e: (409, {"dato": f"Samarbeidsutvalget har allerede et møte {date_nb(e.day)}."}),
    ShortNotice: lambda e: (409, {"samtykke": _short_notice(e)}),
    BadAgreement: lambda e: (422, {"samtykke": str(e)}),
    AfterDeadline: lambda e: (409, {"overstyr": (
        f"Møtet ville bli holdt etter fristen {date_nb(e.deadline)} for {e.reference}. Kryss av for å overstyre "
        "fristen og skriv hvorfor, om møtet likevel skal holdes da.")}),
    NotOnAgenda: lambda e: (409, {"handling": "Punktet står ikke lenger på dagsordenen."}),
    CaseNotAddable: lambda e: (422, {"sak": str(e)}),
    MinutesRefused: lambda e: (409, {"handling": str(e).split(" Den andre parten")[0]}),
    BadDecision: lambda e: (422, {e.field: e.message}),
    lifecycle.IllegalTransition: lambda e: (409, {"handling": (
        f"En sak på dagsordenen har status «{CASE_STATUSES.get(e.status, e.status)}», der vedtaket ikke kan "
        "gjennomføres. Ingenting er lagret.")}),
}


def tz_name() -> str:
    return str(current_app.config["SETTINGS"].tz_name)


def zone() -> ZoneInfo:
    return ZoneInfo(tz_name())


def run(meeting_id: int, use_case: Callable[..., Meeting], *args: Any, **kwargs: Any) -> None:
    """Apply the use case to the meeting as the signed-in user, or raise Refused (nothing saved).

    MeetingNotFound passes through (the page answers 404)."""
    user = current_user()
    assert user is not None
    shown = Shown.parse(request.form.get(VERSION_FIELD, ""))
    if shown is None:
        raise Refused(400, {"handling": "Skjemaet mangler møtets versjon. Last siden på nytt og prøv igjen."})
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            meeting = find_meeting(session, meeting_id, for_update=True, agreements=user.agreements(session))
            if Shown.of(meeting) != shown:
                raise Refused(409, {"handling": "Møtet er endret siden du åpnet siden. Ingenting er lagret; se hva "
                                                "som er endret, og prøv igjen om du fortsatt vil."},
                              changes(shown, meeting, tz_name()))
            use_case(session, meeting_id, *args, actor=user.principal.actor, now=now(), tz_name=tz_name(), **kwargs)
    except tuple(ERRORS) as error:
        status, errors = next(ERRORS[kind] for kind in type(error).__mro__ if kind in ERRORS)(error)
        raise Refused(status, errors) from None
