"""The committee's documents to download: a meeting's agenda or minutes as PDF, for the API and the
workspace alike (made by shared/documents.py, as the e-mails' attachments are)."""
from __future__ import annotations

from collections.abc import Callable

from flask import Response
from sqlalchemy.orm import Session

from shared.documents import Document, NoMinutes, agenda_pdf, minutes_pdf
from shared.models import Meeting

from .meeting_changes import MeetingNotFound, find_meeting

__all__ = ["DOCUMENTS", "MeetingNotFound", "NoMinutes", "download", "meeting_document"]

Maker = Callable[[Session, Meeting, str, str], Document]
DOCUMENTS: dict[str, Maker] = {"agenda": agenda_pdf, "minutes": minutes_pdf}


def meeting_document(session: Session, meeting_id: int, kind: str, tz_name: str, language: str,
                     agreements: frozenset[int] | None) -> Document:
    """The meeting's agenda or minutes in `language` (nb or nn), when the meeting is one of
    `agreements`' (None: any); MeetingNotFound, or NoMinutes before the minutes are written."""
    return DOCUMENTS[kind](session, find_meeting(session, meeting_id, agreements=agreements), tz_name, language)


def download(document: Document) -> Response:
    """The document as a file to save, under its Norwegian name (dagsorden-2027-03-15.pdf)."""
    return Response(document.content, content_type=document.content_type, headers={
        "Content-Disposition": f'attachment; filename="{document.filename}"',
        "Cache-Control": "private, no-store",  # the minutes name people and cases: not for shared caches
    })
