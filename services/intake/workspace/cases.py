"""The case page, /arbeid/saker/<reference> (SPEC §7): the whole case, its deadlines and full
history, and its actions as forms.

Every action goes through the API's use cases (case_actions.change_case, remark_case) and the one
holder check (shared.access.contact_refusal). Each form carries the case's version as it was
shown; a form posted for an older version is refused with 409 and the page says what changed.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from shared import lifecycle
from shared.access import NOT_HOLDER, contact_refusal, may, may_hold_case
from shared.case_details import details_of
from shared.db import unit_of_work
from shared.deadlines import deadlines_of
from shared.i18n import N_
from shared.models import Case, CaseHistory, Contact
from shared.vocabulary import (
    CASE_HOLDERS,
    CASE_STATUSES,
    CASE_TYPES,
    COMPLAINT_CATEGORIES,
    OTHER_PARTY,
    PARTY_NAMES,
    SUBMITTER_ROLES,
)

from ..case_actions import AssigneeNotAllowed, CaseNotFound, UnknownAssignee, change_case, get_case, remark_case
from ..cases_api import deadline_view
from .inbox import DEADLINE_LABELS
from .pages import bp
from .sessions import SignedIn, current_user, now, signed_in

TEXT_MAX = 5000
STATUS_ACTIONS = ("acknowledge", "resolve", "reject", "reopen")
# The field each form's text is posted in.
TEXT_FIELDS = {**dict.fromkeys(STATUS_ACTIONS, "kommentar"), "reassign": "begrunnelse", "note": "notat",
               "comment": "offentlig"}
# Of the other party, these may be handed a case from the page (its case officers, and the main
# contact, who is the one who takes cases in for the municipality).
OTHER_PARTY_ROLES = ("case_officer", "main_contact")
# The page's texts, translated where shown (the page's _(), the contact's language).
DONE = {"acknowledge": N_("Saken er kvittert ut."), "resolve": N_("Saken er løst."),
        "reject": N_("Saken er avvist."), "reopen": N_("Saken er åpnet igjen."), "reassign": N_("Saken er overført."),
        "note": N_("Det interne notatet er lagret."),
        "comment": N_("Kommentaren er lagret og sendt til innsenderen.")}
ACTION_LABELS = {"acknowledge": N_("Kvitter ut"), "resolve": N_("Løs saken"), "reject": N_("Avvis saken"),
                 "reopen": N_("Åpne saken igjen")}
HISTORY_LABELS = {
    "received": N_("Mottatt"), "routed": N_("Sendt til kontaktperson"), "acknowledged": N_("Kvittert ut"),
    "resolved": N_("Løst"), "rejected": N_("Avvist"), "reopened": N_("Åpnet igjen"),
    "reassigned": N_("Overført"), "noted": N_("Internt notat"), "commented": N_("Kommentar til innsenderen"),
    "escalated": N_("Frist oversittet"),
    "handed_over": N_("Stedfortreder"), "unrouted": N_("Ikke rutet"), "board_approved": N_("Styret godkjente"),
    "board_refused": N_("Styret nektet"), "board_deemed_approved": N_("Godkjenning regnes som gitt"),
    "meeting_booked": N_("Møte booket"), "meeting_joined": N_("Lagt til et møte"),
    "meeting_no_slot": N_("Ingen ledig møtetid"),
    "agenda_removed": N_("Tatt av dagsordenen"), "meeting_moved": N_("Møtet er flyttet"),
    "meeting_cancelled": N_("Møtet er avlyst"), "deadline_overridden": N_("Fristen er overstyrt"),
}
DEADLINE_STATES = {"open": N_("Løper"), "met": N_("Overholdt"), "missed": N_("Oversittet"),
                   "closed": N_("Avsluttet")}
READ_ONLY = {NOT_HOLDER: N_("Du kan lese saken, men ikke behandle den: bare den som er ansvarlig for saken, "
                           "og kontaktpersoner som har fått den i kopi, kan behandle den.")}


class Refused(Exception):
    """The form cannot be applied; nothing is: the status, a message per field, and what changed."""

    def __init__(self, status: int, errors: dict[str, str], stale_from: int | None = None) -> None:
        super().__init__(status, errors)
        self.status, self.errors, self.stale_from = status, errors, stale_from


@dataclass
class Form:
    """The posted form, read: which action, its text, the assignee chosen, the version shown."""

    action: str
    text: str
    to: str
    version: int | None
    errors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, posted: MultiDict[str, str]) -> Form:
        action = posted.get("handling", "")
        text_field = TEXT_FIELDS.get(action, "kommentar")
        version_text = posted.get("versjon", "")
        form = cls(action, posted.get(text_field, "").strip(), posted.get("til", "").strip().lower(),
                   int(version_text) if version_text.isdigit() and len(version_text) < 9 else None)
        if action not in TEXT_FIELDS:
            form.errors["handling"] = gettext("Velg en handling på siden.")
        if form.version is None:
            form.errors["handling"] = gettext("Skjemaet mangler sakens versjon. Last siden på nytt og prøv igjen.")
        if action in ("note", "comment") and not form.text:
            form.errors[text_field] = (gettext("Skriv notatet.") if action == "note"
                                       else gettext("Skriv kommentaren til innsenderen."))
        if len(form.text) > TEXT_MAX:
            form.errors[text_field] = gettext("Teksten kan være høyst %(max)s tegn.", max=TEXT_MAX)
        if action == "reassign" and not form.to:
            form.errors["til"] = gettext("Velg hvem saken skal overføres til.")
        return form


def reassign_choices(db: Session, user: SignedIn, case: Case) -> list[Contact]:
    """My party's contacts who may hold cases, and the other party's case officers and main contact."""
    contacts = db.scalars(select(Contact).where(Contact.party.in_(CASE_HOLDERS)).order_by(Contact.name))
    other = OTHER_PARTY.get(user.party)
    return [c for c in contacts if may_hold_case(c) and c.email != case.assignee
            and (c.party == user.party or (c.party == other and c.role in OTHER_PARTY_ROLES))]


def apply(db: Session, case: Case, form: Form, user: SignedIn) -> None:
    """Apply the form to the case in `db`'s transaction, or raise Refused (the caller rolls back)."""
    refusal = contact_refusal(db, user.email, case)
    if refusal is not None:
        raise Refused(403, {"handling": gettext(READ_ONLY.get(refusal, READ_ONLY[NOT_HOLDER]))})
    if form.errors:
        raise Refused(400, form.errors)
    if form.version != case.version:
        raise Refused(409, {"handling": gettext("Saken er endret siden du åpnet den. Ingenting er lagret; "
                                                "se hva som er endret, og send skjemaet på nytt om du vil.")},
                      stale_from=form.version)
    if form.action in lifecycle.REMARKS:
        if form.action == "note" and not may(user.principal, "case.note"):
            raise Refused(403, {"handling": gettext("Du kan ikke skrive interne notater.")})
        remark_case(db, case, form.action, actor=user.email, now=now(), text=form.text)
        return
    if form.action == "reassign" and form.to not in {c.email for c in reassign_choices(db, user, case)}:
        raise Refused(422, {"til": gettext("Velg en kontaktperson fra listen.")})
    try:
        change_case(db, case, form.action, actor=user.email, now=now(), comment=form.text,
                    to=form.to if form.action == "reassign" else None)
    except lifecycle.IllegalTransition:
        raise Refused(409, {"handling": gettext("Saken har en status der denne handlingen ikke er mulig.")}) from None
    except UnknownAssignee:
        raise Refused(422, {"til": gettext("Fant ingen kontaktperson med denne e-postadressen.")}) from None
    except AssigneeNotAllowed as error:
        raise Refused(422, {"til": str(error)}) from None


# A case with a long history shows its newest rows, with a link to all of them.
HISTORY_SHOWN = 100


def history_shown(db: Session, case: Case, whole: bool) -> tuple[list[CaseHistory], int]:
    """The case's history rows the page shows, oldest first: all, or the newest HISTORY_SHOWN
    (read with a LIMIT, so a case with thousands of rows costs a page); and how many there are."""
    total = db.execute(select(func.count()).select_from(CaseHistory).where(CaseHistory.case_id == case.id)).scalar_one()
    query = select(CaseHistory).where(CaseHistory.case_id == case.id)
    if whole or total <= HISTORY_SHOWN:
        return list(db.scalars(query.order_by(CaseHistory.id))), total
    newest = db.scalars(query.order_by(CaseHistory.id.desc()).limit(HISTORY_SHOWN))
    return list(reversed(list(newest))), total


def page_context(db: Session, case: Case, user: SignedIn, history: list[CaseHistory]) -> dict[str, Any]:
    """Everything the case page shows, times in the agreement's zone."""
    zone = ZoneInfo(current_app.config["SETTINGS"].tz_name)
    people = {c.email: c for c in db.scalars(select(Contact).where(
        Contact.email.in_({entry.actor for entry in history} | {case.assignee or ""})))}
    refusal = contact_refusal(db, user.email, case)
    return {
        "case": case, "details": details_of(case), "people": people, "zone": zone,
        "deadlines": [deadline_view(d, now(), zone) for d in deadlines_of(db, case.id)],
        "actions": [a for a in lifecycle.allowed_actions(case.status) if a in STATUS_ACTIONS],
        "may_reassign": "reassign" in lifecycle.allowed_actions(case.status),
        "choices": reassign_choices(db, user, case), "read_only": READ_ONLY.get(refusal or "", "")
        if refusal else "", "may_note": may(user.principal, "case.note"),
    }


def at_local(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return moment.astimezone(zone)


def render_case(reference: str, status: int = 200, form: Form | None = None,
                errors: dict[str, str] | None = None, stale_from: int | None = None) -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    with current_app.extensions["sessionmaker"]() as db:
        try:
            case = get_case(db, reference, agreements=user.agreements(db), with_history=False)
        except CaseNotFound:
            return render_template("workspace/case_not_found.html", reference=reference[:40]), 404
        history, total = history_shown(db, case, request.args.get("historikk") == "alle")
        context = page_context(db, case, user, history)
        changed = lifecycle.changes_since(case.history, stale_from) if stale_from is not None else []
        return render_template(
            "workspace/case.html", user=user, form=form, errors=errors or {}, changed=changed,
            history=history, history_total=total,
            stale=stale_from is not None,
            done=DONE.get(request.args.get("utfort", "")) if form is None else "", at_local=at_local,
            text_fields=TEXT_FIELDS, action_labels=ACTION_LABELS, history_labels=HISTORY_LABELS,
            deadline_states=DEADLINE_STATES, deadline_labels=DEADLINE_LABELS, statuses=CASE_STATUSES,
            case_types=CASE_TYPES, categories=COMPLAINT_CATEGORIES, roles=SUBMITTER_ROLES,
            party_names=PARTY_NAMES, **context), status


@bp.get("/saker/<reference>")
@signed_in("case.read")
def case_page(reference: str) -> ResponseReturnValue:
    return render_case(reference)


@bp.post("/saker/<reference>")
@signed_in("case.act")
def act(reference: str) -> ResponseReturnValue:
    """One action from the page; after success back to the page (Post/Redirect/Get)."""
    user = current_user()
    assert user is not None
    form = Form.read(request.form)
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as db:
            apply(db, get_case(db, reference, for_update=True, agreements=user.agreements(db)), form, user)
    except CaseNotFound:
        return render_template("workspace/case_not_found.html", reference=reference[:40]), 404
    except Refused as refused:
        return render_case(reference, refused.status, form, refused.errors, refused.stale_from)
    return redirect(url_for("workspace.case_page", reference=reference, utfort=form.action), code=303)
