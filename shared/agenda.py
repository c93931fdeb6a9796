"""A committee meeting's agenda: numbered items 1..n, each maybe about a case (SPEC §5).

The scheduler puts the standing items on a booked meeting; a person adds, orders and removes items
in the workspace (services/intake/agenda.py). Both number and name an item about a case here.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .meeting_texts import ADDED_ITEM_LABELS, CASE_ITEM_LABELS
from .models import AgendaItem, Case, Meeting

__all__ = ["ADDED_ITEM_LABELS", "CASE_ITEM_LABELS", "add_to_agenda", "case_item_title"]


def case_item_title(case: Case, labels: dict[str, str] = CASE_ITEM_LABELS) -> str:
    """"Framleie FR-2027-0003 – Prestvannet borettslag": the label, the reference and where (in
    bokmål, as stored; shared.meeting_texts shows it in the reader's language)."""
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
