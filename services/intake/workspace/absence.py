"""My absence periods and my deputy (SPEC §5, §7): while I am away, routing sends my new cases to
my deputy (services/notifier/routing.py). The same use cases as the API (services/intake/absences.py).
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from shared.calendar import local_today
from shared.db import unit_of_work
from shared.directory import contact_by_email
from shared.i18n import N_

from ..absences import AbsenceIn, AbsenceNotFound, absences, add_absence, remove_absence
from .forms import field_errors, form_id, kept, once, schema_input
from .sessions import current_user, signed_in

bp = Blueprint("workspace_absence", __name__, url_prefix="/arbeid")

# Message ids: the page follows the signed-in contact's language (SPEC §9).
LABELS = {"starts_on": N_("Første fraværsdag"), "ends_on": N_("Siste fraværsdag"), "note": N_("Merknad")}
MISSING = {"starts_on": N_("Skriv første fraværsdag."), "ends_on": N_("Skriv siste fraværsdag.")}


def _page(values: MultiDict[str, str], errors: dict[str, list[str]]) -> tuple[str, int]:
    user = current_user()
    assert user is not None
    with current_app.extensions["sessionmaker"]() as db:
        me = contact_by_email(db, user.email)
        assert me is not None  # a signed-in user is in the directory
        deputy = contact_by_email(db, me.deputy)
        page = render_template(
            "workspace/absence.html", labels={name: gettext(label) for name, label in LABELS.items()},
            values=kept(values, LABELS), errors=errors,
            form_id=form_id(values), periods=absences(db, user.email),
            today=local_today(current_app.config["SETTINGS"].tz_name),
            deputy=deputy if deputy is not None and deputy.active else None,
            leader=contact_by_email(db, me.leader),
        )
    return page, 422 if errors else 200


@bp.get("/fravaer")
@signed_in("absence.manage")
def absence() -> Any:
    return _page(MultiDict(), {})


@bp.post("/fravaer")
@signed_in("absence.manage")
def add() -> Any:
    user = current_user()
    assert user is not None
    try:
        period = AbsenceIn().load(schema_input(request.form, LABELS))
    except ValidationError as error:
        return _page(request.form, field_errors(error, LABELS, MISSING))
    once("fravaer", lambda db: add_absence(db, user.email, period["starts_on"], period["ends_on"],
                                           period["note"] or "", party=user.principal.party).id)
    flash(gettext("Fraværet er registrert."))
    return redirect(url_for(".absence"), 303)


@bp.post("/fravaer/<int:absence_id>/slett")
@signed_in("absence.manage")
def delete(absence_id: int) -> Response:
    user = current_user()
    assert user is not None
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as db:
            remove_absence(db, user.email, absence_id, party=user.principal.party)
        flash(gettext("Fraværsperioden er slettet."))
    except AbsenceNotFound:
        # Someone else's, or already deleted by a first click: the same answer for both.
        flash(gettext("Fant ikke fraværsperioden. Den kan allerede være slettet."))
    return redirect(url_for(".absence"), 303)
