"""Load the demo directory (agreements, housing companies and contacts) idempotently from CSV files.

The files are read as the workspace's import reads them (shared/directory_csv.py). A folder without
agreements.csv (../shared/demo) is one agreement, number 1, named from its contacts' organisations;
a contact or company that names no agreement belongs to agreement 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .directory_csv import (
    AGREEMENT_COLUMNS,
    CONTACT_COLUMNS,
    CONTACT_OPTIONAL,
    COOPERATIVE_COLUMNS,
    COOPERATIVE_OPTIONAL,
    agreement_numbers,
    contact_values,
    cooperative_values,
    read_table,
)
from .models import DEFAULT_AGREEMENT, Agreement, Contact, Cooperative
from .settings import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "shared" / "data"
# The second association in Tromsø and BoNord's second municipality (SPEC §8), loaded after the
# directory above by `make run`, and by the tests that need more than one agreement.
MORE_AGREEMENTS = SHIPPED / "agreements"
HANDBOOK_DEMO = PROJECT_ROOT.parent / "shared" / "demo"


@dataclass(frozen=True)
class LoadResult:
    cooperatives_added: int
    cooperatives_updated: int
    contacts_added: int
    contacts_updated: int


def demo_directory() -> Path:
    """../shared/demo when it is there (the handbook folder), else the copy shipped here."""
    if (HANDBOOK_DEMO / "cooperatives.csv").is_file():
        return HANDBOOK_DEMO
    return SHIPPED


def _rows(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[dict[str, str]]:
    return [row for _, row in read_table(path.read_text(encoding="utf-8-sig"), columns, optional).rows]


def _organisation(rows: list[dict[str, str]], party: str, fallback: str) -> str:
    named = [row["organisation"] for row in rows if row["party"] == party and row["organisation"]]
    return named[0] if named else fallback


def _agreements(session: Session, directory: Path, contacts: list[dict[str, str]]) -> None:
    """The folder's agreements; agreement 1 named from the contacts when the folder has none."""
    path = directory / "agreements.csv"
    if path.is_file():
        rows = [{**row, "id": int(row["id"])} for row in _rows(path, AGREEMENT_COLUMNS)]
    elif session.get(Agreement, DEFAULT_AGREEMENT) is not None:
        return
    else:
        municipality = _organisation(contacts, "municipality", "Kommunen")
        association = _organisation(contacts, "association", "Boligbyggelaget")
        rows = [{"id": DEFAULT_AGREEMENT, "name": f"{municipality} og {association}",
                 "municipality": municipality, "association": association}]
    for row in rows:
        _upsert(session, Agreement, "id", row)
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # Written with their numbers: the sequence must catch up, or the next agreement added
        # without one would be given one of these (migrations/versions/0018).
        session.execute(text("SELECT setval(pg_get_serial_sequence('agreement', 'id'), "
                             "GREATEST((SELECT max(id) FROM agreement), 1))"))


def _upsert(session: Session, model: type, key: str, values: dict[str, object]) -> bool:
    """Insert or update by natural key; True when the row is new."""
    existing = session.execute(
        select(model).where(getattr(model, key) == values[key])
    ).scalar_one_or_none()
    if existing is None:
        session.add(model(**values))
        return True
    for name, value in values.items():
        setattr(existing, name, value)
    return False


def load_demo(session: Session, directory: Path | None = None) -> LoadResult:
    directory = directory or demo_directory()
    counts = {"coop_new": 0, "coop_old": 0, "contact_new": 0, "contact_old": 0}
    contacts = _rows(directory / "contacts.csv", CONTACT_COLUMNS, CONTACT_OPTIONAL)
    _agreements(session, directory, contacts)
    for row in contacts:
        new = _upsert(session, Contact, "email", contact_values(row))
        counts["contact_new" if new else "contact_old"] += 1
        _link(session, str(contact_values(row)["email"]), agreement_numbers(row) or [DEFAULT_AGREEMENT])
    for row in _rows(directory / "cooperatives.csv", COOPERATIVE_COLUMNS, COOPERATIVE_OPTIONAL):
        new = _upsert(session, Cooperative, "orgnr", cooperative_values(row))
        counts["coop_new" if new else "coop_old"] += 1
    return LoadResult(
        counts["coop_new"], counts["coop_old"], counts["contact_new"], counts["contact_old"]
    )


def _link(session: Session, email: str, numbers: list[int]) -> None:
    """The contact works in these agreements (and any it was in already)."""
    session.flush()
    contact = session.execute(select(Contact).where(Contact.email == email)).scalar_one()
    for number in numbers:
        agreement = session.get_one(Agreement, number)
        if agreement not in contact.agreements:
            contact.agreements.append(agreement)
