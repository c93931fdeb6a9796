"""/arbeid/katalog: borettslag and contacts, CSV import with a dry-run preview, export, deactivation.

The uploaded file travels from the preview to "Importer" in the page itself (base64), beside a
signed receipt of its SHA-256, the plan's digest, the user and the time; the import refuses a file
that is not the one previewed, a receipt older than RECEIPT_AGE, and a plan that has changed
(directory_import.Stale), so it writes exactly what the preview showed.

Everything is within the signed-in user's agreements (SPEC §8): the lists, the export, the import
and deactivation; a user in several may narrow the lists to one (`avtale`), and a contact outside
them answers 404. A contact's language (bokmål or nynorsk, SPEC §9) is shown and can be changed.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as Redirect

from shared.db import unit_of_work
from shared.directory_csv import FIELD_LABELS, FileError, decode
from shared.i18n import N_, STAFF_LANGUAGES
from shared.models import BORETTSLAG, SAMEIE, Contact
from shared.vocabulary import CASE_STATUSES, CASE_TYPES, CONTACT_ROLES, DIRECTORY_PARTIES

from .. import directory, directory_import
from ..directory_import import CONTACTS, COOPERATIVES, Plan, Stale
from .agreements import page_agreement
from .sessions import current_user, now, signed_in

bp = Blueprint("directory", __name__, url_prefix="/arbeid/katalog")
KINDS = {COOPERATIVES: N_("borettslag"), CONTACTS: N_("kontaktpersoner")}
RECEIPT_AGE = 30 * 60  # seconds a preview may be imported
LANGUAGE_NAMES = {"nb": N_("Bokmål"), "nn": N_("Nynorsk")}
HOUSING_KINDS = {BORETTSLAG: N_("Borettslag"), SAMEIE: N_("Sameie")}
LABELS = {"fields": FIELD_LABELS, "parties": DIRECTORY_PARTIES, "roles": CONTACT_ROLES,
          "statuses": CASE_STATUSES, "types": CASE_TYPES, "language_names": LANGUAGE_NAMES,
          "housing_kinds": HOUSING_KINDS}


def _db() -> Any:
    return unit_of_work(current_app.extensions["sessionmaker"])


def _kind(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


def _page_number() -> int:
    value = request.args.get("side", "1")
    return int(value) if value.isdigit() and len(value) < 6 else 1


def _mine(session: Any) -> frozenset[int]:
    """The user's agreements (a signed-in contact always has a set, maybe empty)."""
    user = current_user()
    assert user is not None
    return user.agreements(session) or frozenset()


def _shown(session: Any) -> tuple[frozenset[int], int | None, dict[int, str]]:
    """The agreements a list shows: the one chosen with `avtale` (404 unless the user's), else all the
    user's; the chosen one's id; and the user's agreements by name, for a user in several."""
    mine = _mine(session)
    chosen = page_agreement(session).id if request.args.get("avtale") else None
    names = directory.agreement_names(session, mine) if len(mine) > 1 else {}
    return (frozenset({chosen}) if chosen is not None else mine), chosen, names


def _list(kind: str) -> str:
    search = request.args.get("q", "").strip()[:100]
    with _db() as session:
        shown, chosen, names = _shown(session)
        page = (directory.cooperatives if kind == COOPERATIVES else directory.contacts)(
            session, search, _page_number(), shown)
        return render_template(f"workspace/directory_{kind}.html", page=page, search=search, kind=kind,
                               agreement_names=names, chosen=chosen, **LABELS)


@bp.get("")
@signed_in("directory.read")
def cooperatives() -> str:
    return _list(COOPERATIVES)


@bp.get("/kontakter")
@signed_in("directory.read")
def contacts() -> str:
    return _list(CONTACTS)


@bp.get("/<kind>.csv")
@signed_in("directory.read")
def export(kind: str) -> Response:
    with _db() as session:
        text = directory.export(session, _kind(kind), _mine(session))
    return Response(text.encode(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{kind}.csv"'})


def max_file_bytes() -> int:
    """The largest file: its base64 copy in the preview's form must fit the request limit."""
    return int((current_app.config["MAX_CONTENT_LENGTH"] - 4096) * 3 // 4)


def _upload_page(kind: str, error: str = "", status: int = 200) -> tuple[str, int]:
    return render_template("workspace/directory_import.html", kind=kind, what=gettext(KINDS[kind]), error=error,
                           max_kb=max_file_bytes() // 1000, plan=None, **LABELS), status


@bp.get("/<kind>/import")
@signed_in("directory.edit")
def upload_form(kind: str) -> tuple[str, int]:
    return _upload_page(_kind(kind))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="katalog-import")


def _preview(kind: str, text: str, plan: Plan, *, stale: bool = False) -> tuple[str, int]:
    user = current_user()
    assert user is not None
    receipt = _serializer().dumps({"kind": kind, "sha256": hashlib.sha256(text.encode()).hexdigest(),
                                   "plan": plan.digest, "by": user.email})
    return render_template("workspace/directory_import.html", kind=kind, what=gettext(KINDS[kind]), plan=plan,
                           stale=stale, receipt=receipt, file_b64=base64.b64encode(text.encode()).decode(),
                           max_kb=max_file_bytes() // 1000, error="", **LABELS), 409 if stale else 200


def _read_upload(upload: FileStorage | None) -> str:
    if upload is None or not upload.filename:
        raise ValueError(gettext("Velg en CSV-fil."))
    data = upload.stream.read(max_file_bytes() + 1)
    if len(data) > max_file_bytes():
        raise OverflowError(gettext("Filen er for stor. Største tillatte størrelse er %(size)s kB.",
                                    size=max_file_bytes() // 1000))
    if not data.strip():
        raise ValueError(gettext("Filen er tom."))
    return decode(data)


@bp.post("/<kind>/import")
@signed_in("directory.edit")
def preview(kind: str) -> tuple[str, int]:
    kind = _kind(kind)
    try:
        text = _read_upload(request.files.get("fil"))
        with _db() as session:
            plan = directory_import.plan(session, kind, text, _mine(session))
    except OverflowError as error:
        return _upload_page(kind, str(error), 413)
    except FileError as error:
        return _upload_page(kind, error.in_language(gettext), 422)
    except ValueError as error:
        return _upload_page(kind, str(error), 400)
    return _preview(kind, text, plan)


def _previewed_file(kind: str) -> tuple[str, str]:
    """The file the preview showed and its plan's digest, or ValueError."""
    user = current_user()
    assert user is not None
    try:
        receipt = _serializer().loads(request.form.get("kvittering", ""), max_age=RECEIPT_AGE)
        text = base64.b64decode(request.form.get("fil", ""), validate=True).decode()
    except (BadSignature, binascii.Error, UnicodeDecodeError) as error:
        raise ValueError(gettext("Forhåndsvisningen er utløpt eller ugyldig. Last opp filen på nytt.")) from error
    if (receipt.get("kind"), receipt.get("by"), receipt.get("sha256")) != (
            kind, user.email, hashlib.sha256(text.encode()).hexdigest()):
        raise ValueError(gettext("Filen er ikke den samme som i forhåndsvisningen. Last opp filen på nytt."))
    return text, str(receipt["plan"])


@bp.post("/<kind>/import/bekreft")
@signed_in("directory.edit")
def confirm(kind: str) -> Redirect | tuple[str, int]:
    kind = _kind(kind)
    try:
        text, digest = _previewed_file(kind)
    except ValueError as error:
        return _upload_page(kind, str(error), 400)
    try:
        with _db() as session:
            written = directory_import.write(session, kind, text, digest, _mine(session))
    except Stale as stale:
        return _preview(kind, text, stale.plan, stale=True)
    flash(ngettext("Importen er fullført: %(num)s rad skrevet.", "Importen er fullført: %(num)s rader skrevet.",
                   written))
    return redirect(url_for("directory.cooperatives" if kind == COOPERATIVES else "directory.contacts"), 303)


def _stand_in_choices(session: Any, contact: Contact, cases: dict[int, list[Any]]) -> list[dict[str, Any]]:
    """Per agreement the contact has open cases in: its cases, who may take them over, and the field."""
    names = directory.agreement_names(session, frozenset(cases))
    return [{"agreement": number, "name": names.get(number, str(number)), "cases": group,
             "field": f"til-{number}", "stand_ins": directory.stand_ins(session, contact, number),
             "chosen": request.form.get(f"til-{number}", "")} for number, group in cases.items()]


def _deactivate_page(contact_id: int, error: dict[int, str] | None = None, status: int = 200) -> tuple[str, int]:
    user = current_user()
    assert user is not None
    with _db() as session:
        contact = directory.find_contact(session, contact_id, _mine(session))
        refusal = ""
        try:
            directory.check_may_deactivate(session, contact, party=user.party, email=user.email,
                                           agreements=_mine(session))
        except directory.NotAllowed as refused:
            refusal, status = str(refused), 403 if contact.party != user.party else 409
        groups = _stand_in_choices(session, contact, directory.open_cases(session, contact))
        return render_template("workspace/directory_deactivate.html", contact=contact, refusal=refusal,
                               groups=groups, errors=error or {}, several=len(groups) > 1,
                               can_move=all(group["stand_ins"] for group in groups), **LABELS), status


@bp.get("/kontakter/<int:contact_id>/deaktiver")
@signed_in("directory.edit")
def deactivate_form(contact_id: int) -> tuple[str, int]:
    try:
        return _deactivate_page(contact_id)
    except directory.ContactNotFound:
        abort(404)


@bp.post("/kontakter/<int:contact_id>/deaktiver")
@signed_in("directory.edit")
def deactivate(contact_id: int) -> Redirect | tuple[str, int]:
    user = current_user()
    assert user is not None
    chosen = {int(name.removeprefix("til-")): value for name, value in request.form.items()
              if name.startswith("til-") and name.removeprefix("til-").isdigit() and len(name) < 20 and value}
    try:
        with _db() as session:
            mine = _mine(session)
            contact = directory.find_contact(session, contact_id, mine)
            name = contact.name
            moved = directory.deactivate(session, contact_id, to=chosen, party=user.party, actor=user.email,
                                         now=now(), agreements=mine)
    except directory.ContactNotFound:
        abort(404)
    except directory.NotAllowed:
        return _deactivate_page(contact_id)
    except directory.NeedsStandIn as error:
        return _deactivate_page(contact_id, dict.fromkeys(error.agreements, str(error)), 422)
    flash(gettext("%(name)s er deaktivert.", name=name) + (" " + ngettext(
        "%(num)s sak er overført.", "%(num)s saker er overført.", moved) if moved else ""))
    return redirect(url_for("directory.contacts"), 303)


def _may_set_language(contact: Contact) -> bool:
    """One's own language, and that of one's own party's contacts (as deactivation)."""
    user = current_user()
    assert user is not None
    return contact.email == user.email or contact.party == user.party


@bp.route("/kontakter/<int:contact_id>/sprak", methods=["GET", "POST"])
@signed_in("directory.edit")
def language(contact_id: int) -> Redirect | tuple[str, int]:
    """A contact's language: the workspace's pages and the staff's e-mails to them are in it (SPEC §9)."""
    with _db() as session:
        try:
            contact = directory.find_contact(session, contact_id, _mine(session))
        except directory.ContactNotFound:
            abort(404)
        if not _may_set_language(contact):
            abort(403)
        wanted = request.form.get("sprak", "")
        if request.method == "POST" and wanted in STAFF_LANGUAGES:
            contact.language = wanted
            flash(gettext("Språket til %(name)s er nå %(language)s.", name=contact.name,
                          language=gettext(LANGUAGE_NAMES[wanted]).lower()))
            return redirect(url_for("directory.contacts"), 303)
        error = gettext("Velg bokmål eller nynorsk.") if request.method == "POST" else ""
        return render_template("workspace/directory_language.html", contact=contact, error=error,
                               chosen=wanted or contact.language, **LABELS), 422 if error else 200
