"""Who is who, for the notifier: contacts looked up by e-mail, by role and by the handbook's selectors.

The role lookups themselves are shared (shared/handbook_roles.py): the workspace's handbook preview
shows who a rule would route to by the same code.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared import handbook_roles
from shared.directory import contact_by_email
from shared.handbook_roles import contact_by_role, in_agreement, main_contact
from shared.models import DEFAULT_AGREEMENT, Case, Contact

__all__ = ["ROLE_LOOKUPS", "board", "case_officer", "contact_for_role", "leader_of", "leaders", "main_contact"]


def case_officer(session: Session, case: Case) -> Contact | None:
    return handbook_roles.case_officer(session, case.cooperative)


def board(session: Session, case: Case) -> Contact | None:
    return handbook_roles.board(session, case.cooperative)


def _for_case(lookup: Callable[..., Contact | None]) -> Callable[[Session, Case], Contact | None]:
    return lambda session, case: lookup(session, case.cooperative, case.agreement_id)


# Every role selector the handbook knows (shared.handbook.ROLES), looked up for one case.
ROLE_LOOKUPS: dict[str, Callable[[Session, Case], Contact | None]] = {
    role: _for_case(lookup) for role, lookup in handbook_roles.ROLE_LOOKUPS.items()
}


def contact_for_role(session: Session, selector: str, case: Case) -> Contact | None:
    return handbook_roles.contact_for_role(session, selector, case.cooperative, case.agreement_id)


def leader_of(session: Session, contact: Contact | None,
              agreement_id: int = DEFAULT_AGREEMENT) -> Contact | None:
    """The contact's leader; the agreement's municipality leader when the contact has none on record."""
    leader = contact_by_email(session, contact.leader) if contact is not None else None
    return leader or contact_by_role(session, "municipality", "leader", agreement_id)


def leaders(session: Session, agreement_id: int = DEFAULT_AGREEMENT) -> list[Contact]:
    """Both parties' leaders in the agreement, the municipality's first."""
    return list(session.execute(
        select(Contact).where(Contact.role == "leader", Contact.party.in_(["municipality", "association"]),
                              in_agreement(agreement_id))
        .order_by(Contact.party)
    ).scalars())
