"""E-mail action links for contacts: a GET shows a confirmation page, only a POST acts (SPEC §4).

Mail scanners follow links, so a GET never changes anything. The POST records the link's use and
the case change in one transaction; the link id is ActionLinkUse's primary key, so a second use,
even a concurrent one, fails on the insert and changes nothing. A link works only while the
contact it was sent to may act on the case (shared/access.py) and only for the case's version it
was issued for; otherwise both GET and POST explain why, and nothing changes.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from marshmallow import Schema, ValidationError, validate
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from shared import access, action_links, lifecycle
from shared.action_links import ActionLink, ExpiredLink, InvalidLink
from shared.db import unit_of_work
from shared.models import ActionLinkUse, Case, utcnow
from shared.settings import Settings
from shared.vocabulary import CASE_STATUSES, CASE_TYPES, COMPLAINT_CATEGORIES

from .case_actions import change_case
from .schemas import Message, Text

bp = Blueprint("actions", __name__)

# The token is a credential: keep it out of caches, search engines and other sites' logs.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
COMMENT_MAX = 5000
TOO_LONG = Message("Kan ikke være lengre enn {max} tegn.")


class LinkAlreadyUsed(Exception):
    pass


class CaseGone(LookupError):
    pass


# The case has changed since the link was issued (another version), or the link predates versions.
CHANGED = "changed"
# Why a link cannot be used → the page that explains it and its status code.
STALE_PAGES = {
    access.REVOKED: ("revoked", 403),
    access.NOT_STAFF: ("no_access", 403),
    access.NOT_HOLDER: ("reassigned", 409),
    CHANGED: ("changed", 409),
}


class StaleLink(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CommentSchema(Schema):
    comment = Text(
        multiline=True, load_default="",
        validate=validate.Length(max=COMMENT_MAX, error=TOO_LONG),
    )


@dataclass(frozen=True)
class CaseSummary:
    """What the contact sees of the case; the page gets this, not the ORM row."""

    reference: str
    kind: str
    cooperative: str
    category: str
    description: str
    status: str
    status_label: str
    received_at: dt.datetime
    has_submitter: bool


def summarise(case: Case, tz: ZoneInfo) -> CaseSummary:
    return CaseSummary(
        reference=case.reference,
        kind=CASE_TYPES.get(case.type, case.type),
        cooperative=case.cooperative.name if case.cooperative else "",
        category=COMPLAINT_CATEGORIES.get(case.category or "", ""),
        description=case.description,
        status=case.status,
        status_label=CASE_STATUSES.get(case.status, case.status),
        received_at=case.created_at.astimezone(tz),
        has_submitter=bool(case.submitter_email),
    )


def _case(session: Session, case_id: int, *, for_update: bool = False) -> Case:
    case = session.get(
        Case, case_id, with_for_update=for_update, options=[selectinload(Case.cooperative)]
    )
    if case is None:
        raise CaseGone(case_id)
    return case


@dataclass(frozen=True)
class LinkState:
    case: CaseSummary
    used: bool
    stale: str | None  # why the link cannot be used now (STALE_PAGES), None when it can


def why_stale(session: Session, link: ActionLink, case: Case) -> str | None:
    """The holder must still be allowed to act, on the case as it was when the link was issued."""
    refusal = access.contact_refusal(session, link.recipient, case)
    if refusal is not None:
        return refusal
    return CHANGED if link.version != case.version else None


def look_up(session: Session, link: ActionLink, tz: ZoneInfo) -> LinkState:
    """The case the link is for, whether the link has been used and whether it is stale; reads only."""
    case = _case(session, link.case_id)
    used = session.get(ActionLinkUse, link.link_id) is not None
    return LinkState(summarise(case, tz), used, why_stale(session, link, case))


def use_link(session: Session, link: ActionLink, *, comment: str, now: dt.datetime) -> Case:
    """Spend the link and apply its action as the contact it was sent to; the caller commits."""
    case = _case(session, link.case_id, for_update=True)
    session.add(
        ActionLinkUse(link_id=link.link_id, case_id=case.id, action=link.action, used_at=now)
    )
    try:
        session.flush()
    except IntegrityError:
        raise LinkAlreadyUsed(link.link_id) from None
    stale = why_stale(session, link, case)
    if stale is not None:
        raise StaleLink(stale)  # the caller's rollback takes the use back: the link is not spent
    change_case(session, case, link.action, actor=link.recipient, now=now, comment=comment)
    return case


def next_links(settings: Settings, link: ActionLink, case: Case) -> list[dict[str, str]]:
    """New links, for the same contact, to what the case allows next (resolve or reject once
    acknowledged), for the case's new version; derived from the used link's id, so each is as
    single-use as the first."""
    links = []
    for action in (a for a in action_links.LINK_ACTIONS
                   if a in lifecycle.allowed_actions(case.status)):
        token = action_links.sign(settings, case_id=link.case_id, action=action,
                                  recipient=link.recipient, source=link.link_id, version=case.version)
        links.append({"label": action_links.LABELS[action],
                      "path": url_for("actions.link_page", token=token)})
    return links


def _problem(problem: str, status: int, **context: Any) -> ResponseReturnValue:
    return render_template("action_problem.html", problem=problem, **context), status, PRIVATE


def _stale(reason: str, case: CaseSummary | None) -> ResponseReturnValue:
    problem, status = STALE_PAGES[reason]
    # Someone who may not act on the case is not told how it stands.
    return _problem(problem, status, case=case if status == 409 else None)


def _verify(token: str) -> ActionLink:
    return action_links.verify(current_app.config["SETTINGS"], token)


def _expired(error: ExpiredLink) -> ResponseReturnValue:
    reference = None
    if error.link is not None:
        with current_app.extensions["sessionmaker"]() as session:
            case = session.get(Case, error.link.case_id)
            reference = case.reference if case else None
    return _problem("expired", 410, reference=reference)


def _confirm_page(
    token: str, link: ActionLink, case: CaseSummary, comment: str = "",
    errors: list[str] | None = None, status: int = 200,
) -> ResponseReturnValue:
    target = lifecycle.TRANSITIONS[link.action][1] or ""
    page = render_template(
        "action_confirm.html", token=token, link=link, case=case, comment=comment,
        errors=errors or [], comment_max=COMMENT_MAX,
        target_status=CASE_STATUSES.get(target, target),
    )
    return page, status, PRIVATE


@bp.get("/handling/<token>")
def link_page(token: str) -> ResponseReturnValue:
    tz = ZoneInfo(current_app.config["SETTINGS"].tz_name)
    try:
        link = _verify(token)
        with current_app.extensions["sessionmaker"]() as session:
            state = look_up(session, link, tz)
    except ExpiredLink as error:
        return _expired(error)
    except (InvalidLink, CaseGone):
        return _problem("invalid", 404)
    if state.used:
        return _problem("used", 409, case=state.case)
    if state.stale is not None:
        return _stale(state.stale, state.case)
    return _confirm_page(token, link, state.case)


@bp.post("/handling/<token>")
def use_link_page(token: str) -> ResponseReturnValue:
    settings = current_app.config["SETTINGS"]
    tz = ZoneInfo(settings.tz_name)
    raw_comment = request.form.get("comment", "")
    try:
        link = _verify(token)
        comment = CommentSchema().load({"comment": raw_comment})["comment"]
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            changed = use_link(session, link, comment=comment, now=utcnow())
            case, follow_ups = summarise(changed, tz), next_links(settings, link, changed)
    except ExpiredLink as error:
        return _expired(error)
    except (InvalidLink, CaseGone):
        return _problem("invalid", 404)
    except ValidationError as error:
        return _invalid_comment(token, link, raw_comment, error, tz)
    except LinkAlreadyUsed:
        return _problem("used", 409, case=_current(link, tz))
    except StaleLink as stale:
        return _stale(stale.reason, _current(link, tz))
    except lifecycle.IllegalTransition:
        return _problem("illegal", 409, case=_current(link, tz), action=link.action)
    page = render_template("action_done.html", case=case, action=link.action,
                           next_links=follow_ups)
    return page, 200, PRIVATE


def _current(link: ActionLink, tz: ZoneInfo) -> CaseSummary | None:
    """The case as it is now, for a page that explains why nothing was done."""
    with current_app.extensions["sessionmaker"]() as session:
        try:
            return look_up(session, link, tz).case
        except CaseGone:
            return None


def _invalid_comment(token: str, link: ActionLink, comment: str, error: ValidationError,
                     tz: ZoneInfo) -> ResponseReturnValue:
    with current_app.extensions["sessionmaker"]() as session:
        try:
            state = look_up(session, link, tz)
        except CaseGone:
            return _problem("invalid", 404)
    if state.stale is not None:
        return _stale(state.stale, state.case)
    case = state.case
    messages = error.normalized_messages().get("comment", [])
    return _confirm_page(token, link, case, comment, list(messages), status=422)


@bp.context_processor
def _validity() -> dict[str, int]:
    return {"link_days": action_links.VALIDITY.days}


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> ResponseReturnValue:
    # Offer the confirmation page again: it carries a fresh form token.
    return _problem("csrf", 400, token=(request.view_args or {}).get("token"))
