"""The committee's documents in the workspace: a meeting's agenda and minutes as PDF, for everyone
who may read meetings (committee members from a borettslag board too)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from ..meeting_documents import MeetingNotFound, NoMinutes, download, meeting_document
from .sessions import signed_in

bp = Blueprint("workspace_documents", __name__, url_prefix="/arbeid/moter")


def _document(meeting_id: int, kind: str) -> Response:
    settings = current_app.config["SETTINGS"]
    with current_app.extensions["sessionmaker"]() as session:
        try:
            return download(meeting_document(session, meeting_id, kind, settings.tz_name))
        except (MeetingNotFound, NoMinutes):
            abort(404)


@bp.get("/<int:meeting_id>/dagsorden.pdf")
@signed_in("meeting.read")
def agenda(meeting_id: int) -> Response:
    return _document(meeting_id, "agenda")


@bp.get("/<int:meeting_id>/referat.pdf")
@signed_in("meeting.read")
def minutes(meeting_id: int) -> Response:
    return _document(meeting_id, "minutes")
