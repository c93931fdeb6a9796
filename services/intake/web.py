"""The public complaint form: GET shows it, POST checks it with ComplaintSchema and submits.

Post/Redirect/Get: a submitted form answers 303 to the receipt page, so a reload never posts twice.
The receipt shows the tracking link once: the session cookie is signed, not encrypted, and a shared
PC keeps it for the whole browser session, so it holds only the reference and a one-way digest of
the token, and the receipt forgets even those when shown.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, gettext
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from shared.calendar import local_today
from shared.db import unit_of_work
from shared.deadlines import DeadlineTerms, terms_for_new_case
from shared.i18n import N_
from shared.models import Agreement, Case, Cooperative, utcnow
from shared.vocabulary import COMPLAINT_CATEGORIES, SUBMITTER_ROLES

from .complaints import UnknownCooperative, submit_complaint
from .errors import flatten_messages
from .schemas import REQUIRED, ComplaintSchema

bp = Blueprint("web", __name__)

SUBMISSION_ENDPOINTS: tuple[str, ...] = ("web.submit_complaint_form",)

HONEYPOT = "nettsted"
RECEIPT = "kvittering"
# The receipt shows the tracking link only this long after the case was submitted.
RECEIPT_SECONDS = 10 * 60

# Form field (flat, also the element id) → label, in the order the form shows them; bokmål, and
# the message ids of the other languages (shown through gettext).
LABELS = {
    "cooperative_orgnr": N_("Borettslag"),
    "category": N_("Kategori"),
    "description": N_("Beskrivelse"),
    "share_number": N_("Andelsnummer"),
    "address": N_("Adresse eller leilighet"),
    "occurred_on": N_("Dato for hendelsen"),
    "submitter_name": N_("Navn"),
    "submitter_email": N_("E-postadresse"),
    "submitter_phone": N_("Telefonnummer"),
    "submitter_role": N_("Du sender klagen som"),
}
# Say what to do, not only that the field is empty.
MISSING = {
    "cooperative_orgnr": N_("Velg borettslaget klagen gjelder."),
    "category": N_("Velg hva klagen gjelder."),
    "description": N_("Beskriv hva klagen gjelder."),
    "submitter_name": N_("Skriv navnet ditt."),
    "submitter_email": N_("Skriv e-postadressen din."),
    "submitter_role": N_("Velg hvem du sender klagen som."),
}
UNKNOWN_COOPERATIVE = N_("Fant ikke borettslaget. Velg et borettslag fra listen.")
SUBMITTER_PREFIX = "submitter_"


def complaint_from_form(form: MultiDict[str, str]) -> dict[str, Any]:
    """The schema's nested shape from the flat form; blank fields are left out, as if not sent."""
    values = {name: form.get(name, "").strip() for name in LABELS}
    complaint: dict[str, Any] = {"submitter": {}}
    for name, value in values.items():
        if not value:
            continue
        if name.startswith(SUBMITTER_PREFIX):
            complaint["submitter"][name.removeprefix(SUBMITTER_PREFIX)] = value
        else:
            complaint[name] = value
    return complaint


def form_errors(messages: dict[str, Any]) -> dict[str, list[str]]:
    """{"submitter.email": [...]} → {"submitter_email": [...]}, in the form's field order."""
    flat = {name.replace(".", "_"): texts for name, texts in flatten_messages(messages).items()}
    for name, texts in flat.items():
        if name in MISSING and REQUIRED["required"] in texts:
            texts = [MISSING[name]]
        flat[name] = [gettext(text) for text in texts]
    order = {name: position for position, name in enumerate(LABELS)}
    return dict(sorted(flat.items(), key=lambda item: order.get(item[0], len(order))))


def token_digest(token: str) -> str:
    """Proves the session saw the token without making it readable from the cookie."""
    return hashlib.sha256(token.encode()).hexdigest()


def receipt_case(db: Session, receipt: dict[str, Any], now: dt.datetime) -> Case | None:
    """The case of a receipt kept in the session, while it is fresh and its token digest matches."""
    case = db.execute(
        select(Case).where(Case.reference == str(receipt.get("reference", "")))
    ).scalar_one_or_none()
    if case is None or now - case.created_at > dt.timedelta(seconds=RECEIPT_SECONDS):
        return None
    if not hmac.compare_digest(token_digest(case.tracking_token), str(receipt.get("digest", ""))):
        return None
    return case


def promised_deadlines(db: Session, case: Case | None) -> DeadlineTerms:
    """The complaint deadlines the receipt promises: the case's own rule when it is known."""
    if case is None:
        return terms_for_new_case(db, "complaint")
    orgnr = case.cooperative.orgnr if case.cooperative else None
    return terms_for_new_case(db, "complaint", case.category, orgnr)


def _norwegian_order(name: str) -> str:
    # Æ, Ø, Å come last and in that order in Norwegian; code points put Å first.
    return name.casefold().translate({ord("æ"): "{", ord("ø"): "|", ord("å"): "}"})


def cooperative_choices(db: Session) -> list[tuple[str, str]]:
    rows = db.execute(select(Cooperative.orgnr, Cooperative.name)).all()
    return sorted(((orgnr, name) for orgnr, name in rows), key=lambda row: _norwegian_order(row[1]))


def render_form(values: MultiDict[str, str], errors: dict[str, list[str]]) -> str:
    settings = current_app.config["SETTINGS"]
    with current_app.extensions["sessionmaker"]() as db:
        cooperatives = cooperative_choices(db)
    return render_template(
        "complaint_form.html",
        values=values,
        errors=errors,
        labels={name: gettext(label) for name, label in LABELS.items()},
        cooperatives=cooperatives,
        categories=COMPLAINT_CATEGORIES,
        roles=SUBMITTER_ROLES,
        honeypot=HONEYPOT,
        today=local_today(settings.tz_name),
    )


@bp.get("/")
@bp.get("/klage")
def complaint_form():  # type: ignore[no-untyped-def]
    return render_form(MultiDict(), {})


@bp.post("/klage")
def submit_complaint_form():  # type: ignore[no-untyped-def]
    if request.form.get(HONEYPOT, "").strip():
        # A bot filled the hidden field: it sees a receipt like anyone else, and nothing is stored.
        session.pop(RECEIPT, None)
        return redirect(url_for("web.receipt"), 303)
    settings = current_app.config["SETTINGS"]
    now = utcnow()
    try:
        complaint = ComplaintSchema().load(complaint_from_form(request.form))
        with unit_of_work(current_app.extensions["complaint_sessions"]) as db:
            submitted = submit_complaint(db, complaint, tz_name=settings.tz_name, now=now,
                                         language=str(get_locale()))
    except ValidationError as error:
        return render_form(request.form, form_errors(error.normalized_messages())), 422
    except UnknownCooperative:
        return render_form(request.form, {"cooperative_orgnr": [gettext(UNKNOWN_COOPERATIVE)]}), 422
    session[RECEIPT] = {
        "reference": submitted.reference, "digest": token_digest(submitted.tracking_token),
        "received_note": submitted.received_note,
    }
    return redirect(url_for("web.receipt"), 303)


@bp.get("/klage/kvittering")
def receipt():  # type: ignore[no-untyped-def]
    submitted = session.pop(RECEIPT, None)
    with current_app.extensions["sessionmaker"]() as db:
        case = receipt_case(db, submitted, utcnow()) if isinstance(submitted, dict) else None
        token = case.tracking_token if case else None
        deadlines = promised_deadlines(db, case)
        agreement = db.get(Agreement, case.agreement_id) if case else None
        parties = (agreement.municipality, agreement.association) if agreement else None
    tracking_path = url_for("tracking.case_page", token=token) if token else ""
    page = render_template(
        "receipt.html",
        reference=submitted["reference"] if token else None,
        received_note=submitted.get("received_note") if token else None,
        tracking_path=tracking_path,
        tracking_url=current_app.config["SETTINGS"].public_base_url + tracking_path,
        deadlines=deadlines,
        parties=parties,
    )
    return page, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def init_app(app: Flask) -> None:
    """Register the public pages."""
    # WCAG 2.2.1: no time limit on filling in the form; the token lives as long as the session.
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    app.register_blueprint(bp)
