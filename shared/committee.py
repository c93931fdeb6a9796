"""The samarbeidsutvalg: its members from the contacts directory, and its calendar files."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .ical import Person, meeting_calendar
from .models import Contact, Meeting, utcnow
from .settings import Settings


def committee(session: Session) -> list[Contact]:
    return list(session.execute(
        select(Contact).where(Contact.committee_member.is_(True)).order_by(Contact.party, Contact.name)
    ).scalars())


def organizer(session: Session, settings: Settings) -> Person:
    """The municipality's main contact calls the meetings; the system's sender if none."""
    contact = session.execute(
        select(Contact).where(Contact.party == "municipality", Contact.role == "main_contact").limit(1)
    ).scalar_one_or_none()
    if contact is None:
        return Person("samhandling", settings.mail_from)
    return Person(contact.name, contact.email)


def meeting_ics(session: Session, meeting: Meeting, method: str, settings: Settings) -> bytes:
    members = [Person(c.name, c.email) for c in committee(session)]
    return meeting_calendar(meeting, organizer=organizer(session, settings), members=members,
                            method=method, tz_name=settings.tz_name, now=utcnow())
