"""What a new handbook version would change, shown before it is saved: the text's diff against the
version in force, and who would get a new case of each type (and complaint category) before and after.

The contacts come from the same role lookup the notifier routes by (shared/handbook_roles.py).
Absences are left out: the preview shows the rule, not today's deputies.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from itertools import islice

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.handbook import ROLES, Handbook, Rule
from shared.handbook_roles import agreement_of, contact_for_role, main_contact
from shared.i18n import N_
from shared.models import Contact, Cooperative, HandbookVersion
from shared.vocabulary import CASE_HOLDERS, CASE_TYPES, COMPLAINT_CATEGORIES

_HUNK = re.compile(r"@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@")
ADDED, REMOVED, SAME, HUNK = "added", "removed", "same", "hunk"


@dataclass(frozen=True)
class DiffLine:
    kind: str  # added, removed, same, or hunk (the start of a changed stretch)
    old: int | None  # the line's number before, if it was there
    new: int | None  # and after
    text: str


def source_diff(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """difflib's unified diff of the two texts, line by line with both line numbers."""
    lines: list[DiffLine] = []
    old_no = new_no = 0
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=context)
    for raw in islice(diff, 2, None):  # past the "---" and "+++" headers
        hunk = _HUNK.match(raw)
        if hunk:
            old_no, new_no = int(hunk.group(1)), int(hunk.group(2))
            lines.append(DiffLine(HUNK, old_no, new_no, ""))
        elif raw.startswith("-"):
            lines.append(DiffLine(REMOVED, old_no, None, raw[1:]))
            old_no += 1
        elif raw.startswith("+"):
            lines.append(DiffLine(ADDED, None, new_no, raw[1:]))
            new_no += 1
        else:
            lines.append(DiffLine(SAME, old_no, new_no, raw[1:]))
            old_no, new_no = old_no + 1, new_no + 1
    return lines


@dataclass(frozen=True)
class Who:
    role: str  # the selector's words, e.g. "kommunens kontaktperson for boligbyggelaget"
    name: str | None  # the contact it picks, None when nobody
    note: str = ""

    def __str__(self) -> str:
        """In the page's language (the role and the note are message ids)."""
        person = self.name or gettext("ingen kontaktperson funnet")
        role = gettext(self.role) if self.role in (*ROLES.values(), NAMED_CONTACT) else self.role
        return f"{person} ({role}){'; ' + gettext(self.note) if self.note else ''}"


@dataclass(frozen=True)
class RoutingRow:
    case_type: str
    category: str | None
    before: tuple[Who, tuple[Who, ...]]  # primary, copies
    after: tuple[Who, tuple[Who, ...]]

    @property
    def changed(self) -> bool:
        return self.before != self.after


NAMED_CONTACT = N_("navngitt kontaktperson")
NO_HOLDER = N_("ingen som kan ha saken; den går til kommunens hovedkontakt og merkes for fordeling")
DEACTIVATED = N_("deaktivert, får ingen kopi")


def role_id(selector: str) -> str:
    """The selector's words as a message id (bokmål); an unknown selector as it is."""
    return ROLES.get(selector, NAMED_CONTACT if selector.startswith("contact:") else selector)


def role_words(selector: str) -> str:
    """The selector's words in the page's language."""
    words = role_id(selector)
    return str(gettext(words)) if words in (*ROLES.values(), NAMED_CONTACT) else words


def _who(session: Session, selector: str, cooperative: Cooperative | None, agreement_id: int, *,
         primary: bool) -> Who:
    contact = contact_for_role(session, selector, cooperative, agreement_id)
    if primary and (contact is None or contact.party not in CASE_HOLDERS or not contact.active):
        fallback = main_contact(session, agreement_id)
        return Who(role_id(selector), fallback.name if fallback else None, NO_HOLDER)
    if contact is not None and not contact.active:
        return Who(role_id(selector), contact.name, DEACTIVATED)
    return Who(role_id(selector), contact.name if contact else None)


def _route(session: Session, rule: Rule, cooperative: Cooperative | None,
           agreement_id: int) -> tuple[Who, tuple[Who, ...]]:
    return (_who(session, rule.primary, cooperative, agreement_id, primary=True),
            tuple(_who(session, copy, cooperative, agreement_id, primary=False) for copy in rule.copies))


def routing_preview(session: Session, before: Handbook, after: Handbook,
                    cooperative: Cooperative | None, agreement_id: int | None = None) -> list[RoutingRow]:
    """Per case type, and per category for complaints: who a new case of this borettslag goes to, in
    the agreement whose handbook it is (default: the borettslag's)."""
    rows = []
    orgnr = cooperative.orgnr if cooperative else None
    agreement = agreement_id if agreement_id is not None else agreement_of(cooperative)
    for case_type in CASE_TYPES:
        for category in [None, *COMPLAINT_CATEGORIES] if case_type == "complaint" else [None]:
            rows.append(RoutingRow(case_type, category,
                                   _route(session, before.rule_for(case_type, category, orgnr), cooperative,
                                          agreement),
                                   _route(session, after.rule_for(case_type, category, orgnr), cooperative,
                                          agreement)))
    return rows


def cooperatives(session: Session, agreement_id: int) -> list[Cooperative]:
    """The agreement's housing companies (its handbook routes their cases)."""
    return list(session.scalars(select(Cooperative).where(Cooperative.agreement_id == agreement_id)
                                .order_by(Cooperative.name)))


def cooperative_named(session: Session, orgnr: str | None, agreement_id: int) -> Cooperative | None:
    """The agreement's borettslag the preview routes for: the one asked for, else the first by name."""
    mine = select(Cooperative).where(Cooperative.agreement_id == agreement_id)
    found = session.scalar(mine.where(Cooperative.orgnr == orgnr[:20])) if orgnr else None
    return found or session.scalar(mine.order_by(Cooperative.name).limit(1))


def versions_after(session: Session, base: int, agreement_id: int) -> list[HandbookVersion]:
    """The agreement's versions saved after `base`, oldest first: what changed under a stale preview."""
    return list(session.scalars(select(HandbookVersion).where(HandbookVersion.id > base,
                                                              HandbookVersion.agreement_id == agreement_id)
                                .order_by(HandbookVersion.id)))


def author_names(session: Session, versions: list[HandbookVersion]) -> dict[str, str]:
    """Who saved each version, by name where the author is a directory contact."""
    emails = {v.created_by for v in versions}
    rows = session.execute(select(Contact.email, Contact.name).where(Contact.email.in_(emails)))
    return dict(rows.all())


def cooperative_names(session: Session, agreement_id: int) -> dict[str, str]:
    return dict(session.execute(select(Cooperative.orgnr, Cooperative.name)
                                .where(Cooperative.agreement_id == agreement_id)).all())
