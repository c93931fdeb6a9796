"""/arbeid/handbok: the routine handbook in force as tables; edit it in a form or as YAML, see the
diff and the routing it gives before saving; the versions, each with its diff; restore an old one.

The same use cases as the API (shared/handbook_versions.py: current_handbook, save_handbook). Every
change goes through one preview, which carries the version it was made against ("grunnlag"):
saving after someone else saved a version answers 409 with what they changed.

Each agreement has its own handbook and version history (SPEC §8): the pages show the agreement of
`avtale` (query or form; agreements.page_agreement), a version page the version's own agreement, and a
user in several agreements chooses among them. Another agreement's version answers 404.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from shared.agreement import ANNUAL_MEETING_WINDOWS, MINIMUM_NOTICE_DAYS
from shared.db import unit_of_work
from shared.formats import day_month_nb, written_date_time
from shared.handbook import Handbook, HandbookError, Problem, Window, parse_handbook
from shared.handbook_versions import StaleHandbook, check_for_saving, current_handbook, parsed, save_handbook
from shared.models import HandbookVersion
from shared.vocabulary import CASE_TYPES, COMPLAINT_CATEGORIES

from .. import handbook_form, handbook_preview as preview
from ..handbook_api import MAX_YAML
from ..handbook_messages import in_norwegian
from .agreements import PageAgreement, page_agreement
from .forms import new_form_id, once
from .sessions import current_user, now, signed_in

bp = Blueprint("workspace_handbook", __name__, url_prefix="/arbeid/handbok")
NOTE_MAX = 300


def window_words(window: Window) -> str:
    """((3, 1), (5, 31)) as "1. mars–31. mai"."""
    first, last = window
    return f"{day_month_nb(*first)}–{day_month_nb(*last)}"


WORDS = {"types": CASE_TYPES, "categories": COMPLAINT_CATEGORIES, "role_words": preview.role_words,
         "window_words": window_words, "default_windows": ANNUAL_MEETING_WINDOWS,
         "default_notice": MINIMUM_NOTICE_DAYS}


def _db() -> Any:
    return unit_of_work(current_app.extensions["sessionmaker"])


def _path() -> str | None:
    return current_app.config["SETTINGS"].handbook_path or None


def _in_force(session: Session, agreement: PageAgreement) -> tuple[HandbookVersion, Handbook]:
    version_id, handbook = current_handbook(session, _path(), now=now(), agreement_id=agreement.id)
    return session.get_one(HandbookVersion, version_id), handbook


def _visible_version(session: Session, number: int) -> tuple[HandbookVersion, PageAgreement]:
    """Version `number` and its agreement; 404 when there is none or it is another agreement's."""
    row = session.get(HandbookVersion, number)
    if row is None:
        abort(404)
    return row, page_agreement(session, row.agreement_id)


def _previous(session: Session, row: HandbookVersion) -> HandbookVersion | None:
    """The version before `row` in its own agreement's history (numbers run across the installation)."""
    return session.scalar(select(HandbookVersion).where(HandbookVersion.agreement_id == row.agreement_id,
                                                        HandbookVersion.id < row.id)
                          .order_by(HandbookVersion.id.desc()).limit(1))


def _when(instant: dt.datetime) -> str:
    aware = instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)
    return written_date_time(aware, current_app.config["SETTINGS"].tz_name, str(get_locale()))


def _version_words(session: Session, versions: list[HandbookVersion]) -> list[dict[str, Any]]:
    names = preview.author_names(session, versions)
    return [{"id": v.id, "by": names.get(v.created_by, v.created_by), "when": _when(v.created_at),
             "summary": v.summary} for v in versions]


def _base(value: str | None, fallback: int) -> int:
    return int(value) if value and value.isdigit() and len(value) < 9 else fallback


@bp.get("")
@signed_in("handbook.read")
def read() -> str:
    with _db() as session:
        agreement = page_agreement(session)
        version, handbook = _in_force(session, agreement)
        return render_template(
            "workspace/handbook.html", version=_version_words(session, [version])[0], handbook=handbook,
            overrides=_overrides(handbook), cooperative_names=preview.cooperative_names(session, agreement.id),
            meetings=handbook.meetings, agreement=agreement, avtale=agreement.param, **WORDS)


def _overrides(handbook: Handbook) -> list[dict[str, Any]]:
    """Per borettslag and case type, the fields its override changes."""
    found = []
    for (case_type, category, orgnr), rule in handbook.rules.items():
        if orgnr is None or category is not None:
            continue
        general = handbook.rule_for(case_type).as_dict()
        changed = {key: value for key, value in rule.as_dict().items() if general[key] != value}
        if changed:
            found.append({"case_type": case_type, "orgnr": orgnr, "changes": changed})
    return found


def _edit_page(session: Session, agreement: PageAgreement, *, status: int = 200, yaml: str | None = None,
               base: int | None = None, values: dict[str, Any] | None = None,
               form_errors: dict[str, list[str]] | None = None,
               yaml_problems: list[Problem] | None = None) -> tuple[str, int]:
    version, handbook = _in_force(session, agreement)
    lines = (yaml or "").splitlines()
    problems = [{"line": p.line, "message": in_norwegian(p.reason),
                 "text": lines[p.line - 1] if 0 < p.line <= len(lines) else ""} for p in yaml_problems or []]
    page = render_template(
        "workspace/handbook_edit.html", version=version, base=base or version.id,
        yaml=handbook.source if yaml is None else yaml, values=values or handbook_form.form_values(handbook),
        form_errors=form_errors or {}, yaml_problems=problems, labels=handbook_form.labels(),
        options=handbook_form.role_options(handbook), max_yaml=MAX_YAML, agreement=agreement,
        avtale=agreement.param, **WORDS)
    return page, status


@bp.get("/endre")
@signed_in("handbook.edit")
def edit() -> tuple[str, int]:
    with _db() as session:
        return _edit_page(session, page_agreement(session))


def _preview_page(session: Session, agreement: PageAgreement, text: str, base: int, *, note: str = "",
                  status: int = 200) -> tuple[str, int]:
    """The diff against the version in force and the routing before and after; 409 when stale."""
    version, in_force = _in_force(session, agreement)
    new = parse_handbook(text)
    cooperative = preview.cooperative_named(session, request.form.get("borettslag"), agreement.id)
    since = preview.versions_after(session, base, agreement.id) if base != version.id else []
    page = render_template(
        "workspace/handbook_preview.html", version=version, yaml=text, note=note, form_id=new_form_id(),
        diff=preview.source_diff(in_force.source, text), unchanged=text == in_force.source,
        routing=preview.routing_preview(session, in_force, new, cooperative, agreement.id), cooperative=cooperative,
        cooperatives=preview.cooperatives(session, agreement.id), since=_version_words(session, since),
        stale=status == 409, note_max=NOTE_MAX, agreement=agreement, avtale=agreement.param, **WORDS)
    return page, status


def _text(name: str = "yaml") -> str:
    text = request.form.get(name, "").replace("\r\n", "\n")
    if len(text) > MAX_YAML:
        abort(413)
    return text


@bp.post("/endre/yaml")
@signed_in("handbook.edit")
def edit_yaml() -> tuple[str, int]:
    text = _text()
    with _db() as session:
        agreement = page_agreement(session)
        base = _base(request.form.get("grunnlag"), 0)
        try:
            _check(session, agreement, text)
        except HandbookError as error:
            return _edit_page(session, agreement, status=422, yaml=text, base=base, yaml_problems=error.problems)
        return _preview_page(session, agreement, text, base or _in_force(session, agreement)[0].id)


def _check(session: Session, agreement: PageAgreement, text: str) -> Handbook:
    """The handbook as save_handbook will check it: the parser, and the agreement's contacts."""
    handbook = parse_handbook(text)
    check_for_saving(session, handbook, agreement.id)
    return handbook


@bp.post("/endre/skjema")
@signed_in("handbook.edit")
def edit_form() -> tuple[str, int]:
    values = handbook_form.posted_values(request.form)
    with _db() as session:
        agreement = page_agreement(session)
        version, in_force = _in_force(session, agreement)
        base = _base(request.form.get("grunnlag"), version.id)
        started = session.get(HandbookVersion, base)
        if started is not None and started.agreement_id != agreement.id:
            started, base = None, version.id  # another agreement's version: start from this one's
        handbook = parsed(started) if started else in_force
        try:
            data = handbook_form.checked(values, dict(handbook_form.role_options(handbook)))
        except ValidationError as error:
            return _edit_page(session, agreement, status=400, base=base, values=values,
                              form_errors=handbook_form.ordered(error.normalized_messages()))
        text = handbook_form.apply(handbook, data)
        try:
            _check(session, agreement, text)
        except HandbookError as error:
            return _edit_page(session, agreement, status=422, base=base, values=values,
                              form_errors=handbook_form.problems_at_fields(error.problems))
        return _preview_page(session, agreement, text, base)


@bp.post("/forhandsvis")
@signed_in("handbook.edit")
def again() -> tuple[str, int]:
    """The same preview for another borettslag, or back to the YAML editor with the text kept."""
    text = _text()
    with _db() as session:
        agreement = page_agreement(session)
        base = _base(request.form.get("grunnlag"), 0) or _in_force(session, agreement)[0].id
        if request.form.get("tilbake"):
            return _edit_page(session, agreement, yaml=text, base=base)
        try:
            _check(session, agreement, text)
        except HandbookError as error:
            return _edit_page(session, agreement, status=422, yaml=text, base=base, yaml_problems=error.problems)
        return _preview_page(session, agreement, text, base, note=request.form.get("beskrivelse", "")[:NOTE_MAX])


@bp.post("/lagre")
@signed_in("handbook.edit")
def save() -> Response | tuple[str, int]:
    user = current_user()
    assert user is not None
    text, note = _text(), request.form.get("beskrivelse", "").strip()[:NOTE_MAX]
    base = _base(request.form.get("grunnlag"), 0)
    with _db() as session:
        agreement = page_agreement(session)
    try:
        saved = once("handbok", lambda session: save_handbook(
            session, text, user.email, now(), path=_path(), base=base, note=note, agreement_id=agreement.id)[0])
    except StaleHandbook:
        with _db() as session:
            return _preview_page(session, agreement, text, base, note=note, status=409)
    except HandbookError as error:
        with _db() as session:
            return _edit_page(session, agreement, status=422, yaml=text, base=base, yaml_problems=error.problems)
    if int(saved) == base:
        flash(gettext("Teksten er lik versjonen som gjelder, så ingen ny versjon er lagret."))
    else:
        flash(gettext("Versjon %(number)s av håndboka er lagret og gjelder for nye saker fra nå.", number=saved))
    return redirect(url_for(".versions", avtale=agreement.param), 303)


@bp.get("/versjoner")
@signed_in("handbook.read")
def versions() -> str:
    with _db() as session:
        agreement = page_agreement(session)
        version, _ = _in_force(session, agreement)
        rows = list(session.scalars(select(HandbookVersion).where(HandbookVersion.agreement_id == agreement.id)
                                    .order_by(HandbookVersion.id.desc())))
        return render_template("workspace/handbook_versions.html", versions=_version_words(session, rows),
                               current=version.id, agreement=agreement, avtale=agreement.param)


@bp.get("/versjoner/<int:number>")
@signed_in("handbook.read")
def version(number: int) -> str:
    with _db() as session:
        row, agreement = _visible_version(session, number)
        in_force, _ = _in_force(session, agreement)
        previous = _previous(session, row)
        return render_template(
            "workspace/handbook_version.html", version=_version_words(session, [row])[0], source=row.source,
            previous=previous.id if previous else None, current=in_force.id, form_id=new_form_id(),
            diff=preview.source_diff(previous.source if previous else "", row.source), agreement=agreement,
            avtale=agreement.param)


@bp.post("/versjoner/<int:number>/gjenopprett")
@signed_in("handbook.edit")
def restore(number: int) -> tuple[str, int]:
    """Version `number`'s text, previewed against the version in force, to save as a new version."""
    with _db() as session:
        row, agreement = _visible_version(session, number)
        in_force, _ = _in_force(session, agreement)
        try:
            _check(session, agreement, row.source)
        except HandbookError as error:  # e.g. a contact it names has left the directory
            return _edit_page(session, agreement, status=422, yaml=row.source, base=in_force.id,
                              yaml_problems=error.problems)
        return _preview_page(session, agreement, row.source, in_force.id,
                             note=gettext("Gjenopprettet fra versjon %(number)s.", number=number))

