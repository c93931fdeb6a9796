"""Route a new case to the contacts the routine handbook names (shared/handbook.py).

The case's type, complaint category and borettslag pick a rule; its role selectors are looked up
in the contacts directory. A contact who is absent on the routing date (Europe/Oslo) is replaced by
the deputy, or the deputy's deputy; a chain that runs out or loops gives up. No primary contact
found → the municipality's main contact, and the case is flagged unrouted. The case keeps the
handbook version that routed it, so a new version changes the routing of new cases only. A missed
deadline goes where that version's rule escalates to (escalation_target).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, joinedload

from shared import lifecycle
from shared.access import CASE_NOTIFICATION, may_hold_case
from shared.calendar import local_today
from shared.directory import contact_by_email
from shared.handbook import LEADER, Rule
from shared.handbook_versions import current_handbook, rule_for_case
from shared.models import Absence, Case, Contact, HandbookVersion, utcnow
from shared.vocabulary import CASE_HOLDERS

from .directory import contact_for_role, leader_of, main_contact
from .planning import RECEIPT, SUMMARY_COPY, Claimed, Planned, choose_template, queue_notifications

ACTOR = "samhandling"
# Which of the handbook's kinds of mail each recipient of a new case gets.
MAILS = {CASE_NOTIFICATION: "notification", RECEIPT: "receipt", SUMMARY_COPY: "summary"}


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    kind: str


@dataclass
class RoutingPlan:
    primary: Contact | None
    copies: list[Contact]
    unrouted: bool
    notes: list[tuple[str, str]] = field(default_factory=list)  # (history action, comment), staff only


class CaseNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Routed:
    """A case routed now, by the rule of the handbook version it records."""

    case: Case
    version: int
    rule: Rule


# Absent on the day bound as "day": for who is away (escalation) and routing's one read.
_ABSENT_ON_DAY = (Absence.starts_on <= bindparam("day")) & (Absence.ends_on >= bindparam("day"))
_AWAY = select(Absence.contact_email).where(_ABSENT_ON_DAY)


def away_on(session: Session, day: dt.date) -> frozenset[str]:
    """Who is away on `day` (their e-mail addresses): asked once, however long the chains."""
    return frozenset(session.scalars(_AWAY, {"day": day}))


def present_stand_in(
    session: Session, contact: Contact, away: frozenset[str]
) -> tuple[Contact | None, list[Contact]]:
    """The contact or the first present deputy down the chain, and who was absent on the way.

    A deactivated contact counts as absent for good. None when the chain ends or comes back on
    itself (A's deputy is B, B's is A).
    """
    absent: list[Contact] = []
    current: Contact | None = contact
    while current is not None and (current.deactivated_at is not None or current.email in away):
        absent.append(current)
        current = contact_by_email(session, current.deputy)
        if current is not None and current in absent:
            current = None
    return current, absent


def _names(contacts: list[Contact]) -> str:
    names = [c.name for c in contacts]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


def _handover(
    session: Session, contact: Contact, away: frozenset[str], notes: list[tuple[str, str]]
) -> Contact | None:
    """Who stands in for `contact`, noting any handover for the case history."""
    present, absent = present_stand_in(session, contact, away)
    if absent:
        outcome = (f"sendt til stedfortreder {present.name}" if present
                   else "ingen stedfortreder er til stede")
        notes.append(("handed_over", f"{_names(absent)} er fraværende; {outcome}."))
    return present


def plan_routing(session: Session, case: Case, rule: Rule, away: frozenset[str]) -> RoutingPlan:
    """Who gets the case: the rule's roles, with contacts who are `away` (e-mail addresses, on
    the routing day) replaced by deputies."""
    notes: list[tuple[str, str]] = []
    named = contact_for_role(session, rule.primary, case)
    if named is not None and named.party not in CASE_HOLDERS:
        named = None  # a board named by an older handbook version, or a directory change since
    primary = _handover(session, named, away, notes) if named else None
    if not may_hold_case(primary):
        primary = None
    unrouted = primary is None
    if unrouted:
        fallback = main_contact(session, case.agreement_id)
        if fallback is not None and fallback != named:
            primary = _handover(session, fallback, away, notes)
        if primary is None and may_hold_case(fallback):
            primary = fallback  # an absent main contact still gets it rather than nobody
        who = (f"kommunens hovedkontakt {primary.name}" if primary
               else "ingen (kommunen har ingen hovedkontakt)")
        notes.append(("unrouted", f"Fant ingen tilgjengelig kontaktperson for rollen {rule.primary}; "
                                  f"saken er sendt til {who} og merket for fordeling."))
    copies = []
    for selector in rule.copies:
        contact = contact_for_role(session, selector, case)
        if contact is not None:
            # An absent copy with nobody to stand in still gets the copy, to read on return;
            # a deactivated one does not.
            stand_in = _handover(session, contact, away, notes)
            if stand_in is None and contact.deactivated_at is None:
                stand_in = contact
            if stand_in is not None:
                copies.append(stand_in)
    return RoutingPlan(primary, copies, unrouted, notes)


def recipients_for(plan: RoutingPlan, case: Case) -> list[Recipient]:
    """Primary first, then copies, each once, then the submitter's receipt.

    Only a contact who may hold the case gets the case itself; anyone else gets a summary copy.
    """
    found: list[Recipient] = []
    for contact in [plan.primary, *plan.copies]:
        if contact is not None and all(r.email != contact.email for r in found):
            kind = CASE_NOTIFICATION if may_hold_case(contact) else SUMMARY_COPY
            found.append(Recipient(contact.email, contact.name, kind))
    if case.submitter_email:
        found.append(Recipient(case.submitter_email, case.submitter_name or "", RECEIPT))
    return found


def _routing_comment(recipients: list[Recipient], assignee: str | None) -> str:
    if assignee is None:
        return "Ingen kontaktperson funnet; saken er sendt til kommunens hovedkontakt for fordeling."

    def role(recipient: Recipient) -> str:
        if recipient.email == assignee:
            return "ansvarlig"
        return "kopi" if recipient.kind == CASE_NOTIFICATION else "sammendrag"

    ordered = sorted(recipients, key=lambda r: r.email != assignee)
    return "Sendt til " + ", ".join(f"{r.name} ({role(r)})" for r in ordered)


# The case, locked, with its borettslag (the rule and the role lookups need it), its agreement's
# newest handbook version and who is away on the routing day: what routing reads before the role
# lookups, in one statement, built once.
_NEWEST_VERSION = (select(func.max(HandbookVersion.id)).where(HandbookVersion.agreement_id == Case.agreement_id)
                   .scalar_subquery())
_AWAY_LIST = (select(func.aggregate_strings(Absence.contact_email, "\n"))
              .where(_ABSENT_ON_DAY).scalar_subquery())
_CASE_TO_ROUTE = (select(Case, _NEWEST_VERSION, _AWAY_LIST).options(joinedload(Case.cooperative))
                  .where(Case.id == bindparam("case_id")).with_for_update(of=Case))


def route_case(
    session: Session, case_id: int, event_id: str, *, now: dt.datetime, mail_domain: str,
    handbook_path: str = "", tz_name: str = "Europe/Oslo", claimed: Claimed | None = None,
) -> Routed | None:
    """Move a received case to routed and queue its notifications; a second call does nothing.

    The case and the rule that routed it when this call routed it, None when it had been routed
    already. With `claimed`, the notifications are planned already claimed (planning.Claimed).
    """
    day = local_today(tz_name, now)
    found = session.execute(_CASE_TO_ROUTE, {"case_id": case_id, "day": day}).unique().one_or_none()
    if found is None:
        raise CaseNotFound(case_id)
    case, newest_id, away_list = found
    if case.status != "received":
        return None
    version, handbook = current_handbook(session, handbook_path or None, now=now, agreement_id=case.agreement_id,
                                         newest_id=newest_id)
    orgnr = case.cooperative.orgnr if case.cooperative else None
    rule = handbook.rule_for(case.type, case.category, orgnr)
    plan = plan_routing(session, case, rule, frozenset(away_list.split("\n") if away_list else ()))
    recipients = recipients_for(plan, case)
    holders = [r for r in recipients if r.kind == CASE_NOTIFICATION]
    assignee = holders[0].email if holders else None
    comment = _routing_comment([r for r in recipients if r.kind != RECEIPT], assignee)
    # Who was away is an internal note: for staff, not for the submitter's page.
    lifecycle.apply_written(session, case, "route", actor=ACTOR, now=now, comment=comment, notes=plan.notes,
                            also={"handbook_version": version, "assignee": assignee, "unrouted": plan.unrouted})
    queue_notifications(session, event_id, case, [
        Planned(r.email, r.name, r.kind, choose_template(MAILS[r.kind], case.type, rule)) for r in recipients
    ], mail_domain, claimed)
    return Routed(case, version, rule)


def escalation_target(session: Session, case: Case, tz_name: str) -> Contact | None:
    """`escalate_to: leader` is the assignee's leader (the municipality's leader when they have
    none); a role or contact:<e-mail> is that contact, or the deputy standing in for them. One
    who cannot be found or reached falls back to the leader, so an escalation is never lost."""
    assignee = contact_by_email(session, case.assignee)
    rule = rule_for_case(session, case)
    named = (contact_for_role(session, rule.escalate_to, case)
             if rule is not None and rule.escalate_to != LEADER else None)
    away = away_on(session, local_today(tz_name, utcnow())) if named else frozenset()
    present = present_stand_in(session, named, away)[0] if named else None
    return present or leader_of(session, assignee, case.agreement_id)
