"""What the meeting pages share: a meeting's version as a form carries it, what changed since, and
one runner that applies a use case (the API's own: meeting_changes, agenda, minutes) to the meeting
in one transaction, refusing a stale form (409) and mapping each refusal to a field's message.

A meeting's version is what a person saw when they chose: its SEQUENCE (raised by each invitation),
its status, its time and its agenda's items in order. Agenda changes do not raise SEQUENCE (they
send nothing), so the items are in the version too.

Every message is in the signed-in contact's language (nb or nn, SPEC §9): the use cases' refusals
are message ids with their arguments (shared.i18n.Translatable), their bokmål text the API's.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import get_locale, gettext

from shared import lifecycle
from shared.db import unit_of_work
from shared.formats import date, date_time
from shared.i18n import N_, Translatable
from shared.meeting_texts import in_language
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
# Message ids, translated where shown.
STATUS_LABELS = {"planned": N_("Planlagt"), "held": N_("Holdt"), "cancelled": N_("Avlyst")}
CLOSED = {"held": N_("Møtet er holdt, og referatet er skrevet."), "cancelled": N_("Møtet er avlyst.")}


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


def language() -> str:
    """The page's language: the signed-in contact's (languages.staff_page_language)."""
    return str(get_locale())


def changes(shown: Shown, meeting: Meeting, tz_name: str) -> list[str]:
    """What is different now from what the page showed, in words."""
    said = []
    if meeting.status != shown.status:
        said.append(gettext(CLOSED[meeting.status]) if meeting.status in CLOSED
                    else gettext("Møtet har nå status %(status)s.", status=meeting.status))
    if int(meeting.starts_at.timestamp()) != shown.starts:
        said.append(gettext("Møtet er flyttet til %(when)s.",
                            when=date_time(meeting.starts_at, tz_name, language())))
    elif meeting.sequence != shown.sequence and meeting.status == shown.status:
        said.append(gettext("Medlemmene har fått en oppdatert innkalling (med dagsorden eller nytt sted)."))
    now_items = {item.id: item for item in meeting.agenda}
    added = [now_items[i].title for i in now_items if i not in shown.items]
    removed = [i for i in shown.items if i not in now_items]
    said += [gettext("Punktet «%(title)s» er satt på dagsordenen.", title=in_language(title, language()))
             for title in added]
    if removed:
        said.append(gettext("%(count)s punkt er tatt av dagsordenen.", count=len(removed)) if len(removed) == 1
                    else gettext("%(count)s punkter er tatt av dagsordenen.", count=len(removed)))
    kept_then = [i for i in shown.items if i in now_items]
    kept_now = [item.id for item in meeting.agenda if item.id in shown.items]
    if kept_then != kept_now:
        said.append(gettext("Rekkefølgen på dagsordenen er endret."))
    return said


def _short_notice(error: ShortNotice) -> str:
    other = gettext(PARTY_NAMES[error.other_party]) if error.other_party in PARTY_NAMES else gettext(
        "den andre parten")
    return str(gettext("Møtet kan ikke flyttes til %(day)s: det gir kortere varsel enn %(days)s arbeidsdager "
                       "(tidligst %(earliest)s). Kortere varsel krever samtykke fra %(other)s: velg kontaktpersonen "
                       "som har samtykket.", day=date(error.day, language()), days=error.days,
                       earliest=date(error.earliest, language()), other=other))


def _said(error: Translatable) -> str:
    return error.text_in(language())


ERRORS: dict[type[Exception], Callable[[Any], tuple[int, dict[str, str]]]] = {
    MeetingClosed: lambda e: (409, {"handling": gettext(CLOSED[e.status]) if e.status in CLOSED
                                    else gettext("Møtet kan ikke endres nå.")}),
    NotBookable: lambda e: (422, {"dato": _said(e)}),
    DayTaken: lambda e: (409, {"dato": gettext("Samarbeidsutvalget har allerede et møte %(day)s.",
                                               day=date(e.day, language()))}),
    ShortNotice: lambda e: (409, {"samtykke": _short_notice(e)}),
    BadAgreement: lambda e: (422, {"samtykke": _said(e)}),
    AfterDeadline: lambda e: (409, {"overstyr": gettext(
        "Møtet ville bli holdt etter fristen %(deadline)s for %(reference)s. Kryss av for å overstyre fristen og "
        "skriv hvorfor, om møtet likevel skal holdes da.", deadline=date(e.deadline, language()),
        reference=e.reference)}),
    NotOnAgenda: lambda e: (409, {"handling": gettext("Punktet står ikke lenger på dagsordenen.")}),
    CaseNotAddable: lambda e: (422, {"sak": _said(e)}),
    MinutesRefused: lambda e: (409, {"handling": _said(e)}),
    BadDecision: lambda e: (422, {e.field: _said(e)}),
    lifecycle.IllegalTransition: lambda e: (409, {"handling": gettext(
        "En sak på dagsordenen har status «%(status)s», der vedtaket ikke kan gjennomføres. Ingenting er lagret.",
        status=gettext(CASE_STATUSES[e.status]) if e.status in CASE_STATUSES else e.status)}),
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
        raise Refused(400, {"handling": gettext("Skjemaet mangler møtets versjon. Last siden på nytt og prøv igjen.")})
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            meeting = find_meeting(session, meeting_id, for_update=True, agreements=user.agreements(session))
            if Shown.of(meeting) != shown:
                raise Refused(409, {"handling": gettext("Møtet er endret siden du åpnet siden. Ingenting er lagret; "
                                                        "se hva som er endret, og prøv igjen om du fortsatt vil.")},
                              changes(shown, meeting, tz_name()))
            use_case(session, meeting_id, *args, actor=user.principal.actor, now=now(), tz_name=tz_name(), **kwargs)
    except tuple(ERRORS) as error:
        status, errors = next(ERRORS[kind] for kind in type(error).__mro__ if kind in ERRORS)(error)
        raise Refused(status, errors) from None
