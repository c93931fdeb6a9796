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

Agreements (SPEC §8): an import writes only within the user's agreements. A company's `agreement`
and a contact's `agreements` must be theirs; a row without them keeps what the directory has, and
a new one takes the user's agreement (a user in several must name it). A company or contact
outside the user's agreements is refused, and a case officer must work in the company's agreement.
A contact's agreements outside the user's are kept as they are, and never shown.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.directory_csv import (
    CONTACT_COLUMNS,
    CONTACT_EXTRA,
    COOPERATIVE_COLUMNS,
    COOPERATIVE_OPTIONAL,
    FIELD_LABELS,
    RowError,
    agreement_cell,
    agreement_numbers,
    cell,
    contact_values,
    cooperative_values,
    read_table,
)
from shared.i18n import N_
from shared.models import DEFAULT_AGREEMENT, Agreement, Contact, Cooperative
from shared.vocabulary import DIRECTORY_PARTIES, PARTY_ROLES

COOPERATIVES, CONTACTS = "borettslag", "kontakter"  # the kinds, as the pages' paths name them
NEW, CHANGED, UNCHANGED, REJECTED = "new", "changed", "unchanged", "rejected"
LONGEST_ACCEPTED_LOOP = 2  # A→B→A: two contacts standing in for each other
# Why a row's deputy or leader is refused (message ids; the import speaks the user's language).
REJECTED_REFERENCE = {"deputy": N_("Stedfortrederen %(email)s er avvist på linje %(line)s."),
                      "leader": N_("Lederen %(email)s er avvist på linje %(line)s.")}
UNKNOWN_REFERENCE = {"deputy": N_("Stedfortrederen %(email)s finnes verken i katalogen eller i filen."),
                     "leader": N_("Lederen %(email)s finnes verken i katalogen eller i filen.")}


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
# Columns a file may leave out (the export writes them): a company's agreement and housing type, a
# contact's agreements and language.
OPTIONAL = {COOPERATIVES: COOPERATIVE_OPTIONAL, CONTACTS: CONTACT_EXTRA}
AGREEMENTS = "agreements"  # a contact's value: their agreement numbers, "1 2"


def plan(session: Session, kind: str, text: str, agreements: frozenset[int] | None = None) -> Plan:
    """What importing this file would do within `agreements` (the user's; None: every agreement);
    writes nothing. FileError when it cannot be read."""
    _, key, columns = MODELS[kind]
    mine = agreements if agreements is not None else frozenset(session.scalars(select(Agreement.id)))
    table = read_table(text, columns, OPTIONAL.get(kind, ()))
    rows = [_read_row(kind, line, cells) for line, cells in table.rows]
    for row in rows:
        if row.line in table.too_wide:  # its values may be shifted: say only that
            row.values, row.reasons = None, []
            row.reject(table.too_wide[row.line].in_language(gettext))
    existing = _records(session, kind)
    _reject_duplicates(rows, key)
    if kind == COOPERATIVES:
        _check_cooperative_agreements(rows, existing, mine)
        _check_case_officers(rows, existing_contacts(session), existing)
    else:
        _check_contact_agreements(rows, existing, mine)
        _check_contacts(rows, existing_contacts(session))
    for row in rows:
        if row.status != REJECTED and row.values is not None:
            _compare(row, existing.get(str(row.values[key])), mine)
    return Plan(kind, rows, table.ignored_columns)


def write(session: Session, kind: str, text: str, digest: str, agreements: frozenset[int] | None = None) -> int:
    """Write the plan the user saw (its digest), in the caller's transaction; how many rows."""
    current = plan(session, kind, text, agreements)
    if current.digest != digest:
        raise Stale(current)
    model, key, _ = MODELS[kind]
    existing = _records(session, kind)
    for row in current.writes:
        assert row.values is not None
        values = dict(row.values)
        named = _numbers(values.pop(AGREEMENTS, None))
        record = existing.get(str(values[key]))
        if record is None:
            record = model(**values)
            session.add(record)
        else:
            for name, value in values.items():
                setattr(record, name, value)
        if isinstance(record, Contact) and named is not None:
            kept = [a for a in record.agreements if agreements is not None and a.id not in agreements]
            record.agreements = sorted([*kept, *(session.get_one(Agreement, n) for n in named)], key=lambda a: a.id)
    return len(current.writes)


def _numbers(value: object) -> list[int] | None:
    return None if value is None else [int(n) for n in str(value).split()]


def _not_mine(number: int) -> str:
    return str(gettext("Avtale %(number)s er ikke en av avtalene dine.", number=number))


def _check_cooperative_agreements(rows: list[PlannedRow], existing: Mapping[str, Cooperative | Contact],
                                  mine: frozenset[int]) -> None:
    """A company stays within the user's agreements; a new one without `agreement` takes their only one."""
    for row in rows:
        if row.values is None or row.status == REJECTED:
            continue
        record = existing.get(str(row.values["orgnr"]))
        named = row.values.get("agreement_id")
        if isinstance(record, Cooperative) and record.agreement_id not in mine:
            row.reject(gettext("Borettslaget hører til en avtale du ikke er med i."))
        elif named is not None and named not in mine:
            row.reject(_not_mine(int(str(named))))
        elif named is None and record is None:
            if len(mine) == 1:
                row.values["agreement_id"] = next(iter(mine))
            else:
                row.reject(gettext("Skriv avtalen borettslaget hører til i kolonnen agreement: du er med i "
                                   "flere avtaler."))


def _check_contact_agreements(rows: list[PlannedRow], existing: Mapping[str, Cooperative | Contact],
                              mine: frozenset[int]) -> None:
    """A contact stays within the user's agreements; a new one without `agreements` takes their only one."""
    for row in rows:
        if row.values is None or row.status == REJECTED:
            continue
        record = existing.get(str(row.values["email"]))
        theirs = {a.id for a in record.agreements} if isinstance(record, Contact) else set()
        named = _numbers(row.values.get(AGREEMENTS)) or []
        if theirs and not theirs & mine:
            row.reject(gettext("Kontaktpersonen er ikke med i noen av avtalene dine."))
        elif outside := [n for n in named if n not in mine]:
            row.reject(_not_mine(outside[0]))
        elif not named and record is None:
            if len(mine) == 1:
                row.values[AGREEMENTS] = str(next(iter(mine)))
            else:
                row.reject(gettext("Skriv avtalene kontaktpersonen er med i, i kolonnen agreements: du er med i "
                                   "flere avtaler."))


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
        if kind == CONTACTS and (numbers := agreement_numbers(cells)):
            row.values[AGREEMENTS] = " ".join(str(n) for n in sorted(set(numbers)))
    except RowError as error:
        row.reject(error.in_language(gettext))
    return row


def _reject_duplicates(rows: list[PlannedRow], key: str) -> None:
    lines: dict[object, list[int]] = {}
    for row in rows:
        if row.values is not None:
            lines.setdefault(row.values[key], []).append(row.line)
    for row in rows:
        if row.values is not None and len(others := lines[row.values[key]]) > 1:
            where = ", ".join(str(line) for line in others if line != row.line)
            row.reject(gettext("%(field)s %(value)s står også på linje %(lines)s.", field=gettext(FIELD_LABELS[key]),
                               value=row.values[key], lines=where))


def _check_case_officers(rows: list[PlannedRow], contacts: dict[str, Contact],
                         existing: Mapping[str, Cooperative | Contact]) -> None:
    for row in rows:
        officer = row.values and row.values["association_contact"]
        if not officer or row.values is None:
            continue
        contact = contacts.get(str(officer))
        record = existing.get(str(row.values["orgnr"]))
        agreement = row.values.get("agreement_id") or (
            record.agreement_id if isinstance(record, Cooperative) else DEFAULT_AGREEMENT)
        if contact is None:
            row.reject(gettext("Saksbehandleren %(email)s finnes ikke i katalogen. Importer kontaktpersonene "
                               "først.", email=officer))
        elif contact.party != "association":
            row.reject(gettext("Saksbehandleren %(email)s er ikke kontaktperson i boligbyggelaget.", email=officer))
        elif agreement not in {a.id for a in contact.agreements}:
            row.reject(gettext("Saksbehandleren %(email)s er ikke med i avtale %(number)s.", email=officer,
                               number=agreement))


def _check_contacts(rows: list[PlannedRow], existing: dict[str, Contact]) -> None:
    for row in rows:
        if row.values is None:
            continue
        party, role = str(row.values["party"]), str(row.values["role"])
        if party not in PARTY_ROLES:
            row.reject(gettext("Ukjent part «%(party)s». Kjente parter: %(known)s.", party=party,
                               known=", ".join(PARTY_ROLES)))
        elif role not in PARTY_ROLES[party]:
            row.reject(gettext("Ukjent rolle «%(role)s» for %(party)s. Kjente roller: %(known)s.", role=role,
                               party=gettext(DIRECTORY_PARTIES[party]).lower(), known=", ".join(PARTY_ROLES[party])))
        if row.values["deputy"] == row.values["email"]:
            row.reject(gettext("En kontaktperson kan ikke være sin egen stedfortreder."))
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
        for name in ("deputy", "leader"):
            email = row.values[name] if row.values else None
            if not email or email in accepted or email in existing:
                continue
            other = in_file.get(str(email))
            row.reject(gettext(REJECTED_REFERENCE[name], email=email, line=other.line) if other
                       else gettext(UNKNOWN_REFERENCE[name], email=email))
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
            row.reject(gettext("Stedfortrederne går i ring: %(chain)s. Velg en stedfortreder utenfor ringen.",
                               chain=chain))
            changed = True
        elif (note := gettext("%(chain)s: de er stedfortredere for hverandre; er begge borte, går nye saker til "
                              "kommunens kontaktperson.", chain=chain)) not in row.notes:
            row.notes.append(note)
    return changed


def _compare(row: PlannedRow, record: Cooperative | Contact | None, mine: frozenset[int]) -> None:
    assert row.values is not None
    if record is None:
        row.status = NEW
        return

    def old(name: str) -> str:
        if name == AGREEMENTS and isinstance(record, Contact):
            return agreement_cell(record, mine)  # the user's agreements only; the others are kept
        return cell(getattr(record, name))

    row.changes = [Change(name, old(name), cell(value))
                   for name, value in row.values.items() if old(name) != cell(value)]
    row.status = CHANGED if row.changes else UNCHANGED
