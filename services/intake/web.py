"""The public complaint form (placeholder until the form lands)."""
from __future__ import annotations

from flask import Flask

SUBMISSION_ENDPOINTS: tuple[str, ...] = ()


def init_app(app: Flask) -> None:
    """Register the public pages."""
