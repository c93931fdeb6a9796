"""The workspace's pages under /arbeid."""
from __future__ import annotations

from flask import Blueprint, render_template

from .sessions import current_user, signed_in

bp = Blueprint("workspace", __name__, url_prefix="/arbeid")


@bp.get("")
@signed_in()
def inbox() -> str:
    return render_template("workspace/inbox.html", user=current_user())
