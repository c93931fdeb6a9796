"""The cooperation agreement's rules (samhandlingsavtalen), each defined once (SPEC §1, §5, §8).

The six points of the agreement come from the agreement, not from a statute: the UI never cites a law
for them. Where a statute does apply, its section is named beside the rule. The handbook
(shared/handbook.py, shared/data/handbook.yaml) is each installation's editable copy of the deadline
defaults, the fixed meetings' windows and the minimum notice; the values here apply where it says
nothing, and the functions take the handbook's values as parameters.

Rules that are part of a larger mechanism stay with it (README, "Where each rule lives"): the
working-day calendar, the meeting-free holiday periods and the 16.00 received-after rule in
shared/workdays.py, the case lifecycle's transitions in shared/lifecycle.py, and the board's limit's
rows and reminders in shared/board_approval.py.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from .i18n import N_
from .models.directory import PERCENT, SAMEIE
from .workdays import CLOSING_TIME, add_working_days, is_working_day

__all__ = [
    "ANNUAL_MEETING_WINDOWS", "BOARD_APPROVAL_DAYS", "CLOSED_STATUSES", "DEADLINE_DAYS",
    "FIXED_MEETINGS_PER_YEAR", "MEETING_HOURS", "MEETING_REQUEST_DAYS", "MINIMUM_NOTICE_DAYS",
    "OPEN_STATUSES", "BORETTSLAG_STATUTE", "SAMEIE_STATUTE", "OwnershipCap", "ownership_cap",
    "PUBLIC_OWNERSHIP_PERCENT", "REMINDER_FRACTION", "RETENTION_DAYS", "earliest_with_notice",
    "longest_minimum_notice", "meeting_deadline", "notice_kept", "public_ownership_cap", "within_meeting_hours",
    "within_public_cap",
]

# --- Committee meetings -----------------------------------------------------------------------------

# Agreement point 1: two fixed meetings a year, one in a spring window and one in an autumn window
# (SPEC §5); (month, day) to (month, day), both included. The handbook's `meetings:` may set others.
FIXED_MEETINGS_PER_YEAR = 2
ANNUAL_MEETING_WINDOWS: Mapping[str, tuple[tuple[int, int], tuple[int, int]]] = MappingProxyType({
    "spring": ((3, 1), (5, 31)),
    "autumn": ((9, 1), (11, 30)),
})

# SPEC §5: meetings are held in working hours, local time; the day ends at the calendar's closing time.
MEETING_HOURS = (dt.time(8, 0), CLOSING_TIME)

# Agreement point 6: "the meeting is called within 3 weeks": held no later than 21 calendar days after
# the request's local date (SPEC §4, §5).
MEETING_REQUEST_DAYS = 21

# SPEC §5: a meeting is held no earlier than 5 Norwegian working days after it was announced (booked or
# moved); a shorter notice needs both parties' agreement. Always shorter than point 6 allows
# (longest_minimum_notice). The handbook's `meetings.minimum_notice_days` may set another.
MINIMUM_NOTICE_DAYS = 5
# The years the handbook's meeting rules are checked in (a window with a meeting day, a notice that
# leaves room before point 6's deadline): every kind of calendar year, and decades of Easter dates
# (Easter, Ascension and Whitsun are what make a three-week span short).
RULE_CHECK_YEARS = range(2025, 2076)


def meeting_deadline(requested_at: dt.datetime, tz_name: str) -> dt.date:
    """The last day a requested meeting may be held: the request's local date + 21 calendar days."""
    if requested_at.tzinfo is None or requested_at.utcoffset() is None:
        raise ValueError("expected an aware datetime")
    requested_on = requested_at.astimezone(ZoneInfo(tz_name)).date()
    return requested_on + dt.timedelta(days=MEETING_REQUEST_DAYS)


def earliest_with_notice(announced_on: dt.date, notice_days: int = MINIMUM_NOTICE_DAYS) -> dt.date:
    """The first day a meeting announced (booked or moved) on this local date may be held."""
    return add_working_days(announced_on, notice_days)


def notice_kept(held_on: dt.date, announced_on: dt.date, notice_days: int = MINIMUM_NOTICE_DAYS) -> bool:
    return held_on >= earliest_with_notice(announced_on, notice_days)


@lru_cache(maxsize=1)
def longest_minimum_notice(years: range = RULE_CHECK_YEARS) -> int:
    """The longest notice that always leaves a day before a meeting request's deadline.

    A notice of n working days keeps that room for a request made on `day` when
    earliest_with_notice(day, n) < meeting_deadline (day + 21), i.e. when the 20 days after `day`
    hold n working days: the answer is the fewest working days in any 20 days after a request.
    """
    first = dt.date(years.start, 1, 1)
    span = (dt.date(years.stop, 1, 1) - first).days + MEETING_REQUEST_DAYS
    working = [is_working_day(first + dt.timedelta(days=n)) for n in range(span)]
    room = MEETING_REQUEST_DAYS - 1
    count = sum(working[1:room + 1])
    fewest = count
    for start in range(1, span - room):  # slide the 20 days after `start` one day on
        count += working[start + room] - working[start]
        fewest = min(fewest, count)
    return fewest


def within_meeting_hours(starts: dt.datetime, ends: dt.datetime) -> bool:
    """Start and end (local wall-clock times) on one day, inside working hours."""
    opening, closing = MEETING_HOURS
    return starts.date() == ends.date() and starts.time() >= opening and ends.time() <= closing


# --- Cases --------------------------------------------------------------------------------------------

# SPEC §5's lifecycle: a case is open until it is resolved or rejected (shared/lifecycle.py has the
# transitions; reopening brings a closed case back to acknowledged).
OPEN_STATUSES = ("received", "routed", "acknowledged")
CLOSED_STATUSES = ("resolved", "rejected")

# Agreement point 5 and SPEC §5, the handbook's defaults in Norwegian working days per case type:
# (acknowledge within, resolve within); None is no such deadline. A complaint is acknowledged within 2
# and resolved within 20; a sublet question is answered within 20. A reminder at 75 % of the time.
DEADLINE_DAYS: Mapping[str, tuple[int | None, int | None]] = MappingProxyType({
    "complaint": (2, 20),
    "sublet": (None, 20),
})
REMINDER_FRACTION = 0.75

# --- Personal data (SPEC §9) ---------------------------------------------------------------------------

# How long a closed case keeps its personal data, in calendar days after it was closed (resolved or
# rejected); then the scheduler anonymises it and keeps the figures (shared/retention.py). The handbook's
# `retention:` section may set other values per case type; these apply where it says nothing.
# - complaint, 2 years: a neighbour dispute often comes back, and the parties must be able to see the
#   earlier complaint beside a new one; two years also covers the committee's review of the year before.
# - acquisition, 10 years: it documents the municipality's ownership in a borettslag and the public
#   owners' cap (burettslagslova § 4-2), which must be shown for as long as the homes can be owned.
# - sublet, 5 years: it documents the board's approval of who lived in a home and for how long, needed
#   after the sublet has ended, when the ownership and use of the home is questioned.
# - meeting_request, 2 years: a request holds only the parties' staff and topics; as long as a complaint.
RETENTION_DAYS: Mapping[str, int] = MappingProxyType({
    "complaint": 2 * 365,
    "acquisition": 10 * 365,
    "sublet": 5 * 365,
    "meeting_request": 2 * 365,
})

# --- Acquisitions (statute) -----------------------------------------------------------------------------

# burettslagslova § 4-2 (SPEC §4, §8): public owners together may own at most 10 % of a borettslag's
# homes, and always at least one. (A bylaw allowing more is data per borettslag, SPEC §8.)
PUBLIC_OWNERSHIP_PERCENT = 10

# burettslagslova § 4-5: approval of a new owner counts as given when no refusal has reached the
# municipality 20 (calendar) days after the board was asked; the row is kept by shared/board_approval.py.
BOARD_APPROVAL_DAYS = 20


def public_ownership_cap(homes: int) -> int:
    """How many homes public owners may own together: 10 % rounded down, and always at least one."""
    return max(1, homes * PUBLIC_OWNERSHIP_PERCENT // 100)


def within_public_cap(owned: int, homes: int) -> bool:
    return owned <= public_ownership_cap(homes)


# The statutes a cap comes from (SPEC §8). Sources, read before citing them (checked again 2026-11-30
# with the search tool; the act's own text on lovdata.no was not among the stored pages):
# - burettslagslova (lov 6. juni 2003 nr. 39) § 4-2, https://lovdata.no/lov/2003-06-06-39/§4-2. The
#   standard bylaws that restate it (https://www.solfjellet.no/Nyttig/Vedtekter/2Andelerogandelseier/
#   tabid/3332/Default.aspx, point 2.1 (3)): «Følgende juridiske personer [...] kan til sammen eie andel
#   eller andeler som gir rett til minst èn bolig og opp til ti - 10 prosent av boligene i laget: stat,
#   fylkeskommune, kommune, [...]». So: public owners together 10 % of the homes, and always at least
#   one home, as the warning says. That the bylaws may allow more is SPEC §8's; its wording in § 4-2 was
#   not in the sources found: read § 4-2 on lovdata.no before changing that rule's text.
# - eierseksjonsloven (lov 16. juni 2017 nr. 65) § 23, https://lovdata.no/lov/2017-06-16-65/§23. First
#   paragraph as the ministry quotes it (https://www.regjeringen.no/no/dokumenter/-23-departementet-svarer-
#   pa-sporsmal-om-ervervsbegrensningen-i-eierseksjonslovens-23/id2884619/): «Ingen kan kjøpe eller på
#   annen måte erverve en boligseksjon hvis ervervet fører til at man blir eier av flere enn to
#   boligseksjoner i eierseksjonssameiet». The exception (https://www.veiviseren.no/forstaa-helheten/
#   lover-og-forskrifter/lov-om-eierseksjoner-eierseksjonsloven, on § 23): the limit of two does not
#   apply to «staten, fylkeskommuner, kommuner» and housing companies they control; and, as a housing
#   lawyer reads the same rule in the 1997 act (§ 22, https://www.boligstyret.no/kommune-og-visse-andre-
#   juridiske-personer-kan-erverve-ubegrenset-med-boligseksjoner-dersom-noe-annet-ikke-er-vedtektsfestet/):
#   «Med tilslutning fra alle seksjonseieren [sic] kan det fastsettes begrensninger i vedtektene [...] Selv om
#   det vedtas slike vedtektsbestemmelser kan disse [...] eie inntil 10% eller minst 1 av boligenhetene».
#   So: no limit for the municipality unless the bylaws set one, and such a limit never below 10 % /
#   one section, as the warning says (a bylaw limit needs every section owner's consent).
BORETTSLAG_STATUTE = "burettslagslova § 4-2"
SAMEIE_STATUTE = "eierseksjonsloven § 23"


@dataclass(frozen=True)
class OwnershipCap:
    """How many homes (sections) public owners may own in one housing company, and why."""

    limit: int | None  # None: no limit (a sameie whose bylaws say nothing)
    statute: str
    rule_id: str  # the rule applied: a bokmål message id of the shared catalog, filled from rule_args
    rule_args: dict[str, int | str]

    @property
    def rule(self) -> str:
        """The rule in bokmål, for the API and the stored warning."""
        return self.rule_id % self.rule_args


def _bylaws_figure(homes: int, figure: int, unit: str | None) -> int:
    return homes * figure // 100 if unit == PERCENT else figure


def ownership_cap(kind: str, homes: int, bylaws_figure: int | None = None, bylaws_unit: str | None = None
                  ) -> OwnershipCap:
    """The cap in a borettslag (10 %, at least one, more when the bylaws allow it) or in a sameie (none
    unless the bylaws limit the municipality, and then never below 10 % / one section)."""
    least = public_ownership_cap(homes)
    if kind == SAMEIE:
        if bylaws_figure is None:
            return OwnershipCap(None, SAMEIE_STATUTE, N_("ingen grense: to-seksjonsgrensen gjelder ikke kommunen, "
                                                         "og vedtektene begrenser ikke kjøpet (%(statute)s)"),
                                {"statute": SAMEIE_STATUTE})
        limit = max(least, _bylaws_figure(homes, bylaws_figure, bylaws_unit))
        return OwnershipCap(limit, SAMEIE_STATUTE, N_("%(limit)s av %(homes)s seksjoner etter vedtektene, aldri "
                                                      "under %(percent)s %% eller én seksjon (%(statute)s)"),
                            {"limit": limit, "homes": homes, "percent": PUBLIC_OWNERSHIP_PERCENT,
                             "statute": SAMEIE_STATUTE})
    if bylaws_figure is not None and (allowed := _bylaws_figure(homes, bylaws_figure, bylaws_unit)) > least:
        return OwnershipCap(allowed, BORETTSLAG_STATUTE,
                            N_("%(limit)s av %(homes)s boliger, som vedtektene tillater (%(statute)s)"),
                            {"limit": allowed, "homes": homes, "statute": BORETTSLAG_STATUTE})
    return OwnershipCap(least, BORETTSLAG_STATUTE, N_("%(percent)s %% av boligene, alltid minst én (%(statute)s)"),
                        {"percent": PUBLIC_OWNERSHIP_PERCENT, "statute": BORETTSLAG_STATUTE})
