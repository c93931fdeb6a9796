"""GET /api/v1/compliance (staff) and the same report as a page at /samsvar/<year> (no login).

The page needs no token because the report holds no personal data: counts, dates and case
references only (shared by both from services/intake/compliance.py). The agreement's own
figures are the parties' to show their borettslag; names and texts stay behind the API tokens.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint as PageBlueprint, abort, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint

from shared.agreement import MEETING_REQUEST_DAYS
from shared.calendar import local_today
from shared.models import utcnow

from .api import documented_errors
from .auth import require
from .compliance import ComplianceReport, compliance_report
from .meeting_schemas import ComplianceOut, ComplianceQuerySchema
from .staff import SECURED

bp = Blueprint("compliance", __name__, url_prefix="/api/v1", description="Samsvar med avtalen")
pages = PageBlueprint("compliance_page", __name__)
YEARS = range(2000, 2101)
PAGE_HEADERS = {"X-Robots-Tag": "noindex"}


def _report(year: int) -> ComplianceReport:
    settings = current_app.config["SETTINGS"]
    with current_app.extensions["sessionmaker"]() as session:
        return compliance_report(session, year, now=utcnow(), tz_name=settings.tz_name,
                                 handbook_path=settings.handbook_path)


@bp.route("/compliance", methods=["GET"])
@require("compliance.read")
@bp.arguments(ComplianceQuerySchema, location="query")
@bp.response(200, ComplianceOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 429, 503)
def compliance(query: dict[str, Any]) -> dict[str, Any]:
    """Faste møter, møteinnkallinger innen 21 dager (og med minstevarsel) og frister i saker, for ett år."""
    report = _report(query.get("year") or local_today(current_app.config["SETTINGS"].tz_name).year)
    return {
        "year": report.year,
        "fixed_meetings": {"required": report.required_fixed_meetings, "held": report.fixed_held,
                           "planned": report.fixed_planned, "meetings": report.fixed_meetings},
        "meeting_requests": report.meeting_requests,
        "deadlines": report.deadlines,
    }


@pages.get("/samsvar/<int:year>")
def compliance_page(year: int) -> ResponseReturnValue:
    if year not in YEARS:
        abort(404)
    report = _report(year)
    page = render_template("compliance.html", report=report, years=YEARS,
                           minimum_notice=report.minimum_notice_days, request_days=MEETING_REQUEST_DAYS)
    return page, 200, PAGE_HEADERS
