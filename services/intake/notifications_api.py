"""Staff API on e-mails: list them (e.g. the failed ones) and send a failed one again."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from shared.access import in_agreements
from shared.db import unit_of_work
from shared.messages import NotificationRetried, new_event_id, record_event
from shared.models import Case, Contact, Notification, contact_agreement

from .api import documented_errors
from .auth import caller_agreements, current_principal, require
from .errors import ApiError
from .schemas import StrictSchema
from .staff import SECURED

bp = Blueprint("notifications", __name__, url_prefix="/api/v1", description="E-post")
STATUSES = ("pending", "sending", "sent", "failed")


class NotificationQuery(StrictSchema):
    status = fields.String(validate=validate.OneOf(STATUSES, error="Velg en av: {choices}."))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class NotificationOut(Schema):
    id = fields.Integer()
    reference = fields.String(allow_none=True)
    recipient = fields.String()
    kind = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String()
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class NotificationPage(Schema):
    items = fields.List(fields.Nested(NotificationOut))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


def _view(row: Notification, reference: str | None) -> dict[str, Any]:
    return {**{c: getattr(row, c) for c in ("id", "recipient", "kind", "status", "attempts",
                                            "last_error", "created_at", "sent_at")},
            "reference": reference}


def _visible(agreements: frozenset[int] | None) -> ColumnElement[bool]:
    """An e-mail about a case of one of `agreements`, or without a case (a meeting's) to a contact of one."""
    if agreements is None:
        return true()
    of_case = Notification.case_id.in_(select(Case.id).where(Case.agreement_id.in_(agreements)))
    to_contact = Notification.recipient.in_(
        select(Contact.email).join(contact_agreement, contact_agreement.c.contact_id == Contact.id)
        .where(in_agreements(contact_agreement.c.agreement_id, agreements)))
    return or_(of_case, and_(Notification.case_id.is_(None), to_contact))


def _page(session: Session, query: dict[str, Any]) -> dict[str, Any]:
    criteria = [_visible(caller_agreements(session))]
    if query.get("status"):
        criteria.append(Notification.status == query["status"])
    total = session.execute(select(func.count()).select_from(Notification).where(*criteria)).scalar_one()
    rows = session.execute(
        select(Notification, Case.reference).outerjoin(Case, Case.id == Notification.case_id)
        .where(*criteria).order_by(Notification.id.desc())
        .offset((query["page"] - 1) * query["per_page"]).limit(query["per_page"])
    ).all()
    return {"items": [_view(row, reference) for row, reference in rows], "total": total,
            "page": query["page"], "per_page": query["per_page"]}


@bp.route("/notifications", methods=["GET"])
@require("notification.read")
@bp.arguments(NotificationQuery, location="query")
@bp.response(200, NotificationPage)
@bp.doc(**SECURED)
@documented_errors(401, 403, 429, 503)
def notifications(query: dict[str, Any]) -> dict[str, Any]:
    """E-poster, nyeste først; `status=failed` viser dem som ikke kom fram."""
    with current_app.extensions["sessionmaker"]() as session:
        return _page(session, query)


@bp.route("/notifications/<int:notification_id>/retry", methods=["POST"])
@require("notification.retry")
@bp.response(202, NotificationOut)
@bp.doc(**SECURED)
@documented_errors(401, 403, 404, 409, 415, 429, 503)
def retry(notification_id: int) -> dict[str, Any]:
    """Send en feilet e-post på nytt."""
    with unit_of_work(current_app.extensions["sessionmaker"]) as session:
        # Ids beyond the column's range exist nowhere (and overflow the database driver).
        row = session.execute(select(Notification).where(
            Notification.id == notification_id, _visible(caller_agreements(session))).with_for_update()
        ).scalar_one_or_none() if notification_id < 2**31 else None
        if row is None:
            raise ApiError(404, "Fant ingen e-post med denne id-en.")
        if row.status != "failed":
            raise ApiError(409, f"Bare feilede e-poster kan sendes på nytt (status er «{row.status}»).")
        row.status, row.last_error = "pending", f"sendes på nytt etter ønske fra {current_principal().actor}"
        record_event(session, NotificationRetried(event_id=new_event_id(), notification_id=row.id))
        reference = session.get_one(Case, row.case_id).reference if row.case_id else None
        return _view(row, reference)
