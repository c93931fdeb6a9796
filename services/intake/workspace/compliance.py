"""/arbeid/samsvar/<year>: the year's compliance for the staff, with charts beside their tables,
where deadlines slip per borettslag, open cases by age, and the same numbers as CSV.

One agreement's at a time (SPEC §8): `?avtale=<id>`, one of the user's; without it their first, and
a user in several agreements gets a select to switch.

The page, its charts, the PDF and the CSV are in the signed-in contact's language (SPEC §9). The CSV
is for people (a spreadsheet: semicolons and a BOM for Excel), so its headings and words follow the
language too; its columns keep their order and its figures, dates (ISO), references and
organisation numbers are the same in every language. Programs read GET /api/v1/compliance instead."""
from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, request as http_request, url_for
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response as BaseResponse

from shared.access import AgreementAmbiguous, AgreementNotVisible, agreements_of, chosen_agreement
from shared.agreement import MEETING_REQUEST_DAYS
from shared.calendar import local_today
from shared.documents import compliance_pdf
from shared.i18n import N_
from shared.models import Agreement, utcnow
from shared.vocabulary import CASE_TYPES

from ..charts import Bar, stacked_bars
from ..compliance import (
    AGE_BUCKETS,
    ComplianceReport,
    compliance_report,
    deadlines_by_cooperative,
    open_cases_by_age,
)
from .sessions import current_user, signed_in

bp = Blueprint("workspace_compliance", __name__, url_prefix="/arbeid/samsvar")
YEARS = range(2000, 2101)
KINDS = {"acknowledge": N_("kvittere ut"), "resolve": N_("løse saken")}  # "Frist for å …"
SERIES = (N_("Overholdt"), N_("Overskredet"), N_("Ikke forfalt"))
# The CSV's columns: a section, then the section's own columns.
CSV_COLUMNS = (N_("del"), N_("hva"), N_("borettslag"), N_("overholdt"), N_("overskredet"), N_("ikke forfalt"),
               N_("meldt til leder"), N_("innkalt"), N_("frist"), N_("møtedato"), N_("dager"), N_("innen fristen"))
MET = {None: N_("ikke avgjort"), True: N_("ja"), False: N_("nei")}
MOST_COOPERATIVES = 15  # the chart shows the borettslag with most missed deadlines; the table all


def _agreements() -> tuple[Agreement, list[tuple[int, str]]]:
    """The agreement asked for (?avtale=, 404 unless it is the user's), else the user's first; and the
    user's agreements to choose from when they have several."""
    user = current_user()
    assert user is not None
    wanted = http_request.args.get("avtale", "")
    if wanted and not (wanted.isdigit() and len(wanted) < 10):
        abort(404)
    with current_app.extensions["sessionmaker"]() as session:
        try:
            number = chosen_agreement(session, user.principal, int(wanted) if wanted else None)
        except AgreementAmbiguous as several:
            number = several.choices[0]
        except AgreementNotVisible:
            abort(404)
        choices = agreements_of(session, user.principal)
        agreement = session.get(Agreement, number)
    if agreement is None:
        abort(404)
    return agreement, choices if len(choices) > 1 else []


def _figures(year: int) -> dict[str, Any]:
    if year not in YEARS:
        abort(404)
    agreement, choices = _agreements()
    settings = current_app.config["SETTINGS"]
    now = utcnow()
    with current_app.extensions["sessionmaker"]() as session:
        report: ComplianceReport = compliance_report(session, year, now=now, tz_name=settings.tz_name,
                                                     handbook_path=settings.handbook_path, agreement_id=agreement.id)
        cooperatives = deadlines_by_cooperative(session, year, now=now, tz_name=settings.tz_name,
                                                agreement_id=agreement.id)
        ages = open_cases_by_age(session, now=now, agreement_id=agreement.id)
    return {"report": report, "cooperatives": cooperatives, "ages": ages, "agreement": agreement,
            "agreements": choices}


@bp.get("")
@signed_in("compliance.read")
def this_year() -> BaseResponse:
    year = local_today(current_app.config["SETTINGS"].tz_name).year
    return redirect(url_for("workspace_compliance.year_page", year=year), code=303)


def _words() -> dict[str, Any]:
    """The code lists and labels the page, the PDF and the CSV show, in the page's language."""
    return {"kinds": {kind: gettext(label) for kind, label in KINDS.items()},
            "case_types": {kind: gettext(label) for kind, label in CASE_TYPES.items()},
            "age_buckets": [gettext(label) for label, _, _ in AGE_BUCKETS]}


def _charts(year: int, figures: dict[str, Any]) -> dict[str, Any]:
    report, cooperatives, ages = figures["report"], figures["cooperatives"], figures["ages"]
    words = _words()
    kinds, case_types = words["kinds"], words["case_types"]
    series = tuple(gettext(name) for name in SERIES)
    deadline_chart = stacked_bars(
        series,
        [Bar(f"{case_types.get(row.case_type, row.case_type)}: {kinds.get(row.kind, row.kind)}",
             (row.met, row.missed, row.pending)) for row in report.deadlines],
        gettext("Frister i %(year)s per sakstype: overholdt, overskredet og ikke forfalt. "
                "Tallene står i tabellen under.", year=year))
    cooperative_chart = stacked_bars(
        series,
        [Bar(row.name, (row.met, row.missed, row.pending)) for row in cooperatives[:MOST_COOPERATIVES]],
        gettext("Frister i %(year)s for de %(count)s borettslagene med flest overskredne. "
                "Tallene står i tabellen under.", year=year, count=min(len(cooperatives), MOST_COOPERATIVES)))
    age_chart = stacked_bars(
        tuple(words["age_buckets"]),
        [Bar(case_types.get(row.case_type, row.case_type), row.counts) for row in ages],
        gettext("Åpne saker nå per sakstype, etter hvor lenge de har vært åpne. Tallene står i tabellen under."))
    return {**figures, **words,
            "deadline_chart": deadline_chart, "cooperative_chart": cooperative_chart, "age_chart": age_chart,
            "request_days": MEETING_REQUEST_DAYS, "minimum_notice": report.minimum_notice_days}


@bp.get("/<int:year>")
@signed_in("compliance.read")
def year_page(year: int) -> str:
    return render_template("workspace/compliance.html", **_charts(year, _figures(year)), year=year, years=YEARS)


@bp.get("/<int:year>.pdf")
@signed_in("compliance.read")
def year_pdf(year: int) -> Response:
    """The year's report as a PDF for the committee's annual meeting (shared/documents.py)."""
    context = _charts(year, _figures(year))
    with current_app.extensions["sessionmaker"]() as session:
        document = compliance_pdf(session, year, context, made_at=utcnow(),
                                  tz_name=current_app.config["SETTINGS"].tz_name, language=str(get_locale()),
                                  agreement_id=context["agreement"].id)
    return Response(document.content, mimetype=document.content_type,
                    headers={"Content-Disposition": f'attachment; filename="{document.filename}"'})


@bp.get("/<int:year>.csv")
@signed_in("compliance.read")
def year_csv(year: int) -> Response:
    """One table: a section column, then the section's own columns (semicolons and a BOM for Excel),
    in the page's language (see the module's docstring)."""
    figures = _figures(year)
    report = figures["report"]
    words = _words()
    kinds, case_types = words["kinds"], words["case_types"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([gettext(column) for column in CSV_COLUMNS])
    writer.writerow([gettext("faste møter"), gettext("krav %(count)s", count=report.required_fixed_meetings), "",
                     report.fixed_held, "", report.fixed_planned, "", "", "", "", "", ""])
    section = gettext("frister per sakstype")
    for row in report.deadlines:
        writer.writerow([section, f"{case_types.get(row.case_type, row.case_type)}: {kinds.get(row.kind, row.kind)}",
                         "", row.met, row.missed, row.pending, row.escalated, "", "", "", "", ""])
    section = gettext("frister per borettslag")
    for coop in figures["cooperatives"]:
        writer.writerow([section, coop.orgnr, coop.name, coop.met, coop.missed, coop.pending,
                         "", "", "", "", "", ""])
    section = gettext("møteinnkallinger")
    for request in report.meeting_requests:
        writer.writerow([section, request.reference, "", "", "", "", "", request.requested_on.isoformat(),
                         request.deadline.isoformat(), request.meeting_on.isoformat() if request.meeting_on else "",
                         "" if request.days_taken is None else request.days_taken, gettext(MET[request.met])])
    section = gettext("åpne saker etter alder")
    for age in figures["ages"]:
        for label, count in zip(words["age_buckets"], age.counts, strict=True):
            writer.writerow([section, case_types.get(age.case_type, age.case_type), label, "", "",
                             count, "", "", "", "", "", ""])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="samsvar-{year}{_suffix(figures)}.csv"'})


def _suffix(figures: dict[str, Any]) -> str:
    """The agreement in a download's name, for a user who can download several."""
    return f"-avtale-{figures['agreement'].id}" if figures["agreements"] else ""
