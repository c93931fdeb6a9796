"""Load the demo directory (borettslag and contacts) idempotently from CSV files.

The files are read as the workspace's import reads them (shared/directory_csv.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .directory_csv import CONTACT_COLUMNS, COOPERATIVE_COLUMNS, contact_values, cooperative_values, read_table
from .models import Contact, Cooperative
from .settings import PROJECT_ROOT

SHIPPED = PROJECT_ROOT / "shared" / "data"
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


def _rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    return [row for _, row in read_table(path.read_text(encoding="utf-8-sig"), columns).rows]


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
    for row in _rows(directory / "contacts.csv", CONTACT_COLUMNS):
        new = _upsert(session, Contact, "email", contact_values(row))
        counts["contact_new" if new else "contact_old"] += 1
    for row in _rows(directory / "cooperatives.csv", COOPERATIVE_COLUMNS):
        new = _upsert(session, Cooperative, "orgnr", cooperative_values(row))
        counts["coop_new" if new else "coop_old"] += 1
    return LoadResult(
        counts["coop_new"], counts["coop_old"], counts["contact_new"], counts["contact_old"]
    )
