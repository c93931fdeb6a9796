"""Use cases on existing cases: look them up, list them, move them through the lifecycle."""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from shared import deadlines, lifecycle
from shared.access import copy_held, in_agreements, may_hold_case
from shared.agreement import OPEN_STATUSES
from shared.board_approval import BOARD_APPROVAL
from shared.directory import contact_by_email
from shared.messages import CaseStatusChanged, new_event_id, record_event
from shared.models import Case, Contact, Cooperative, Deadline


class CaseNotFound(LookupError):
    pass


class UnknownAssignee(LookupError):
    pass


class AssigneeNotAllowed(ValueError):
    """The contact is not one who may hold a case (a borettslag board, SPEC §7)."""

    def __init__(self, contact: Contact) -> None:
        if contact.deactivated_at is not None:
            super().__init__(f"{contact.name} er ikke lenger aktiv i katalogen og kan ikke få saker.")
        else:
            super().__init__(f"{contact.name} kan ikke få saker: bare kontaktpersoner i kommunen "
                             "eller boligbyggelaget kan ha ansvaret for en sak.")


def get_case(session: Session, reference: str, *, for_update: bool = False,
             agreements: frozenset[int] | None = None, with_history: bool = True) -> Case:
    """The case with this reference, when it is under one of `agreements` (shared.access.visible_agreements;
    None: any): another agreement's case is not found, as if it did not exist. `with_history`: its
    history loaded with it (else read when first used: the case page reads only a page of it)."""
    query = select(Case).where(Case.reference == reference, in_agreements(Case.agreement_id, agreements)).options(
        selectinload(Case.cooperative), *([selectinload(Case.history)] if with_history else [])
    )
    if for_update:
        query = query.with_for_update(of=Case)
    case = session.execute(query).scalar_one_or_none()
    if case is None:
        raise CaseNotFound(reference)
    return case


def _like(text: str) -> str:
    """A LIKE pattern that finds `text` anywhere, with its own % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# A whole case reference (KL-2026-0042): looked up by its unique index, not searched for.
WHOLE_REFERENCE = re.compile(r"[A-Za-z]{2}-\d{4}-\d{4,}")


def _search(text: str) -> ColumnElement[bool]:
    """The case's reference, its borettslag's name or its description contains the text."""
    if WHOLE_REFERENCE.fullmatch(text.strip()):
        return Case.reference == text.strip().upper()
    pattern = _like(text.strip())
    in_cooperative = select(Cooperative.id).where(Cooperative.name.ilike(pattern, escape="\\"))
    return or_(Case.reference.ilike(pattern, escape="\\"), Case.description.ilike(pattern, escape="\\"),
               Case.cooperative_id.in_(in_cooperative))


def _past_due(at: dt.datetime) -> ColumnElement[bool]:
    """Escalated (Case.overdue), or a deadline of its own still open after its time at `at`; the
    board's limit is the board's, not a contact's (shared.deadlines never escalates it either)."""
    running_late = exists().where(Deadline.case_id == Case.id, Deadline.closed_at.is_(None),
                                  Deadline.due_at <= at, Deadline.kind != BOARD_APPROVAL)
    return or_(Case.overdue.is_(True), running_late)


def list_cases(session: Session, filters: dict[str, Any]) -> tuple[list[Case], int]:
    """The API's filters (type, status, overdue, assignee) and the workspace's: open (any open
    status), cooperative (orgnr), q (search), copied_to (holds a copy, shared.access.copy_held),
    past_due (a datetime: overdue then); agreements (the caller's, shared.access.visible_agreements)."""
    criteria = [in_agreements(Case.agreement_id, filters.get("agreements"))]
    if filters.get("type"):
        criteria.append(Case.type == filters["type"])
    if filters.get("status"):
        criteria.append(Case.status == filters["status"])
    if filters.get("open"):
        criteria.append(Case.status.in_(OPEN_STATUSES))
    if filters.get("overdue") is not None:
        criteria.append(Case.overdue.is_(filters["overdue"]))
    if filters.get("past_due") is not None:
        criteria.append(_past_due(filters["past_due"]))
    if filters.get("assignee"):
        criteria.append(Case.assignee == filters["assignee"].lower())
    if filters.get("copied_to"):
        copied = filters["copied_to"].lower()  # a copy, not the case itself: the assignee is mailed the same kind
        criteria += [copy_held(Case.id, copied), Case.assignee.is_distinct_from(copied)]
    if filters.get("cooperative"):
        criteria.append(Case.cooperative_id.in_(select(Cooperative.id)
                                                .where(Cooperative.orgnr == filters["cooperative"])))
    if filters.get("q"):
        criteria.append(_search(filters["q"]))
    total = session.execute(select(func.count()).select_from(Case).where(*criteria)).scalar_one()
    page, per_page = filters["page"], filters["per_page"]
    items = session.execute(
        select(Case).where(*criteria).options(selectinload(Case.cooperative))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).scalars().all()
    return list(items), total


def change_case(
    session: Session, case: Case, action: str, *, actor: str, now: dt.datetime,
    comment: str = "", to: str | None = None,
) -> lifecycle.Transition:
    """Apply one lifecycle action and announce it; the caller commits."""
    assignee = None
    if action == "reassign":
        contact = contact_by_email(session, to)
        if contact is None:
            raise UnknownAssignee(to)
        if not may_hold_case(contact):
            raise AssigneeNotAllowed(contact)
        comment = comment or f"Overført til {contact.name}."
        assignee = contact.email
    change = lifecycle.apply(session, case, action, actor=actor, now=now, comment=comment)
    deadlines.on_transition(session, case, action, now)
    if assignee is not None:
        case.assignee = assignee
    record_event(
        session,
        CaseStatusChanged(
            event_id=new_event_id(), case_id=case.id, reference=case.reference, action=action,
            comment=comment,
        ),
    )
    return change


def remark_case(session: Session, case: Case, kind: str, *, actor: str, now: dt.datetime, text: str) -> None:
    """An internal note, or a public comment that the submitter is also mailed; the caller commits."""
    lifecycle.remark(session, case, kind, actor=actor, now=now, text=text)
    if lifecycle.REMARKS[kind][1]:
        # The notifier mails a comment as it mails a status change (action "comment").
        record_event(session, CaseStatusChanged(event_id=new_event_id(), case_id=case.id,
                                                reference=case.reference, action="comment", comment=text))
