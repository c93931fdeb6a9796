"""Every error is JSON {"error": {"code", "message", "fields"}}; never a stack trace."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("bad_request", "Forespørselen kunne ikke leses."),
    401: ("unauthorized", "Innlogging kreves."),
    403: ("forbidden", "Du har ikke tilgang til dette."),
    404: ("not_found", "Fant ikke det du ba om."),
    405: ("method_not_allowed", "Metoden er ikke tillatt her."),
    409: ("conflict", "Handlingen er ikke tillatt i sakens nåværende tilstand."),
    413: ("payload_too_large", "Forespørselen er for stor."),
    415: ("unsupported_media_type", "Innholdet må sendes som application/json."),
    422: ("validation_failed", "Noen felt er ikke gyldige."),
    429: ("too_many_requests", "For mange forespørsler. Prøv igjen om litt."),
    503: ("unavailable", "Tjenesten er midlertidig utilgjengelig. Prøv igjen om litt."),
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str | None = None,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        default_code, default_message = MESSAGES.get(status, ("error", "Noe gikk galt."))
        super().__init__(message or default_message)
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.fields = fields or {}


def error_response(
    status: int, message: str | None = None, fields: dict[str, Any] | None = None, code: str | None = None
) -> Response:
    error = ApiError(status, message, fields, code)
    body = {"error": {"code": error.code, "message": error.message, "fields": error.fields}}
    response = jsonify(body)
    response.status_code = status
    return response


def flatten_messages(messages: dict[str, Any], prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested errors as dotted field names: {"submitter.email": [...]}."""
    flat: dict[str, list[str]] = {}
    for name, value in messages.items():
        # marshmallow reports a wrong type for a nested object under "_schema"
        key = prefix.rstrip(".") if name == "_schema" and prefix else f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(flatten_messages(value, f"{key}."))
        elif isinstance(value, list):
            flat[key] = [str(item) for item in value]
        else:
            flat[key] = [str(value)]
    return flat


def _parser_error(error: HTTPException, status: int) -> Response | None:
    """webargs (under flask-smorest) reports bad input as {"messages": {location: ...}}."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    if not isinstance(messages, dict):
        return None
    if status == 400:
        return error_response(400, "Innholdet er ikke gyldig JSON.", code="invalid_json")
    fields: dict[str, list[str]] = {}
    for location_messages in messages.values():
        if isinstance(location_messages, dict):
            fields.update(flatten_messages(location_messages))
        else:
            fields.setdefault("_body", []).extend(str(m) for m in location_messages)
    return error_response(status, fields=fields)


def _is_page() -> bool:
    """People get bokmål HTML pages; only the API under /api/ answers in JSON."""
    return not request.path.startswith("/api/")


def _error_page(status: int, reason: str = "") -> Response:
    try:
        body = render_template("error.html", status=status, reason=reason)
    except Exception:  # the error page must never become the error
        log.exception("error page failed")
        body = '<!doctype html><html lang="nb"><title>Feil</title><h1>Noe gikk galt</h1></html>'
    return Response(body, status=status, mimetype="text/html")


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error.status, error.message, error.fields, error.code)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        if status >= 500:
            return _unexpected(error)
        if _is_page():
            reason = "csrf" if isinstance(error, CSRFError) else ""
            response = _error_page(status if status in MESSAGES else 400, reason)
        else:
            response = _parser_error(error, status) or error_response(
                status if status in MESSAGES else 400
            )
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(OperationalError)
    def _database_down(error: OperationalError) -> Response:
        log.error("database unavailable: %s", type(error).__name__)
        response = _error_page(503) if _is_page() else error_response(503)
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error", exc_info=error)
        if _is_page():
            return _error_page(500)
        response = jsonify(
            {"error": {"code": "internal_error", "message": "Noe gikk galt hos oss.", "fields": {}}}
        )
        response.status_code = 500
        return response
