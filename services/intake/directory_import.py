"""Import the directory from a CSV file: a dry-run plan first, then exactly that plan written.

plan() reads a file (shared/directory_csv.py, as the demo loader does) against the directory and
sorts every row: new, changed (old → new per field), unchanged, or rejected with its reasons. It
writes nothing. write() plans again inside the writing transaction and refuses (Stale) when the
plan differs from the one the user saw, so an import writes exactly what its preview showed. An
import never deletes and never reactivates a contact.

Deputy loops: a contact may not be their own deputy, and a loop of three or more (A→B→C→A) is
refused. Two contacts standing in for each other (A→B→A) is accepted with a note: the demo's two
case officers do so, and routing handles it (services/notifier/routing.present_stand_in: if both
are away, the case goes to the municipality's main contact, flagged).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.directory_csv import (
    CONTACT_COLUMNS,
    CONTACT_EXTRA,
    COOPERATIVE_COLUMNS,
    FIELD_LABELS,
    RowError,
    cell,
    contact_values,
    cooperative_values,
    read_table,
)
from shared.models import Contact, Cooperative
from shared.vocabulary import DIRECTORY_PARTIES, PARTY_ROLES

COOPERATIVES, CONTACTS = "borettslag", "kontakter"  # the kinds, as the pages' paths name them
NEW, CHANGED, UNCHANGED, REJECTED = "new", "changed", "unchanged", "rejected"
LONGEST_ACCEPTED_LOOP = 2  # A→B→A: two contacts standing in for each other


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.field]


@dataclass
class PlannedRow:
    line: int
    key: str  # the orgnr or e-mail address as the file has it
    name: str
    values: dict[str, object] | None = None  # None: the row could not be read
    status: str = NEW
    changes: list[Change] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, reason: str) -> None:
        self.status = REJECTED
        if reason not in self.reasons:
            self.reasons.append(reason)


@dataclass(frozen=True)
class Plan:
    kind: str
    rows: list[PlannedRow]
    ignored_columns: tuple[str, ...]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def writes(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.status in (NEW, CHANGED)]

    @property
    def digest(self) -> str:
        """What the plan would write and change (old → new), as one SHA-256: the preview's and the
        import's must match."""
        body = [(row.status, row.key, {k: cell(v) for k, v in (row.values or {}).items()},
                 [(c.field, c.old, c.new) for c in row.changes]) for row in self.writes]
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class Stale(Exception):
    """The directory changed since the preview: the same file would now write something else."""

    def __init__(self, plan: Plan) -> None:
        super().__init__("the directory changed since the preview")
        self.plan = plan


MODELS: dict[str, tuple[type[Cooperative] | type[Contact], str, tuple[str, ...]]] = {
    COOPERATIVES: (Cooperative, "orgnr", COOPERATIVE_COLUMNS),
    CONTACTS: (Contact, "email", CONTACT_COLUMNS),
}
# Columns a file may leave out (the export writes them): a contact's language.
OPTIONAL = {CONTACTS: CONTACT_EXTRA}


def plan(session: Session, kind: str, text: str) -> Plan:
    """What importing this file would do; writes nothing. FileError when it cannot be read."""
    _, key, columns = MODELS[kind]
    table = read_table(text, columns, OPTIONAL.get(kind, ()))
    rows = [_read_row(kind, line, cells) for line, cells in table.rows]
    for row in rows:
        if row.line in table.too_wide:  # its values may be shifted: say only that
            row.values, row.reasons = None, []
            row.reject(table.too_wide[row.line])
    existing = _records(session, kind)
    _reject_duplicates(rows, key)
    if kind == COOPERATIVES:
        _check_case_officers(rows, existing_contacts(session))
    else:
        _check_contacts(rows, existing_contacts(session))
    for row in rows:
        if row.status != REJECTED and row.values is not None:
            _compare(row, existing.get(str(row.values[key])))
    return Plan(kind, rows, table.ignored_columns)


def write(session: Session, kind: str, text: str, digest: str) -> int:
    """Write the plan the user saw (its digest), in the caller's transaction; how many rows."""
    current = plan(session, kind, text)
    if current.digest != digest:
        raise Stale(current)
    model, key, _ = MODELS[kind]
    existing = _records(session, kind)
    for row in current.writes:
        assert row.values is not None
        record = existing.get(str(row.values[key]))
        if record is None:
            session.add(model(**row.values))
        else:
            for name, value in row.values.items():
                setattr(record, name, value)
    return len(current.writes)


def _records(session: Session, kind: str) -> Mapping[str, Cooperative | Contact]:
    if kind == COOPERATIVES:
        return {record.orgnr: record for record in session.scalars(select(Cooperative))}
    return existing_contacts(session)


def existing_contacts(session: Session) -> dict[str, Contact]:
    return {contact.email: contact for contact in session.scalars(select(Contact))}


def _read_row(kind: str, line: int, cells: dict[str, str]) -> PlannedRow:
    key = cells["orgnr" if kind == COOPERATIVES else "email"]
    row = PlannedRow(line, key, cells["name"])
    try:
        row.values = cooperative_values(cells) if kind == COOPERATIVES else contact_values(cells)
    except RowError as error:
        row.reject(str(error))
    return row


def _reject_duplicates(rows: list[PlannedRow], key: str) -> None:
    lines: dict[object, list[int]] = {}
    for row in rows:
        if row.values is not None:
            lines.setdefault(row.values[key], []).append(row.line)
    for row in rows:
        if row.values is not None and len(others := lines[row.values[key]]) > 1:
            where = ", ".join(str(line) for line in others if line != row.line)
            row.reject(f"{FIELD_LABELS[key]} {row.values[key]} står også på linje {where}.")


def _check_case_officers(rows: list[PlannedRow], contacts: dict[str, Contact]) -> None:
    for row in rows:
        officer = row.values and row.values["association_contact"]
        if not officer:
            continue
        contact = contacts.get(str(officer))
        if contact is None:
            row.reject(f"Saksbehandleren {officer} finnes ikke i katalogen. Importer kontaktpersonene først.")
        elif contact.party != "association":
            row.reject(f"Saksbehandleren {officer} er ikke kontaktperson i boligbyggelaget.")


def _check_contacts(rows: list[PlannedRow], existing: dict[str, Contact]) -> None:
    for row in rows:
        if row.values is None:
            continue
        party, role = str(row.values["party"]), str(row.values["role"])
        if party not in PARTY_ROLES:
            row.reject(f"Ukjent part «{party}». Kjente parter: {', '.join(PARTY_ROLES)}.")
        elif role not in PARTY_ROLES[party]:
            row.reject(f"Ukjent rolle «{role}» for {DIRECTORY_PARTIES[party].lower()}. "
                       f"Kjente roller: {', '.join(PARTY_ROLES[party])}.")
        if row.values["deputy"] == row.values["email"]:
            row.reject("En kontaktperson kan ikke være sin egen stedfortreder.")
    # Rejecting one row can leave another pointing at nothing, or close a loop: repeat until settled.
    while _check_references(rows, existing) or _check_loops(rows, existing):
        pass


def _accepted(rows: list[PlannedRow]) -> dict[str, PlannedRow]:
    return {str(row.values["email"]): row for row in rows if row.values is not None and row.status != REJECTED}


def _check_references(rows: list[PlannedRow], existing: dict[str, Contact]) -> bool:
    """Reject rows whose deputy or leader is neither in the directory nor accepted in the file."""
    accepted, in_file = _accepted(rows), {row.key.lower(): row for row in rows}
    changed = False
    for row in accepted.values():
        for name, label in (("deputy", "Stedfortrederen"), ("leader", "Lederen")):
            email = row.values[name] if row.values else None
            if not email or email in accepted or email in existing:
                continue
            other = in_file.get(str(email))
            row.reject(f"{label} {email} er avvist på linje {other.line}." if other
                       else f"{label} {email} finnes verken i katalogen eller i filen.")
            changed = True
    return changed


def _check_loops(rows: list[PlannedRow], existing: dict[str, Contact]) -> bool:
    """Reject the file's rows on a deputy loop of three or more; note a pair standing in for each other."""
    accepted = _accepted(rows)
    deputies: dict[str, str | None] = {email: contact.deputy for email, contact in existing.items()}
    deputies.update({email: row.values["deputy"] for email, row in accepted.items()})  # type: ignore[index, misc]
    names = {email: contact.name for email, contact in existing.items()}
    names.update({email: row.name for email, row in accepted.items()})
    changed = False
    for email, row in accepted.items():
        loop = [email]
        current = deputies.get(email)
        while current and current not in loop:
            loop.append(current)
            current = deputies.get(current)
        if current != email:
            continue
        chain = " → ".join(names.get(member, member) for member in [*loop, email])
        if len(loop) > LONGEST_ACCEPTED_LOOP:
            row.reject(f"Stedfortrederne går i ring: {chain}. Velg en stedfortreder utenfor ringen.")
            changed = True
        elif (note := f"{chain}: de er stedfortredere for hverandre; er begge borte, går nye saker til "
                       "kommunens kontaktperson.") not in row.notes:
            row.notes.append(note)
    return changed


def _compare(row: PlannedRow, record: Cooperative | Contact | None) -> None:
    assert row.values is not None
    if record is None:
        row.status = NEW
        return
    row.changes = [Change(name, cell(getattr(record, name)), cell(value))
                   for name, value in row.values.items() if cell(getattr(record, name)) != cell(value)]
    row.status = CHANGED if row.changes else UNCHANGED
