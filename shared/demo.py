"""Load the demo directory (borettslag and contacts) idempotently from CSV files."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

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


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


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
    for row in _rows(directory / "contacts.csv"):
        new = _upsert(
            session,
            Contact,
            "email",
            {
                "email": row["email"].lower(),
                "name": row["name"],
                "party": row["party"],
                "role": row["role"],
                "organisation": row["organisation"],
                "deputy": row["deputy"].lower() or None,
                "leader": row["leader"].lower() or None,
                "committee_member": row["committee_member"].lower() == "yes",
            },
        )
        counts["contact_new" if new else "contact_old"] += 1
    for row in _rows(directory / "cooperatives.csv"):
        new = _upsert(
            session,
            Cooperative,
            "orgnr",
            {
                "orgnr": row["orgnr"],
                "name": row["name"],
                "address": row["address"],
                "postcode": row["postcode"],
                "city": row["city"],
                "homes": int(row["homes"]),
                "municipality_owned": int(row["municipality_owned"]),
                "association_contact": row["association_contact"].lower() or None,
            },
        )
        counts["coop_new" if new else "coop_old"] += 1
    return LoadResult(
        counts["coop_new"], counts["coop_old"], counts["contact_new"], counts["contact_old"]
    )
