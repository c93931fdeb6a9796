"""The submitter's tracking page: status and public history, nothing internal.

The page gets a PublicCase, not the ORM row, so contact addresses, the assignee and internal
notes cannot reach the template by accident.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shared.formats import written_date, written_date_time
from shared.models import Case
from shared.vocabulary import CASE_STATUSES, CASE_TYPES, COMPLAINT_CATEGORIES

bp = Blueprint("tracking", __name__)

EMAIL = re.compile(r"[^\s@<>()\[\],;:\"']+@[^\s@<>()\[\],;:\"']+")
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


@dataclass(frozen=True)
class PublicEvent:
    at: dt.datetime
    status: str
    comment: str


@dataclass(frozen=True)
class PublicCase:
    reference: str
    kind: str
    status: str
    cooperative: str
    category: str
    description: str
    share_number: str | None
    address: str | None
    occurred_on: dt.date | None
    received_at: dt.datetime
    history: list[PublicEvent]


def without_addresses(text: str) -> str:
    """Staff write the public comments; an e-mail address in one is not the submitter's to see."""
    return EMAIL.sub("[e-postadresse]", text)


def find_public_case(db: Session, token: str, tz: ZoneInfo) -> PublicCase | None:
    case = db.execute(
        select(Case)
        .where(Case.tracking_token == token)
        .options(selectinload(Case.cooperative), selectinload(Case.history))
    ).scalar_one_or_none()
    if case is None:
        return None
    return PublicCase(
        reference=case.reference,
        kind=CASE_TYPES.get(case.type, case.type),
        status=CASE_STATUSES.get(case.status, case.status),
        cooperative=case.cooperative.name if case.cooperative else "",
        category=COMPLAINT_CATEGORIES.get(case.category or "", ""),
        description=case.description,
        share_number=case.share_number,
        address=case.address,
        occurred_on=case.occurred_on,
        received_at=case.created_at.astimezone(tz),
        history=[
            PublicEvent(
                at=entry.at.astimezone(tz),
                status=CASE_STATUSES.get(entry.to_status or "", ""),
                comment=without_addresses(entry.comment or ""),
            )
            for entry in case.history
            if entry.public
        ],
    )


def written_date_here(day: dt.date) -> str:
    """"5. januar 2026" in the page's language ("5 January 2026")."""
    return written_date(day, str(get_locale()))


def written_date_time_here(instant: dt.datetime, tz_name: str | None = None) -> str:
    """"5. januar 2026 kl. 09.30" in the page's language, in `tz_name`'s time (or the instant's own)."""
    return written_date_time(instant, tz_name, language=str(get_locale()))


bp.add_app_template_filter(written_date_here, "dato")
bp.add_app_template_filter(written_date_time_here, "tidspunkt")


@bp.get("/sak/<token>")
def case_page(token: str) -> ResponseReturnValue:
    if len(token) > 64:
        abort(404)
    tz = ZoneInfo(current_app.config["SETTINGS"].tz_name)
    with current_app.extensions["sessionmaker"]() as db:
        case = find_public_case(db, token, tz)
    if case is None:
        return render_template("not_found.html"), 404, PRIVATE
    return render_template("case.html", case=case), 200, PRIVATE
