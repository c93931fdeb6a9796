"""Bearer-token authentication and party scopes for the staff API."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request

from .errors import ApiError
from .tokens import Principal, authenticate

STAFF = ("municipality", "association", "system")


def current_principal() -> Principal:
    principal: Principal = g.principal
    return principal


def require(*parties: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """401 without a valid token, 403 when the token's party is not among `parties`."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not secret.strip():
                raise ApiError(401, "Mangler gyldig token (Authorization: Bearer …).")
            with current_app.extensions["sessionmaker"]() as session:
                principal = authenticate(session, secret.strip())
            if principal is None:
                raise ApiError(401, "Tokenet er ukjent eller trukket tilbake.")
            if principal.party not in parties:
                raise ApiError(403)
            g.principal = principal
            return view(*args, **kwargs)

        wrapper._required_parties = parties  # type: ignore[attr-defined]
        return wrapper

    return decorator
