"""/personvern: what the service stores about a submitter, why, for how long and whom to ask (SPEC §9).

The retention is the handbook in force (shared.retention.retention_in_force), and the people to ask
are read from the directory, so the page never disagrees with what the service does.
"""
from __future__ import annotations

from dataclasses import dataclass

from babel.units import format_unit
from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.models import Contact
from shared.retention import retention_in_force
from shared.vocabulary import CASE_TYPES

bp = Blueprint("privacy", __name__)


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    organisation: str


def duration_nb(days: int) -> str:
    """730 → "2 år", 1 → "1 dag", 45 → "45 dager"."""
    if days % 365 == 0:
        return f"{days // 365} år"
    return f"{days} dag" if days == 1 else f"{days} dager"


def duration(days: int, language: str) -> str:
    """As duration_nb in bokmål; in nynorsk and English by CLDR's units ("2 years", "45 days")."""
    if language == "nb":
        return duration_nb(days)
    if days % 365 == 0:
        return format_unit(days // 365, "duration-year", locale=language)
    return format_unit(days, "duration-day", locale=language)


def first_contact(session: Session, party: str, roles: tuple[str, ...]) -> Person | None:
    """The party's active contact with the first of `roles` that anyone has."""
    contacts = session.execute(select(Contact).where(
        Contact.party == party, Contact.role.in_(roles), Contact.deactivated_at.is_(None))
        .order_by(Contact.id)).scalars().all()
    ranked = sorted(contacts, key=lambda contact: roles.index(contact.role))
    return Person(ranked[0].name, ranked[0].email, ranked[0].organisation) if ranked else None


@bp.get("/personvern")
def privacy_page() -> ResponseReturnValue:
    with current_app.extensions["sessionmaker"]() as session:
        language = str(get_locale())
        retention = [(CASE_TYPES[case_type], duration(days, language))
                     for case_type, days in retention_in_force(session).items()]
        municipality = first_contact(session, "municipality", ("main_contact", "deputy_contact"))
        association = first_contact(session, "association", ("main_contact", "leader"))
    return render_template("privacy.html", retention=retention, municipality=municipality,
                           association=association)
