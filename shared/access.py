"""Who may act on a case: one policy for e-mail action links, the staff API and the workspace.

Only contacts of the two parties to the agreement act on cases (a borettslag board never does,
SPEC §7), only while their access stands, and only while the case is with them: its assignee,
or a staff contact the handbook copied on the case, until the case is reassigned. A reassign
hands the case to the new assignee alone; copies are for the assignment they were sent with.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, SQLColumnExpression, exists, select, true
from sqlalchemy.orm import Session

from .directory import contact_by_email
from .lifecycle import RECORDED_AS
from .models import DEFAULT_AGREEMENT, Agreement, Case, CaseHistory, Contact, Notification, contact_agreement
from .vocabulary import CASE_HOLDERS

# The kind of the e-mail that hands a routed case to its primary contact and its copies
# (the notifier plans it, services/notifier/planning.py; shared/ imports no service).
CASE_NOTIFICATION = "case_notification"

# Who a caller is: a signed-in contact (a page), a token's contact or system (the API). "system" is
# an integration's token; "committee" a borettslag board's member of the committee, who sees the
# committee's meetings and nothing else (SPEC §7).
MUNICIPALITY, ASSOCIATION, SYSTEM, COMMITTEE = "municipality", "association", "system", "committee"
STAFF_PARTIES = CASE_HOLDERS  # the two parties to the agreement

# THE table: what each kind of caller may do. The API (services/intake/auth.require), the
# workspace pages (services/intake/workspace) and the e-mail links ask `may(...)` and nothing else;
# whether the caller holds the case is refusal() below, on top of "case.act".
PERMISSIONS: dict[str, frozenset[str]] = {
    "case.read": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "case.act": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "case.note": frozenset({MUNICIPALITY, ASSOCIATION}),  # internal notes are people's words
    "case.board_decision": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "acquisition.create": frozenset({MUNICIPALITY, SYSTEM}),
    "sublet.create": frozenset({MUNICIPALITY, SYSTEM}),
    "meeting_request.create": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "meeting.read": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM, COMMITTEE}),
    "meeting.manage": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "minutes.confirm": frozenset({MUNICIPALITY, ASSOCIATION}),
    "handbook.read": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "handbook.edit": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "absence.manage": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),  # own party's, see may_manage_absence
    "compliance.read": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "notification.read": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "notification.retry": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "access.manage": frozenset({MUNICIPALITY, ASSOCIATION}),  # the party's integration tokens, the audit log
    "directory.read": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),
    "directory.edit": frozenset({MUNICIPALITY, ASSOCIATION, SYSTEM}),  # deactivating: own party's only
    "personal_data.manage": frozenset({MUNICIPALITY, ASSOCIATION}),  # export and erase; roles below
}

# The permissions a party holds only through some of its contacts' roles (the directory's role), on top
# of PERMISSIONS: a person's data is exported or erased by the municipality's main contact or a leader
# (SPEC §9), not by every case officer.
ROLE_LIMITS: dict[str, frozenset[tuple[str, str]]] = {
    "personal_data.manage": frozenset({(MUNICIPALITY, "main_contact"), (MUNICIPALITY, "leader"),
                                       (ASSOCIATION, "leader")}),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: a signed-in contact, or an API token's contact or system."""

    name: str
    party: str  # municipality, association, system, committee (or cooperative: no access)
    contact_email: str | None
    token_id: int | None = None  # the API token, when the call came with one
    role: str | None = None  # the contact's role in the directory; None for a system or a token
    agreement_id: int | None = None  # a token for one agreement; None: every agreement it may see

    @property
    def actor(self) -> str:
        return self.contact_email or f"system:{self.name}"


def caller_kind(party: str, committee_member: bool) -> str:
    """The PERMISSIONS key of a contact: a borettslag board's committee member is "committee"."""
    return COMMITTEE if party == "cooperative" and committee_member else party


def may(principal: Principal | None, permission: str) -> bool:
    """May this caller do this kind of thing at all (before any case's holder check)."""
    if permission not in PERMISSIONS:
        raise KeyError(f"no permission {permission!r} in shared.access.PERMISSIONS")
    if principal is None or principal.party not in PERMISSIONS[permission]:
        return False
    limit = ROLE_LIMITS.get(permission)
    return limit is None or (principal.party, principal.role or "") in limit


def visible_agreements(session: Session, principal: Principal) -> frozenset[int] | None:
    """The agreements this caller may see (SPEC §8: staff see only the agreements their party is in);
    None: every agreement. A contact (signed in, or a token's) sees its contact_agreement rows; a token
    for one agreement only that one (and only while its contact is in it); a system token all of them,
    or its own agreement when it names one. Everything else of another agreement answers 404."""
    if principal.contact_email is None:
        return None if principal.agreement_id is None else frozenset({principal.agreement_id})
    mine = frozenset(session.execute(
        select(contact_agreement.c.agreement_id).join(Contact, Contact.id == contact_agreement.c.contact_id)
        .where(Contact.email == principal.contact_email)).scalars())
    return mine if principal.agreement_id is None else mine & {principal.agreement_id}


def agreements_of(session: Session, principal: Principal) -> list[tuple[int, str]]:
    """The agreements this caller may see, as (id, name) in id order, for a choice on a page."""
    return [(row.id, row.name) for row in session.execute(
        select(Agreement.id, Agreement.name).where(in_agreements(Agreement.id, visible_agreements(session, principal)))
        .order_by(Agreement.id))]


def in_agreements(column: SQLColumnExpression[int], agreements: frozenset[int] | None) -> ColumnElement[bool]:
    """A SQL condition: the row's agreement is one of `agreements` (None: any)."""
    return true() if agreements is None else column.in_(agreements)


class AgreementNotVisible(Exception):
    """The caller named an agreement they are not in (or one that does not exist)."""


class AgreementAmbiguous(Exception):
    """The caller is in several agreements and named none."""

    def __init__(self, choices: list[int]) -> None:
        self.choices = choices
        super().__init__(f"one of {choices}")


def chosen_agreement(session: Session, principal: Principal, requested: int | None) -> int:
    """The agreement a caller acts in: the one they name, which must be visible to them, else their
    only one (a system token: the installation's only one, or agreement 1 before any exists)."""
    visible = visible_agreements(session, principal)
    candidates = visible if visible is not None else frozenset(session.scalars(select(Agreement.id)))
    if requested is not None:
        if requested not in candidates and not (visible is None and not candidates
                                                and requested == DEFAULT_AGREEMENT):
            raise AgreementNotVisible(requested)
        return requested
    if visible is None and not candidates:
        return DEFAULT_AGREEMENT
    if len(candidates) == 1:
        return next(iter(candidates))
    if not candidates:
        raise AgreementNotVisible(None)
    raise AgreementAmbiguous(sorted(candidates))


def may_sign_in(contact: Contact | None) -> bool:
    """Contacts of the two parties, and the committee's members from the borettslag boards."""
    return (contact is not None and contact.deactivated_at is None
            and (contact.party in STAFF_PARTIES or caller_kind(contact.party, contact.committee_member) == COMMITTEE))


def principal_of(contact: Contact) -> Principal:
    return Principal(contact.name, caller_kind(contact.party, contact.committee_member), contact.email,
                     role=contact.role)


# Why a contact may not act; the pages and the API map each to their own answer.
NOT_STAFF = "not_staff"  # not a contact of the municipality or the association
REVOKED = "revoked"  # not in the directory any more, or deactivated
NOT_HOLDER = "not_holder"  # the case is with someone else


def refusal(contact: Contact | None, case: Case, *, copied: bool = False) -> str | None:
    """Why `contact` may not act on `case` now, or None when they may.

    `copied`: the contact holds a copy of the case's current assignment (see holds_copy).
    """
    if contact is None or contact.deactivated_at is not None:
        return REVOKED
    if not may(principal_of(contact), "case.act"):  # the same table as the API and the pages
        return NOT_STAFF
    if contact.email != case.assignee and not copied:
        return NOT_HOLDER
    return None


def may_hold_case(contact: Contact | None) -> bool:
    """May this contact be a case's assignee and get its action links (routing, reassign)."""
    return contact is not None and contact.deactivated_at is None and contact.party in CASE_HOLDERS


def may_act(contact: Contact | None, case: Case, *, copied: bool = False) -> bool:
    return refusal(contact, case, copied=copied) is None


def copy_held(case_id: SQLColumnExpression[int] | int, email: str) -> ColumnElement[bool]:
    """The handbook copied `email` on the case, and the case has not been reassigned since: a SQL
    condition, so a list of cases (the workspace's "Kopi til meg") asks it in the same query."""
    copied = exists().where(Notification.case_id == case_id, Notification.recipient == email,
                            Notification.kind == CASE_NOTIFICATION)
    reassigned = exists().where(CaseHistory.case_id == case_id, CaseHistory.action == RECORDED_AS["reassign"])
    return copied & ~reassigned


def holds_copy(session: Session, case: Case, email: str) -> bool:
    """The handbook copied `email` on the case, and the case has not been reassigned since."""
    return bool(session.execute(select(copy_held(case.id, email))).scalar())


def contact_refusal(session: Session, email: str, case: Case) -> str | None:
    """refusal() for the directory contact with this address, read from the database."""
    contact = contact_by_email(session, email)
    copied = contact is not None and holds_copy(session, case, contact.email)
    return refusal(contact, case, copied=copied)
