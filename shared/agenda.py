"""A committee meeting's agenda: numbered items 1..n, each maybe about a case (SPEC §5).

The scheduler puts the standing items on a booked meeting; a person adds, orders and removes items
in the workspace (services/intake/agenda.py). Both number and name an item about a case here.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import AgendaItem, Case, Meeting

# How an item about a case of each type starts, before its reference and borettslag.
CASE_ITEM_LABELS = {"acquisition": "Varsel om erverv", "sublet": "Framleie", "complaint": "Forsinket klage"}
# An item a person adds: a complaint on it is not necessarily late, so it is named plainly.
ADDED_ITEM_LABELS = {"acquisition": "Varsel om erverv", "sublet": "Framleie", "complaint": "Klage",
                     "meeting_request": "Ønske om møte"}


def case_item_title(case: Case, labels: dict[str, str] = CASE_ITEM_LABELS) -> str:
    """"Framleie FR-2027-0003 – Prestvannet borettslag": the label, the reference and where."""
    where = f" – {case.cooperative.name}" if case.cooperative else ""
    return f"{labels.get(case.type, case.type)} {case.reference}{where}"


def add_to_agenda(session: Session, meeting: Meeting, title: str, source: str,
                  case_id: int | None = None) -> AgendaItem | None:
    """Add the item last; None (nothing added) when the same case's item with this title is there."""
    if case_id is not None and session.execute(
        select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id, AgendaItem.case_id == case_id,
                                    AgendaItem.title == title)
    ).first():
        return None
    position = session.execute(
        select(func.coalesce(func.max(AgendaItem.position), 0)).where(AgendaItem.meeting_id == meeting.id)
    ).scalar_one() + 1
    item = AgendaItem(meeting_id=meeting.id, position=position, title=title[:300], source=source, case_id=case_id)
    session.add(item)
    session.flush()
    return item
