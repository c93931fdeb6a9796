"""The submitter's tracking page: status and public history, nothing internal."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from shared.models import Case
from shared.vocabulary import CASE_STATUSES, COMPLAINT_CATEGORIES

bp = Blueprint("tracking", __name__)


@bp.get("/sak/<token>")
def case_page(token: str):  # type: ignore[no-untyped-def]
    if len(token) > 64:
        abort(404)
    with current_app.extensions["sessionmaker"]() as session:
        case = session.execute(
            select(Case)
            .where(Case.tracking_token == token)
            .options(selectinload(Case.cooperative), selectinload(Case.history))
        ).scalar_one_or_none()
        if case is None:
            return render_template("not_found.html"), 404
        history = [entry for entry in case.history if entry.public]
        return render_template(
            "case.html",
            case=case,
            history=history,
            statuses=CASE_STATUSES,
            categories=COMPLAINT_CATEGORIES,
            tz=ZoneInfo(current_app.config["SETTINGS"].tz_name),
        )


