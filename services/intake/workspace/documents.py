"""The committee's documents in the workspace: a meeting's agenda and minutes as PDF, for everyone
who may read meetings (committee members from a borettslag board too), of their own agreements'
meetings, in the signed-in contact's language (languages.STAFF_PAGE_BLUEPRINTS)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, current_app
from flask_babel import get_locale

from ..meeting_documents import MeetingNotFound, NoMinutes, download, meeting_document
from .sessions import current_user, signed_in

bp = Blueprint("workspace_documents", __name__, url_prefix="/arbeid/moter")


def _document(meeting_id: int, kind: str) -> Response:
    settings, user = current_app.config["SETTINGS"], current_user()
    assert user is not None
    with current_app.extensions["sessionmaker"]() as session:
        try:
            return download(meeting_document(session, meeting_id, kind, settings.tz_name, str(get_locale()),
                                             user.agreements(session)))
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
