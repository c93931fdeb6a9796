"""Database models: plain SQLAlchemy 2.0, shared by every service.

One module per area, each importing only `base` (and cases its borettslag); importing this
package puts every table in Base.metadata.
"""
from __future__ import annotations

from .access import ActionLinkUse, ApiToken, AuditEvent, IdempotencyRecord, SignInLink, StaffSession
from .base import Base, UTCDateTime, table_of, utcnow
from .cases import Case, CaseHistory, Deadline, HandbookVersion, ReferenceCounter
from .delivery import Notification, OutboxEvent, ProcessedEvent
from .directory import (
    BORETTSLAG,
    DEFAULT_AGREEMENT,
    PERCENT,
    SAMEIE,
    UNITS,
    Absence,
    Agreement,
    Contact,
    Cooperative,
    contact_agreement,
)
from .meetings import AgendaItem, Meeting, MeetingReminder

__all__ = [
    "BORETTSLAG",
    "DEFAULT_AGREEMENT",
    "PERCENT",
    "SAMEIE",
    "UNITS",
    "Absence",
    "Agreement",
    "ActionLinkUse",
    "AgendaItem",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Case",
    "CaseHistory",
    "Contact",
    "Cooperative",
    "Deadline",
    "HandbookVersion",
    "IdempotencyRecord",
    "Meeting",
    "MeetingReminder",
    "Notification",
    "OutboxEvent",
    "ProcessedEvent",
    "ReferenceCounter",
    "SignInLink",
    "StaffSession",
    "UTCDateTime",
    "contact_agreement",
    "table_of",
    "utcnow",
]
