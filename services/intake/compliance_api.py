"""GET /api/v1/compliance (staff) and the same report as a page at /samsvar/<year> (no login).

Each is one agreement's report (SPEC §8): the API's `agreement` (default: the caller's only one; 422
when they have several and name none; 404 when it is not theirs), the page's `?avtale=` (default
agreement 1; 404 when there is no such agreement).

The page needs no token because the report holds no personal data: counts, dates and case
references only (shared by both from services/intake/compliance.py). The agreement's own
figures are the parties' to show their borettslag; names and texts stay behind the API tokens.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint as PageBlueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_smorest import Blueprint
from sqlalchemy import select

from shared.access import AgreementAmbiguous, AgreementNotVisible, chosen_agreement
from shared.agreement import MEETING_REQUEST_DAYS
from shared.calendar import local_today
from shared.models import DEFAULT_AGREEMENT, Agreement, utcnow

from .api import documented_errors
from .auth import current_principal, require
from .compliance import ComplianceReport, compliance_report
from .errors import ApiError
from .meeting_schemas import ComplianceOut, ComplianceQuerySchema
from .staff import SECURED

bp = Blueprint("compliance", __name__, url_prefix="/api/v1", description="Samsvar med avtalen")
pages = PageBlueprint("compliance_page", __name__)
YEARS = range(2000, 2101)
PAGE_HEADERS = {"X-Robots-Tag": "noindex"}


def _report(year: int, agreement_id: int) -> ComplianceReport:
    settings = current_app.config["SETTINGS"]
    with current_app.extensions["sessionmaker"]() as session:
        return compliance_report(session, year, now=utcnow(), tz_name=settings.tz_name,
                                 handbook_path=settings.handbook_path, agreement_id=agreement_id)


def _callers_agreement(requested: int | None) -> int:
    with current_app.extensions["sessionmaker"]() as session:
        try:
            return chosen_agreement(session, current_principal(), requested)
        except AgreementAmbiguous as error:
            raise ApiError(422, fields={"agreement": [
                f"Du er med i flere avtaler; velg en av {', '.join(map(str, error.choices))}."]}) from None
        except AgreementNotVisible:
            raise ApiError(404) from None


@bp.route("/compliance", methods=["GET"])
@require("compliance.read")
@bp.arguments(ComplianceQuerySchema, location="query")
@bp.response(200, ComplianceOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 422, 429, 503)
def compliance(query: dict[str, Any]) -> dict[str, Any]:
    """Faste møter, møteinnkallinger innen 21 dager (og med minstevarsel) og frister i saker, for ett år
    og én avtale."""
    agreement_id = _callers_agreement(query.get("agreement"))
    report = _report(query.get("year") or local_today(current_app.config["SETTINGS"].tz_name).year, agreement_id)
    return {
        "year": report.year,
        "agreement": report.agreement_id,
        "fixed_meetings": {"required": report.required_fixed_meetings, "held": report.fixed_held,
                           "planned": report.fixed_planned, "meetings": report.fixed_meetings},
        "meeting_requests": report.meeting_requests,
        "deadlines": report.deadlines,
    }


@pages.get("/samsvar/<int:year>")
def compliance_page(year: int) -> ResponseReturnValue:
    if year not in YEARS:
        abort(404)
    wanted = request.args.get("avtale", str(DEFAULT_AGREEMENT))
    with current_app.extensions["sessionmaker"]() as session:
        agreement = session.get(Agreement, int(wanted)) if wanted.isdigit() and len(wanted) < 10 else None
        others = session.execute(select(Agreement.id, Agreement.name).order_by(Agreement.id)).all()
    if agreement is None:
        abort(404)
    report = _report(year, agreement.id)
    page = render_template("compliance.html", report=report, years=YEARS, agreement=agreement,
                           agreements=others if len(others) > 1 else [],
                           minimum_notice=report.minimum_notice_days, request_days=MEETING_REQUEST_DAYS)
    return page, 200, PAGE_HEADERS
