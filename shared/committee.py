"""The samarbeidsutvalg: its members and parties from the contacts directory, its calendar files,
and what a decision in its minutes did to a case, in words for the minutes e-mail, page and
document, each in its reader's language (nb or nn)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .handbook_roles import in_agreement, main_contact
from .i18n import DEFAULT_LANGUAGE, N_, gettext_for
from .ical import Person, meeting_calendar
from .models import DEFAULT_AGREEMENT, Contact, Meeting, utcnow
from .settings import Settings
from .vocabulary import CASE_HOLDERS, PARTY_NAMES

# Message ids, in the reader's language where shown (decision_outcome's `language`).
CASE_ACTION_LABELS = {"resolve": N_("Saken er løst."), "reject": N_("Saken er avvist.")}
# A decision on another party's case waits for that party to confirm the minutes.
PROPOSAL_LABELS = {"resolve": N_("Forslag: saken løses når %(party)s har bekreftet referatet."),
                   "reject": N_("Forslag: saken avvises når %(party)s har bekreftet referatet.")}
# The case had moved on when the other party confirmed the minutes, so the proposal was not applied.
LAPSED_LABEL = N_("Forslaget falt bort: saken var endret før referatet ble bekreftet.")


def committee(session: Session, agreement_id: int = DEFAULT_AGREEMENT) -> list[Contact]:
    """The agreement's samarbeidsutvalg: its contacts who are members (each agreement has its own)."""
    return list(session.execute(
        select(Contact).where(Contact.committee_member.is_(True), in_agreement(agreement_id))
        .order_by(Contact.party, Contact.name)
    ).scalars())


def organizer(session: Session, settings: Settings, agreement_id: int = DEFAULT_AGREEMENT) -> Person:
    """The agreement's municipality main contact calls the meetings; the system's sender if none."""
    contact = main_contact(session, agreement_id)
    if contact is None:
        return Person("samhandling", settings.mail_from)
    return Person(contact.name, contact.email)


def meeting_ics(session: Session, meeting: Meeting, method: str, settings: Settings,
                language: str = DEFAULT_LANGUAGE) -> bytes:
    """The meeting's calendar file, its summary and description in `language` (nb or nn)."""
    members = [Person(c.name, c.email) for c in committee(session, meeting.agreement_id)]
    return meeting_calendar(meeting, organizer=organizer(session, settings, meeting.agreement_id), members=members,
                            method=method, tz_name=settings.tz_name, now=utcnow(), language=language)


def parties(session: Session, language: str = DEFAULT_LANGUAGE, agreement_id: int = DEFAULT_AGREEMENT) -> list[str]:
    """The agreement's two parties as its directory names them ("Tromsø kommune Boligkontoret",
    "BoNord"): each party's organisation, its main contact's first; "kommunen" and "boligbyggelaget"
    (in `language`) when no contact of the party names one."""
    rows = session.execute(
        select(Contact.party, Contact.organisation)
        .where(Contact.party.in_(CASE_HOLDERS), Contact.organisation != "", in_agreement(agreement_id))
        .order_by(Contact.party, (Contact.role != "main_contact"), Contact.email)
    ).all()
    named: dict[str, str] = {}
    for party, organisation in rows:
        named.setdefault(party, organisation)
    gettext = gettext_for(language).gettext
    return [named.get(party, gettext(PARTY_NAMES[party])) for party in CASE_HOLDERS]


def decision_outcome(decision: dict[str, Any], language: str = DEFAULT_LANGUAGE) -> str:
    """What a decision of the minutes did to its case, in words in `language`; "" when it did nothing."""
    action = decision.get("case_action")
    if not action:
        return ""
    gettext = gettext_for(language).gettext
    if decision.get("state") == "proposed":
        awaiting = decision["awaiting"]
        return gettext(PROPOSAL_LABELS[action]) % {"party": gettext(PARTY_NAMES[awaiting])
                                                   if awaiting in PARTY_NAMES else awaiting}
    if decision.get("state") == "lapsed":
        return gettext(LAPSED_LABEL)
    return gettext(CASE_ACTION_LABELS[action])
