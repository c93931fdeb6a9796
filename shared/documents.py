"""The committee's documents as PDF: the agenda and the minutes of a meeting, and the year's
compliance report for the annual meeting (WeasyPrint).

One home for both, so the notifier attaches to its e-mails the very document the workspace and the
API let members download. A document is made from the meeting as stored, with its metadata dates
taken from the meeting rather than the clock, so the same meeting makes the same bytes in the same
language (nb or nn, the reader's): a retried e-mail is the same e-mail. WeasyPrint takes a second
to import and is imported when first used.

The compliance report and the personal-data export are written in the language asked for (bokmål or
nynorsk, the signed-in contact's; SPEC §9): their templates' _() texts come from the shared catalogs
(shared.i18n), and their dates from shared.formats in that language.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from .committee import committee, decision_outcome, parties
from .directory import contact_by_email
from .formats import date, date_time, long_span
from .i18n import DEFAULT_LANGUAGE, N_, gettext_for, known_language
from .meeting_texts import in_language
from .models import DEFAULT_AGREEMENT, Case, Meeting
from .vocabulary import CASE_STATUSES, COMPLAINT_CATEGORIES, PARTY_NAMES

TEMPLATES = Path(__file__).parent / "templates"
PDF = "application/pdf"


@dataclass(frozen=True)
class Document:
    """A file to download or attach."""

    filename: str
    content: bytes
    content_type: str = PDF


class NoMinutes(LookupError):
    """The meeting has no minutes (yet)."""


@cache
def _environment(language: str = DEFAULT_LANGUAGE) -> Environment:
    """The documents' templates in one language, with _() from the catalogs (one per language and process)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      extensions=["jinja2.ext.i18n"])
    env.install_gettext_translations(gettext_for(language), newstyle=True)  # type: ignore[attr-defined]
    env.globals["language"] = known_language(language)
    return env


@cache
def _css() -> str:
    return (TEMPLATES / "documents" / "documents.css").read_text(encoding="utf-8")


@lru_cache(maxsize=16)
def render_pdf(html: str) -> bytes:
    """The PDF of an HTML document of ours, in the documents' print stylesheet (no other resources).

    Kept for the last few documents, since one event mails the same document to every member."""
    from weasyprint import CSS, HTML  # slow to import: only processes that make a document pay for it

    # Its seven INFO lines per document ("Step 1 - Fetching and parsing HTML") say nothing to an operator.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    pdf: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf(stylesheets=[CSS(string=_css())])
    return pdf


def _instant(value: dt.datetime | str | None, tz_name: str) -> dt.datetime | None:
    if value is None:
        return None
    instant = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if instant.tzinfo is None:  # SQLite hands back naive UTC
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(ZoneInfo(tz_name))


def _w3c(instant: dt.datetime) -> str:
    return instant.replace(microsecond=0).isoformat()


def _references(session: Session, meeting: Meeting) -> dict[int, str]:
    ids = [item.case_id for item in meeting.agenda if item.case_id is not None]
    if not ids:
        return {}
    return dict(session.execute(select(Case.id, Case.reference).where(Case.id.in_(ids))).all())


def _context(session: Session, meeting: Meeting, tz_name: str, heading: str, language: str) -> dict[str, Any]:
    # The agenda's date is the meeting's last change (a booking, a move, a change of agenda).
    changed = _instant(meeting.updated_at, tz_name) or _instant(meeting.created_at, tz_name)
    assert changed is not None
    references = _references(session, meeting)
    return {
        "heading": gettext_for(language).gettext(heading), "meeting": meeting,
        "title": in_language(meeting.title, language), "location": in_language(meeting.location, language),
        "parties": parties(session, language, meeting.agreement_id),
        "when": long_span(meeting.starts_at, meeting.ends_at, tz_name, language),
        "created": _w3c(changed), "modified": _w3c(changed),
        "items": [{"position": item.position, "title": in_language(item.title, language),
                   "reference": references.get(item.case_id) if item.case_id else None,
                   "decision": item.decision} for item in meeting.agenda],
    }


def agenda_pdf(session: Session, meeting: Meeting, tz_name: str, language: str = DEFAULT_LANGUAGE) -> Document:
    """The meeting's agenda in `language` (nb or nn): every item in order, with its case's reference
    where it has one. The file's name is the same in both: dagsorden-2027-03-15.pdf."""
    context = _context(session, meeting, tz_name, N_("Dagsorden"), language)
    html = _environment(known_language(language)).get_template("documents/agenda.html").render(context)
    return Document(f"dagsorden-{meeting.held_on.isoformat()}.pdf", render_pdf(html))


def _name(session: Session, email: str) -> str:
    contact = contact_by_email(session, email)
    return contact.name if contact else email


def _attendance(session: Session, minutes: dict[str, Any], agreement_id: int) -> dict[str, Any]:
    def named(member: dict[str, Any]) -> str:
        organisation = member.get("organisation") or ""
        return f"{member['name']} ({organisation})" if organisation not in member["name"] else member["name"]

    recorded = minutes.get("attendance")
    if recorded is None:  # attendance not recorded: name the members
        members = [{"name": m.name, "organisation": m.organisation} for m in committee(session, agreement_id)]
        return {"present": None, "absent": [], "members": [named(m) for m in members]}
    return {"present": [named(m) for m in recorded if m["present"]],
            "absent": [named(m) for m in recorded if not m["present"]], "members": []}


def minutes_pdf(session: Session, meeting: Meeting, tz_name: str, language: str = DEFAULT_LANGUAGE) -> Document:
    """The meeting's minutes in `language` (nb or nn): attendance, the summary, and each agenda item
    with its decision and what the decision did to the item's case; who wrote them and who
    confirmed them. What people wrote (the summary, decisions, remarks) is as they wrote it."""
    minutes = meeting.minutes
    if not minutes:
        raise NoMinutes(meeting.id)
    context = _context(session, meeting, tz_name, N_("Referat"), language)
    decisions = {d["agenda_item"]: d for d in minutes.get("decisions", [])}
    for item in context["items"]:
        decision = decisions.get(item["position"], {})
        item["decision"] = decision.get("decision") or item["decision"]
        item["outcome"] = decision_outcome(decision, language) if decision else ""
    confirmations = minutes.get("confirmations", [])
    recorded_at = _instant(minutes.get("recorded_at"), tz_name)
    assert recorded_at is not None
    last = _instant(confirmations[-1]["at"], tz_name) if confirmations else recorded_at
    assert last is not None
    gettext = gettext_for(language).gettext
    context.update(
        summary=minutes.get("summary", ""), attendance=_attendance(session, minutes, meeting.agreement_id),
        recorded_by=_name(session, minutes.get("recorded_by", "")),
        recorded_at=date_time(recorded_at, language=language), created=_w3c(recorded_at), modified=_w3c(last),
        confirmations=[{"by": _name(session, c["by"]),
                        "party": gettext(PARTY_NAMES[c["party"]]) if c["party"] in PARTY_NAMES else c["party"],
                        "at": date_time(_instant(c["at"], tz_name) or recorded_at, language=language),
                        "remarks": c.get("remarks")}
                       for c in confirmations],
    )
    html = _environment(known_language(language)).get_template("documents/minutes.html").render(context)
    return Document(f"referat-{meeting.held_on.isoformat()}.pdf", render_pdf(html))


def compliance_pdf(session: Session, year: int, figures: dict[str, Any], *, made_at: dt.datetime,
                   tz_name: str, language: str = DEFAULT_LANGUAGE, agreement_id: int = DEFAULT_AGREEMENT) -> Document:
    """The year's compliance report for the committee's annual meeting, from the figures the
    workspace's page shows (services/intake/compliance.py computes them, with their labels in
    `language`; shared imports no service)."""
    made = _instant(made_at, tz_name)
    assert made is not None
    context = {**figures, "year": year, "parties": parties(session, language, agreement_id),
               "made": date_time(made, language=language),
               "created": _w3c(made), "dato": lambda day: date(day, language)}
    html = _environment(language).get_template("documents/compliance.html").render(context)
    return Document(f"samsvar-{year}.pdf", render_pdf(html))


PERSONAL_DATA_FILE = N_("personopplysninger")  # the PDF's file name, before its date


def personal_data_pdf(held: dict[str, Any], *, tz_name: str, language: str = DEFAULT_LANGUAGE) -> Document:
    """Everything held about one e-mail address (services/intake/personal_data.held_about) as a PDF
    to hand to the person who asked, in `language`."""
    made = _instant(held["exported_at"], tz_name)
    assert made is not None

    def when(value: str | None) -> str:
        instant = _instant(value, tz_name)
        return date_time(instant, language=language) if instant else ""

    context = {**held, "made": date_time(made, language=language), "created": _w3c(made), "when": when,
               "statuses": CASE_STATUSES, "categories": COMPLAINT_CATEGORIES}
    html = _environment(language).get_template("documents/personal_data.html").render(context)
    name = gettext_for(language).gettext(PERSONAL_DATA_FILE)
    return Document(f"{name}-{made.date().isoformat()}.pdf", render_pdf(html))
