"""The staff workspace's notice forms (SPEC §4, §7): an acquisition notice, a sublet question and a
meeting request, each validated by the API's schema and sent through the API's use case.

The acquisition form works in steps without JavaScript: "Vis tall" shows the municipality's homes
in the chosen borettslag before and after, and the cap; "Gå videre" checks every field and shows the
figures again with the notice; "Send varsel" sends it. Each send answers 303 to a receipt.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from shared.access import AgreementAmbiguous, AgreementNotVisible, Principal, agreements_of
from shared.agreement import OwnershipCap, meeting_deadline
from shared.calendar import local_today
from shared.case_details import details_of
from shared.formats import long_date
from shared.i18n import N_
from shared.models import SAMEIE, Case, Cooperative, utcnow
from shared.vocabulary import PARTY_NAMES

from ..cases import UnknownCooperative
from ..notices import (
    OVER_THE_CAP,
    OwnershipFigures,
    ask_about_sublet,
    notify_acquisition,
    ownership_figures,
    percent_of,
    request_meeting,
)
from ..staff_schemas import AcquisitionSchema, MeetingRequestSchema, SubletSchema
from ..web import cooperative_choices
from .forms import field_errors, form_id, kept, once, schema_input
from .sessions import current_user, signed_in

bp = Blueprint("workspace_notices", __name__, url_prefix="/arbeid")


def long_date_here(day: dt.date) -> str:
    """"mandag 7. desember 2026" in the page's language ("måndag 7. desember 2026" in nynorsk)."""
    return long_date(day, str(get_locale()))


bp.add_app_template_filter(long_date_here, "langdato")


@bp.app_context_processor
def _notice_texts() -> dict[str, Any]:
    return {"rule_text": rule_text, "warning_text": warning_text}


def rule_text(limit: OwnershipCap) -> str:
    """The cap's rule in the page's language."""
    return str(gettext(limit.rule_id, **limit.rule_args))


def warning_text(figures: OwnershipFigures) -> str | None:
    """The warning over the cap in the page's language (none within it)."""
    if figures.warning is None:
        return None
    return str(gettext(OVER_THE_CAP, **figures.warning_args(rule_text(figures.limit))))


# Form field (also the element id) → label, in the order the form shows them (message ids: the
# pages follow the signed-in contact's language, SPEC §9).
ACQUISITION = {"cooperative_orgnr": N_("Borettslag"), "share_number": N_("Andelsnummer"), "address": N_("Adresse"),
               "planned_date": N_("Planlagt dato for kjøpet"), "note": N_("Merknad")}
SUBLET = {"cooperative_orgnr": N_("Borettslag"), "share_number": N_("Andelsnummer"),
          "move_in_date": N_("Dato for innflytting"), "tenant_household": N_("Husstanden som skal leie"),
          "question": N_("Spørsmål til styret")}
MEETING = {"reason": N_("Hvorfor dere ber om møte"), "topics": N_("Saker til møtet")}
# Shown first, and only to a contact in several agreements (SPEC §8).
AGREEMENT = {"agreement": N_("Avtale")}
AGREEMENT_ERRORS = {AgreementAmbiguous: N_("Velg avtalen møtet gjelder."),
                    AgreementNotVisible: N_("Velg en av avtalene dine.")}
MISSING = {"cooperative_orgnr": N_("Velg borettslaget."), "share_number": N_("Skriv andelsnummeret."),
           "address": N_("Skriv adressen."), "planned_date": N_("Skriv datoen kjøpet er planlagt."),
           "move_in_date": N_("Skriv datoen leietakeren skal flytte inn."),
           "tenant_household": N_("Beskriv kort husstanden som skal leie."),
           "question": N_("Skriv spørsmålet til styret."), "reason": N_("Skriv hvorfor dere ber om møte."),
           "topics": N_("Skriv minst én sak, én per linje.")}
NO_COOPERATIVE = {"cooperative_orgnr": [MISSING["cooperative_orgnr"]]}
UNKNOWN_COOPERATIVE = {"cooperative_orgnr": [N_("Fant ikke borettslaget. Velg et borettslag fra listen.")]}


def _tz() -> str:
    return str(current_app.config["SETTINGS"].tz_name)


def _page(template: str, labels: dict[str, str], values: MultiDict[str, str], errors: dict[str, list[str]],
          **context: Any) -> tuple[str, int]:
    with current_app.extensions["sessionmaker"]() as db:
        cooperatives = cooperative_choices(db)
    page = render_template(template, labels={name: gettext(label) for name, label in labels.items()},
                           values=kept(values, labels),
                           errors={name: [gettext(text) for text in texts] for name, texts in errors.items()},
                           form_id=form_id(values),
                           cooperatives=cooperatives, today=local_today(_tz()), **context)
    return page, 422 if errors else 200


def _figures(orgnr: str) -> OwnershipFigures | None:
    with current_app.extensions["sessionmaker"]() as db:
        cooperative = db.execute(select(Cooperative).where(Cooperative.orgnr == orgnr[:20])).scalar_one_or_none()
        return ownership_figures(db, cooperative) if cooperative else None


@bp.route("/erverv/ny", methods=["GET", "POST"])
@signed_in("acquisition.create")
def acquisition() -> Any:
    form = request.form if request.method == "POST" else MultiDict()
    step = form.get("handling", "")
    orgnr = form.get("cooperative_orgnr", "").strip()
    figures = _figures(orgnr) if orgnr else None
    if step in ("", "endre"):
        return _page("workspace/acquisition_form.html", ACQUISITION, form, {}, figures=figures)
    if step == "vis":
        errors = {} if figures else UNKNOWN_COOPERATIVE if orgnr else NO_COOPERATIVE
        return _page("workspace/acquisition_form.html", ACQUISITION, form, errors, figures=figures)
    try:
        notice = AcquisitionSchema().load(schema_input(form, ACQUISITION))
    except ValidationError as error:
        return _page("workspace/acquisition_form.html", ACQUISITION, form,
                     field_errors(error, ACQUISITION, MISSING), figures=figures)
    if figures is None:
        return _page("workspace/acquisition_form.html", ACQUISITION, form, UNKNOWN_COOPERATIVE, figures=None)
    if step != "send":
        return _page("workspace/acquisition_confirm.html", ACQUISITION, form, {}, figures=figures, notice=notice)
    user = current_user()
    assert user is not None
    reference = once("erverv", lambda db: notify_acquisition(
        db, notice, user.principal, now=utcnow(), tz_name=_tz()).reference)
    return redirect(url_for(".acquisition_receipt", reference=reference), 303)


@bp.route("/framleie/ny", methods=["GET", "POST"])
@signed_in("sublet.create")
def sublet() -> Any:
    if request.method == "GET":
        return _page("workspace/sublet_form.html", SUBLET, MultiDict(), {})
    try:
        question = SubletSchema().load(schema_input(request.form, SUBLET))
        user = current_user()
        assert user is not None
        reference = once("framleie", lambda db: ask_about_sublet(
            db, question, user.principal, now=utcnow(), tz_name=_tz()).reference)
    except ValidationError as error:
        return _page("workspace/sublet_form.html", SUBLET, request.form, field_errors(error, SUBLET, MISSING))
    except UnknownCooperative:
        return _page("workspace/sublet_form.html", SUBLET, request.form, UNKNOWN_COOPERATIVE)
    return redirect(url_for(".sublet_receipt", reference=reference), 303)


def _meeting_input(form: MultiDict[str, str], party: str) -> dict[str, Any]:
    body: dict[str, Any] = {**schema_input(form, {"reason": "", "agreement": ""}), "party": party}
    if body.get("agreement", "").isdigit():
        body["agreement"] = int(body["agreement"])
    topics = [line.strip() for line in form.get("topics", "").splitlines() if line.strip()]
    if topics:
        body["topics"] = topics
    return body


def agreement_choices(principal: Principal) -> list[tuple[str, str]]:
    """The agreements this user works in, as (id, name) for a select; empty when only one."""
    with current_app.extensions["sessionmaker"]() as db:
        rows = agreements_of(db, principal)
    return [(str(number), name) for number, name in rows] if len(rows) > 1 else []


@bp.route("/moter/ny", methods=["GET", "POST"])
@signed_in("meeting_request.create")
def meeting_request() -> Any:
    user = current_user()
    assert user is not None
    deadline = meeting_deadline(utcnow(), _tz())
    agreements = agreement_choices(user.principal)
    labels = {**AGREEMENT, **MEETING} if agreements else MEETING
    context = {"deadline": deadline, "party_name": gettext(PARTY_NAMES[user.principal.party]),
               "agreements": agreements}
    if request.method == "GET":
        return _page("workspace/meeting_request_form.html", labels, MultiDict(), {}, **context)
    try:
        body = MeetingRequestSchema().load(_meeting_input(request.form, user.principal.party))
        reference = once("mote", lambda db: request_meeting(
            db, body, user.principal, now=utcnow(), tz_name=_tz()).reference)
    except ValidationError as error:
        return _page("workspace/meeting_request_form.html", labels, request.form,
                     field_errors(error, labels, MISSING), **context)
    except (AgreementAmbiguous, AgreementNotVisible) as error:
        return _page("workspace/meeting_request_form.html", labels, request.form,
                     {"agreement": [gettext(AGREEMENT_ERRORS[type(error)])]}, **context)
    return redirect(url_for(".meeting_request_receipt", reference=reference), 303)


def _receipt(template: str, reference: str, case_type: str) -> Response:
    """The receipt of a case this user sent; any other reference is not found."""
    user = current_user()
    assert user is not None
    with current_app.extensions["sessionmaker"]() as db:
        case = db.execute(select(Case).where(Case.reference == reference[:40])).scalar_one_or_none()
        if case is None or case.type != case_type or case.created_by != user.principal.actor:
            abort(404)
        page = render_template(template, case=case, details=details_of(case), percent_of=percent_of,
                               case_path=f"{url_for('workspace.inbox')}/saker/{case.reference}",
                               sameie=case.cooperative is not None and case.cooperative.kind == SAMEIE)
    return Response(page, headers={"Cache-Control": "no-store"}, mimetype="text/html")


@bp.get("/erverv/kvittering/<reference>")
@signed_in("acquisition.create")
def acquisition_receipt(reference: str) -> Response:
    return _receipt("workspace/acquisition_receipt.html", reference, "acquisition")


@bp.get("/framleie/kvittering/<reference>")
@signed_in("sublet.create")
def sublet_receipt(reference: str) -> Response:
    return _receipt("workspace/sublet_receipt.html", reference, "sublet")


@bp.get("/moter/kvittering/<reference>")
@signed_in("meeting_request.create")
def meeting_request_receipt(reference: str) -> Response:
    return _receipt("workspace/meeting_request_receipt.html", reference, "meeting_request")
