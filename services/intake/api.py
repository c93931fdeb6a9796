"""The public JSON API: load input, call one use case, map the result or error."""
from __future__ import annotations

import re
from typing import Any

from flask import current_app, request, url_for
from flask_smorest import Blueprint

from shared.db import unit_of_work
from shared.models import utcnow

from .complaints import UnknownCooperative, submit_complaint
from .errors import ApiError
from .idempotency import idempotent
from .languages import accepted_language
from .schemas import ComplaintSchema, SubmittedSchema
from .staff_schemas import ErrorOut

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Klager (offentlig)")

COMMON_ERRORS = (400, 413, 415, 429, 503)
# Our bodies nest three levels at most; Python's json parser recurses once per level and fails
# with RecursionError (a 500) near a thousand, so deeper bodies are refused before parsing.
MAX_JSON_DEPTH = 32
# A string up to its closing quote or, unterminated, to the end: one pass, never a rescan.
JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"?', re.DOTALL)
JSON_BRACKET = re.compile(rb"[\[\]{}]")


def documented_errors(*statuses: int):  # type: ignore[no-untyped-def]
    """Declare the error answers an operation can give, all with the one error shape."""

    def decorator(view):  # type: ignore[no-untyped-def]
        for status in statuses:
            view = bp.alt_response(status, schema=ErrorOut, description="Feil")(view)
        return view

    return decorator


@bp.before_app_request
def json_only() -> None:
    """JSON bodies must say application/json: a text/plain POST is how forms do CSRF."""
    has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")
    if request.path.startswith("/api/") and request.method in {"POST", "PUT", "PATCH"} and has_body:
        if request.mimetype != "application/json":
            raise ApiError(415)
        body = request.get_data(cache=True)
        # Fewer opening brackets than the limit cannot nest past it: no scan needed.
        if body.count(b"{") + body.count(b"[") > MAX_JSON_DEPTH and json_depth(body) > MAX_JSON_DEPTH:
            raise ApiError(400, f"JSON-innholdet er nestet for dypt (høyst {MAX_JSON_DEPTH} nivåer).",
                           code="invalid_json")


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON body, brackets inside strings not counted."""
    depth = deepest = 0
    for bracket in JSON_BRACKET.findall(JSON_STRING.sub(b'""', body)):
        depth += 1 if bracket in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def unknown_cooperative() -> ApiError:
    return ApiError(
        422, fields={"cooperative_orgnr": ["Fant ikke noe borettslag med dette organisasjonsnummeret."]}
    )


def tracking_url(token: str) -> str:
    base: str = current_app.config["SETTINGS"].public_base_url
    return base + url_for("tracking.case_page", token=token)


@bp.route("/complaints", methods=["POST"])
@idempotent
@bp.arguments(ComplaintSchema())  # one instance: a class would be instantiated per request
@bp.response(201, SubmittedSchema)
@documented_errors(*COMMON_ERRORS)
def create_complaint(complaint: dict[str, Any]) -> dict[str, str]:
    """Send inn en klage fra et borettslag."""
    settings = current_app.config["SETTINGS"]
    language = complaint.pop("language", None) or accepted_language(request.accept_languages)
    try:
        with unit_of_work(current_app.extensions["complaint_sessions"]) as session:
            submitted = submit_complaint(session, complaint, tz_name=settings.tz_name, now=utcnow(),
                                         cooperatives=current_app.extensions["cooperatives"], language=language)
    except UnknownCooperative:
        raise unknown_cooperative() from None
    return {
        "reference": submitted.reference,
        "status": submitted.status,
        "tracking_url": tracking_url(submitted.tracking_token),
    }
