"""Staff API helpers shared by the unit tests (the `tokens` fixture lives in tests/conftest.py)."""
from __future__ import annotations


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
