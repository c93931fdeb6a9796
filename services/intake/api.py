"""JSON API v1: load input, call one use case, map the result or error."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, request, url_for
from marshmallow import ValidationError

from shared.calendar import local_today
from shared.db import unit_of_work
from shared.models import utcnow

from .complaints import UnknownCooperative, submit_complaint
from .errors import ApiError, flatten_messages
from .schemas import ComplaintSchema, SubmittedSchema

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/400 that says what is wrong."""
    if request.mimetype != "application/json":
        raise ApiError(415)
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "Innholdet er ikke gyldig JSON.", code="invalid_json")
    if not isinstance(body, dict):
        raise ApiError(400, "Innholdet må være et JSON-objekt.", code="invalid_json")
    return body


def load(schema: Any, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(body)
    except ValidationError as error:
        raise ApiError(422, fields=flatten_messages(error.normalized_messages())) from None


@bp.post("/complaints")
def create_complaint():  # type: ignore[no-untyped-def]
    settings = current_app.config["SETTINGS"]
    now = utcnow()
    complaint = load(ComplaintSchema(today=local_today(settings.tz_name, now)), json_body())
    try:
        with unit_of_work(current_app.extensions["sessionmaker"]) as session:
            submitted = submit_complaint(session, complaint, tz_name=settings.tz_name, now=now)
    except UnknownCooperative:
        raise ApiError(
            422, fields={"cooperative_orgnr": ["Fant ikke noe borettslag med dette organisasjonsnummeret."]}
        ) from None
    tracking_url = settings.public_base_url + url_for("tracking.case_page", token=submitted.tracking_token)
    body = SubmittedSchema().dump(
        {"reference": submitted.reference, "status": submitted.status, "tracking_url": tracking_url}
    )
    return body, 201
