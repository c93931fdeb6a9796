"""/arbeid/personvern: export everything held about one e-mail address (JSON or PDF), or erase it on
request (SPEC §9). For the municipality's main contact and the leaders ("personal_data.manage").

Both are POSTs: the address stays out of URLs and access logs, and each use is written to the audit
log (/arbeid/tilgang) in the same transaction as what it did. The page, its messages and the PDF are
in the signed-in contact's language (SPEC §9); the JSON file's keys and codes are the same for everyone.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, gettext

from shared.db import unit_of_work
from shared.documents import personal_data_pdf

from .. import personal_data
from .sessions import current_user, now, signed_in

bp = Blueprint("workspace_privacy", __name__, url_prefix="/arbeid/personvern")
NO_STORE = {"Cache-Control": "no-store"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
FORMATS = ("json", "pdf")


def _address() -> tuple[str, str]:
    """The address as typed (kept in the form) and a problem with it, or ""."""
    typed = request.form.get("epost", "").strip()
    if not typed:
        return typed, gettext("Skriv e-postadressen opplysningene gjelder.")
    if len(typed) > 254 or not EMAIL.fullmatch(typed):
        return typed[:300], gettext("Skriv en gyldig e-postadresse, for eksempel navn@eksempel.no.")
    return typed, ""


def _page(status: int = 200, **extra: Any) -> tuple[str, int, dict[str, str]]:
    values = {"email": "", "errors": {}, "erase_form": False, **extra}
    return render_template("workspace/personal_data.html", **values), status, NO_STORE


def _who() -> dict[str, str]:
    user = current_user()
    assert user is not None  # signed_in() let the request through
    return {"actor": user.email, "party": user.principal.party}


@bp.get("")
@signed_in("personal_data.manage")
def form() -> ResponseReturnValue:
    return _page()


@bp.post("/eksport")
@signed_in("personal_data.manage")
def export() -> ResponseReturnValue:
    typed, problem = _address()
    file_format = request.form.get("format", "")
    errors = {"epost": problem} if problem else {}
    if file_format not in FORMATS:
        errors["format"] = gettext("Velg JSON eller PDF.")
    if errors:
        return _page(400, email=typed, errors=errors)
    with unit_of_work(current_app.extensions["sessionmaker"]) as session:
        held = personal_data.export(session, typed.lower(), now=now(), file_format=file_format, **_who())
    if file_format == "json":
        body = json.dumps(held, ensure_ascii=False, indent=2)
        name = f"personopplysninger-{held['exported_at'][:10]}.json"
        return body, 200, {**NO_STORE, "Content-Type": "application/json; charset=utf-8",
                           "Content-Disposition": f'attachment; filename="{name}"'}
    document = personal_data_pdf(held, tz_name=current_app.config["SETTINGS"].tz_name, language=str(get_locale()))
    return document.content, 200, {**NO_STORE, "Content-Type": document.content_type,
                                   "Content-Disposition": f'attachment; filename="{document.filename}"'}


@bp.post("/slett")
@signed_in("personal_data.manage")
def erase() -> ResponseReturnValue:
    typed, problem = _address()
    errors = {"epost": problem} if problem else {}
    if request.form.get("bekreft") != "ja":
        errors["bekreft"] = gettext("Bekreft at personen har bedt om sletting.")
    if errors:
        return _page(400, email=typed, errors=errors, erase_form=True)
    with unit_of_work(current_app.extensions["sessionmaker"]) as session:
        result = personal_data.erase(session, typed.lower(), now=now(), **_who())
    said = {"email": typed.lower(), "count": len(result.erased), "references": ", ".join(result.erased)}
    flash(gettext("Opplysningene om %(email)s er slettet fra %(count)s avsluttet(e) sak(er): %(references)s.", **said)
          if result.erased else gettext("Opplysningene om %(email)s er slettet fra %(count)s avsluttet(e) sak(er).",
                                        **said))
    if result.earlier:
        flash(gettext("Allerede anonymisert: %(references)s.", references=", ".join(result.earlier)))
    if result.open_cases:
        flash(gettext("Ikke slettet fra åpne saker: %(references)s. Saken trenger innsenderen mens den behandles; "
                      "opplysningene anonymiseres når saken er avsluttet og lagringstiden er ute.",
                      references=", ".join(result.open_cases)))
    return redirect(url_for("workspace_privacy.form"), code=303)
