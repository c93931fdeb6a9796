"""Use cases on existing cases: look them up, list them, move them through the lifecycle."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shared import deadlines, lifecycle
from shared.access import may_hold_case
from shared.directory import contact_by_email
from shared.messages import CaseStatusChanged, new_event_id, record_event
from shared.models import Case, Contact


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


def get_case(session: Session, reference: str, *, for_update: bool = False) -> Case:
    query = select(Case).where(Case.reference == reference).options(
        selectinload(Case.cooperative), selectinload(Case.history)
    )
    if for_update:
        query = query.with_for_update(of=Case)
    case = session.execute(query).scalar_one_or_none()
    if case is None:
        raise CaseNotFound(reference)
    return case


def list_cases(session: Session, filters: dict[str, Any]) -> tuple[list[Case], int]:
    criteria = []
    if filters.get("type"):
        criteria.append(Case.type == filters["type"])
    if filters.get("status"):
        criteria.append(Case.status == filters["status"])
    if filters.get("overdue") is not None:
        criteria.append(Case.overdue.is_(filters["overdue"]))
    if filters.get("assignee"):
        criteria.append(Case.assignee == filters["assignee"].lower())
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
