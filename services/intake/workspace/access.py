"""/arbeid/tilgang: the party's API tokens for integrations (made here, shown once, revoked here)
and an audit log of sign-ins, token events, handbook changes and uses of personal data.

The log is read from the rows that record those events already (staff_session, api_token,
handbook_version), not from a copy of them, so it cannot disagree with what happened; an export or
erasure of a person's data leaves no other row, so it writes an audit_event (personal_data.py).
The page is in the signed-in contact's language; an audit_event's detail was written in bokmål
when it happened, and shows as such (lang="nb").
"""
from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from shared.db import unit_of_work
from shared.i18n import N_
from shared.models import ApiToken, AuditEvent, Contact, HandbookVersion, StaffSession, utcnow

from ..tokens import create_token, revoke
from .sessions import SignedIn, current_user, signed_in

bp = Blueprint("workspace_access", __name__, url_prefix="/arbeid/tilgang")
LOG_SIZE = 50
NAME_MAX = 100
NO_STORE = {"Cache-Control": "no-store"}


# The audit_event rows' actions, as the log says them (message ids).
AUDITED = {"personal_data.export": N_("Personopplysninger hentet ut om %(subject)s"),
           "personal_data.erase": N_("Personopplysninger slettet om %(subject)s")}
COMMAND_LINE = N_("kommandolinjen")  # who made or revoked a token with `flask token`


@dataclass(frozen=True)
class LogEntry:
    at: dt.datetime
    what: str  # in the page's language
    who: str
    detail: str = ""  # an audit_event's detail, stored in bokmål


def _user() -> SignedIn:
    user = current_user()
    assert user is not None  # signed_in() let the request through
    return user


def audit_log(session: Session, party: str, size: int = LOG_SIZE) -> list[LogEntry]:
    """The newest events of the party (sign-ins, its tokens, its uses of personal data) and every
    handbook change, said in the page's language."""
    sign_ins = session.execute(
        select(StaffSession.created_at, Contact.name, Contact.email)
        .join(Contact, Contact.email == StaffSession.contact_email).where(Contact.party == party)
        .order_by(StaffSession.created_at.desc()).limit(size)).all()
    tokens = session.execute(select(ApiToken).where(ApiToken.party == party)
                             .order_by(ApiToken.created_at.desc()).limit(size)).scalars().all()
    versions = session.execute(select(HandbookVersion.id, HandbookVersion.created_at, HandbookVersion.created_by)
                               .order_by(HandbookVersion.id.desc()).limit(size)).all()
    entries = [LogEntry(at, gettext("Logget inn"), f"{name} ({email})") for at, name, email in sign_ins]
    for token in tokens:
        entries.append(LogEntry(token.created_at, gettext("API-token opprettet: %(name)s", name=token.name),
                                token.created_by or gettext(COMMAND_LINE)))
        if token.revoked_at is not None:
            entries.append(LogEntry(token.revoked_at, gettext("API-token trukket tilbake: %(name)s", name=token.name),
                                    token.revoked_by or gettext(COMMAND_LINE)))
    entries += [LogEntry(at, gettext("Rutinehåndboken lagret (versjon %(number)s)", number=number), who)
                for number, at, who in versions]
    audited = session.execute(select(AuditEvent).where(AuditEvent.party == party)
                              .order_by(AuditEvent.at.desc()).limit(size)).scalars()
    entries += [LogEntry(event.at, gettext(AUDITED[event.action], subject=event.subject), event.actor, event.detail)
                for event in audited]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:size]


def _page(status: int = 200, **extra: Any) -> tuple[str, int, dict[str, str]]:
    user = _user()
    with current_app.extensions["sessionmaker"]() as session:
        tokens = session.execute(
            select(ApiToken).where(ApiToken.party == user.principal.party, ApiToken.contact_email.is_(None))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())).scalars().all()
        log = audit_log(session, user.principal.party)
    values = {"tokens": tokens, "log": log, "name": "", "error": "", "secret": "", "name_max": NAME_MAX,
              "tz": current_app.config["SETTINGS"].tz_name}
    return render_template("workspace/access.html", **{**values, **extra}), status, NO_STORE


@bp.get("")
@signed_in("access.manage")
def overview() -> tuple[str, int, dict[str, str]]:
    return _page()


def _name_problem(name: str) -> str:
    if not name:
        return str(gettext("Skriv hva tokenet skal brukes til, for eksempel navnet på fagsystemet."))
    if len(name) > NAME_MAX:
        return str(gettext("Navnet kan være høyst %(count)s tegn.", count=NAME_MAX))
    if any(unicodedata.category(c) in {"Cc", "Cf"} for c in name):
        return str(gettext("Navnet kan ikke ha kontrolltegn."))
    return ""


@bp.post("/tokens")
@signed_in("access.manage")
def make_token() -> tuple[str, int, dict[str, str]]:
    """The secret is shown on this answer only (no redirect that could show it again)."""
    user = _user()
    name = unicodedata.normalize("NFC", request.form.get("navn", "").strip())
    problem = _name_problem(name)
    if problem:
        return _page(400, name=name[:NAME_MAX * 2], error=problem)
    with unit_of_work(current_app.extensions["sessionmaker"]) as session:
        secret, _ = create_token(session, now=utcnow(), system=name, party=user.principal.party,
                                 created_by=user.email)
    return _page(201, secret=secret, made=name)


@bp.post("/tokens/<int:token_id>/trekk-tilbake")
@signed_in("access.manage")
def revoke_token(token_id: int) -> Response:
    user = _user()
    with unit_of_work(current_app.extensions["sessionmaker"]) as session:
        done = revoke(session, token_id, utcnow(), by=user.email, party=user.principal.party)
    flash(gettext("Tokenet er trukket tilbake.") if done
          else gettext("Fant ikke et aktivt token for din part med den id-en."))
    return redirect(url_for("workspace_access.overview"), code=303)
