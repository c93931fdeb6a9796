"""Bearer-token authentication for the staff API; what a caller may do is shared.access.PERMISSIONS."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request
from sqlalchemy.orm import Session

from shared.access import PERMISSIONS, Principal, may, visible_agreements

from .errors import ApiError
from .tokens import authenticate


def current_principal() -> Principal:
    principal: Principal = g.principal
    return principal


def caller_agreements(session: Session) -> frozenset[int] | None:
    """The agreements the API's caller may see (None: all); another agreement's things answer 404."""
    return visible_agreements(session, current_principal())


def require(permission: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """401 without a valid token, 403 when the policy does not give its caller `permission`."""
    if permission not in PERMISSIONS:
        raise KeyError(f"no permission {permission!r} in shared.access.PERMISSIONS")

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
            if not may(principal, permission):
                raise ApiError(403)
            g.principal = principal
            return view(*args, **kwargs)

        wrapper.permission = permission  # type: ignore[attr-defined]
        return wrapper

    return decorator
