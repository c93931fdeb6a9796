"""The inbox, /arbeid (SPEC §7): my cases, copies to me, the agreement's open cases, overdue;
filters, search and paging over services/intake/case_actions.list_cases, the API's list query.

Staff of both parties see every case, as the API does (one agreement, one set of cases). A
committee member from a borettslag board reads no cases: the inbox sends them on to the meetings.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from shared.access import in_agreements, may
from shared.i18n import N_
from shared.models import Case, Cooperative, Deadline
from shared.vocabulary import CASE_STATUSES, CASE_TYPES

from ..case_actions import list_cases
from .pages import bp
from .sessions import current_user, now, signed_in

PER_PAGE = 25
TABS = {"mine": N_("Mine saker"), "kopi": N_("Kopi til meg"), "alle": N_("Alle åpne"), "forfalt": N_("Forfalt")}
DEFAULT_TAB = "mine"
# The status filter: "" is every open status (the default), ALL_STATUSES every status.
ALL_STATUSES = "alle"
SEARCH_MAX = 200
DEADLINE_LABELS = {"acknowledge": N_("Kvittere ut"), "resolve": N_("Løse saken"), "board_approval": N_("Styrets frist")}
# Translated where shown (the page's _()).
LABELS = {"type": N_("Type sak"), "status": N_("Status"), "borettslag": N_("Borettslag"), "q": N_("Søk"),
          "side": N_("Side")}


@dataclass(frozen=True)
class InboxQuery:
    """What the inbox's address asks for, checked."""

    fane: str = DEFAULT_TAB
    type: str = ""
    status: str = ""
    borettslag: str = ""
    q: str = ""
    side: int = 1

    def filters(self, email: str, at: dt.datetime) -> dict[str, Any]:
        """list_cases's filters for this tab, the user and this moment."""
        return {
            "assignee": email if self.fane == "mine" else None,
            "copied_to": email if self.fane == "kopi" else None,
            "past_due": at if self.fane == "forfalt" else None,
            "type": self.type, "status": self.status if self.status != ALL_STATUSES else "",
            "open": not self.status, "cooperative": self.borettslag, "q": self.q,
            "page": self.side, "per_page": PER_PAGE,
        }

    def link(self, **changes: Any) -> str:
        """This inbox's address with `changes`, leaving out what is at its default."""
        wanted = {key: value for key, value in asdict(replace(self, **changes)).items()
                  if value and value != InboxQuery.__dataclass_fields__[key].default}
        return request.path + ("?" + urlencode(wanted) if wanted else "")


def parse(args: MultiDict[str, str], orgnrs: set[str]) -> tuple[InboxQuery, dict[str, str]]:
    """The query and a message per field that cannot be used (the page shows them, 400)."""
    errors: dict[str, str] = {}
    tab = args.get("fane", DEFAULT_TAB)
    case_type, status = args.get("type", ""), args.get("status", "")
    cooperative, search = args.get("borettslag", "").strip(), args.get("q", "").strip()
    if tab not in TABS:
        errors["fane"] = gettext("Velg en av fanene Mine saker, Kopi til meg, Alle åpne eller Forfalt.")
    if case_type and case_type not in CASE_TYPES:
        errors["type"] = gettext("Velg en type sak fra listen.")
    if status and status not in CASE_STATUSES and status != ALL_STATUSES:
        errors["status"] = gettext("Velg en status fra listen.")
    if cooperative and cooperative not in orgnrs:
        errors["borettslag"] = gettext("Velg et borettslag fra listen.")
    if len(search) > SEARCH_MAX:
        errors["q"] = gettext("Søket kan være høyst %(max)s tegn.", max=SEARCH_MAX)
    page_text = args.get("side", "1").strip() or "1"
    page = int(page_text) if page_text.isdigit() and len(page_text) < 7 else 0
    if page < 1:
        errors["side"] = gettext("Sidenummeret må være et helt tall fra 1 og oppover.")
    query = InboxQuery(tab if tab in TABS else DEFAULT_TAB, case_type if "type" not in errors else "",
                       status if "status" not in errors else "", cooperative if "borettslag" not in errors else "",
                       search[:SEARCH_MAX], max(page, 1))
    return query, errors


@dataclass(frozen=True)
class InboxRow:
    reference: str
    cooperative: str
    type_label: str
    status: str
    status_label: str
    deadline_label: str
    due_at: dt.datetime | None  # the next open deadline, local time
    overdue: bool


def next_open_deadlines(db: Session, case_ids: list[int]) -> dict[int, Deadline]:
    """Each case's open deadline that is due first, in one query for the page."""
    found: dict[int, Deadline] = {}
    for deadline in db.scalars(select(Deadline).where(Deadline.case_id.in_(case_ids), Deadline.closed_at.is_(None))
                               .order_by(Deadline.due_at)):
        found.setdefault(deadline.case_id, deadline)
    return found


def rows(db: Session, cases: list[Case], at: dt.datetime, zone: ZoneInfo) -> list[InboxRow]:
    deadlines = next_open_deadlines(db, [case.id for case in cases])
    made = []
    for case in cases:
        deadline = deadlines.get(case.id)
        made.append(InboxRow(
            case.reference, case.cooperative.name if case.cooperative else "", CASE_TYPES.get(case.type, case.type),
            case.status, CASE_STATUSES.get(case.status, case.status),
            DEADLINE_LABELS.get(deadline.kind, deadline.kind) if deadline else "",
            deadline.due_at.astimezone(zone) if deadline else None,
            deadline is not None and deadline.due_at <= at))
    return made


def page_numbers(page: int, pages: int) -> list[int]:
    """The pages to link: the first, the last and two either side of this one; 0 is a gap."""
    shown = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    with_gaps: list[int] = []
    for number in shown:
        if with_gaps and number - with_gaps[-1] > 1:
            with_gaps.append(0)
        with_gaps.append(number)
    return with_gaps


@bp.get("")
@signed_in()
def inbox() -> ResponseReturnValue:
    user = current_user()
    assert user is not None
    if not may(user.principal, "case.read"):
        return redirect(url_for("workspace_meetings.meetings"), code=303)
    settings = current_app.config["SETTINGS"]
    at, zone = now(), ZoneInfo(settings.tz_name)
    with current_app.extensions["sessionmaker"]() as db:
        cooperatives = list(db.execute(select(Cooperative.orgnr, Cooperative.name).where(
            in_agreements(Cooperative.agreement_id, user.agreements(db))).order_by(Cooperative.name)))
        query, errors = parse(request.args, {orgnr for orgnr, _ in cooperatives})
        filters = {**query.filters(user.email, at), "agreements": user.agreements(db)}
        found, total = ([], 0) if errors else list_cases(db, filters)
        listed = rows(db, found, at, zone)
    pages = max(1, -(-total // PER_PAGE))
    page = render_template(
        "workspace/inbox.html", user=user, query=query, errors=errors, labels=LABELS, tabs=TABS,
        rows=listed, total=total, pages=pages, page_numbers=page_numbers(query.side, pages),
        case_types=CASE_TYPES, statuses=CASE_STATUSES, all_statuses=ALL_STATUSES, cooperatives=cooperatives,
        raw=request.args)
    return page, 400 if errors else 200
