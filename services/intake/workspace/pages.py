"""The workspace's blueprint, /arbeid; its pages are in the modules beside it (inbox.py: the
inbox, workspace.inbox; cases.py: the case page), registered by importing them (__init__.py)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("workspace", __name__, url_prefix="/arbeid")
