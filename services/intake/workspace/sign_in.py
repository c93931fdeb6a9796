"""Sign-in without passwords (SPEC §7): /logg-inn asks for an address, the e-mail brings a link.

POST /logg-inn answers the same for every address (no enumeration): a SignInLink row is written
for each, and only a contact who may sign in gets it mailed (through the outbox, as every e-mail).
The link's GET shows a button and only its POST signs in, once, within 15 minutes, in the browser
that asked for it (a nonce cookie set by the form; a link forwarded or phished into another browser
signs nobody in there). Rate limits: per address asked and per client address.
"""
from __future__ import annotations

import secrets
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, Flask, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from werkzeug.wrappers import Response

from shared import sign_in
from shared.access import may_sign_in
from shared.db import unit_of_work
from shared.directory import contact_by_email
from shared.i18n import N_
from shared.messages import SignInRequested, new_event_id, record_event
from shared.models import SignInLink

from . import sessions

bp = Blueprint("sign_in", __name__)

BROWSER_COOKIE = "samhandling_innlogging"
BROWSER_COOKIE_PATH = "/logg-inn"

# What a link that cannot sign in is, with its status and what the page says.
PROBLEMS: dict[str, tuple[int, str, str]] = {
    "invalid": (400, N_("Lenken virker ikke"),
                N_("Lenken er ikke gyldig. Kanskje ble den delt over to linjer i e-posten?")),
    "expired": (410, N_("Lenken er gått ut"),
                N_("Innloggingslenker gjelder i 15 minutter.")),
    "used": (409, N_("Lenken er allerede brukt"),
             N_("En innloggingslenke kan bare brukes én gang.")),
    "other_browser": (403, N_("Åpne lenken i nettleseren du ba om den i"),
                      N_("Lenken virker bare i nettleseren der du skrev inn e-postadressen din.")),
    "no_access": (403, N_("Du har ikke tilgang lenger"),
                  N_("Tilgangen din til samhandling er trukket tilbake.")),
}
EXPIRED_NOTES = {
    sessions.EXPIRED_IDLE: N_("Du ble logget ut fordi du ikke hadde brukt samhandling på 30 minutter."),
    sessions.EXPIRED_ABSOLUTE: N_("Du ble logget ut fordi det er 8 timer siden du logget inn."),
    sessions.EXPIRED_REVOKED: N_("Du ble logget ut fordi tilgangen din er trukket tilbake."),
}


def _address_key() -> str:
    """The rate limit's key for the address asked (normalised as stored), not the client's."""
    return "sign-in:" + request.form.get("epost", "").strip().lower()[:254]


def _browser_digest() -> str | None:
    nonce = request.cookies.get(BROWSER_COOKIE)
    return sessions.digest(nonce) if nonce and len(nonce) < 100 else None


@bp.get("/logg-inn")
def form() -> Any:
    next_path = sessions.safe_next(request.args.get("neste"))
    if sessions.current_user() is not None:
        return redirect(next_path, code=303)
    return render_template("workspace/sign_in.html", next_path=next_path, email="", error="",
                           note=_translated(EXPIRED_NOTES.get(request.args.get("utlopt", ""), "")),
                           signed_out=request.args.get("utlogget") == "1")


@bp.post("/logg-inn")
def ask() -> Any:
    """Write the link, mail it if the address is a contact, and answer the same either way."""
    next_path = sessions.safe_next(request.form.get("neste"))
    typed = request.form.get("epost", "").strip()
    try:
        email = validate_email(typed, check_deliverability=False).normalized.lower() if typed else ""
    except EmailNotValidError:
        email = ""
    if not email:
        message = (gettext("Skriv e-postadressen din.") if not typed
                   else gettext("Skriv en gyldig e-postadresse, som navn@kommune.no."))
        return render_template("workspace/sign_in.html", next_path=next_path, email=typed[:254],
                               error=message, note="", signed_out=False), 400
    nonce = request.cookies.get(BROWSER_COOKIE) or secrets.token_urlsafe(32)
    at = sessions.now()
    with unit_of_work(current_app.extensions["sessionmaker"]) as db:
        contact = contact_by_email(db, email)
        link = SignInLink(id=secrets.token_hex(16), email=email, browser_digest=sessions.digest(nonce),
                          next_path=next_path, mailed=may_sign_in(contact), created_at=at,
                          expires_at=at + sign_in.VALIDITY)
        db.add(link)
        if link.mailed:
            record_event(db, SignInRequested(event_id=new_event_id(), link_id=link.id))
    response = redirect(url_for("sign_in.sent"), code=303)
    response.set_cookie(BROWSER_COOKIE, nonce, max_age=int(sign_in.VALIDITY.total_seconds()),
                        path=BROWSER_COOKIE_PATH, secure=request.is_secure or _https(), httponly=True,
                        samesite="Lax")
    return response


@bp.get("/logg-inn/sendt")
def sent() -> str:
    return render_template("workspace/sign_in_sent.html",
                           minutes=int(sign_in.VALIDITY.total_seconds() // 60))


def _https() -> bool:
    return bool(current_app.config["SETTINGS"].public_base_url.startswith("https://"))


class LinkRefused(Exception):
    """The link cannot sign this browser in now; `problem` is a key of PROBLEMS."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _usable(token: str) -> SignInLink:
    """The link behind a token, if this browser may use it now; else LinkRefused with why."""
    try:
        link_id = sign_in.verify(current_app.config["SETTINGS"], token)
    except sign_in.InvalidSignInToken:
        raise LinkRefused("invalid") from None
    with current_app.extensions["sessionmaker"]() as db:
        link: SignInLink | None = db.get(SignInLink, link_id)
        if link is None or not link.mailed:
            raise LinkRefused("invalid")
        db.expunge(link)
    if link.used_at is not None:
        raise LinkRefused("used")
    if sessions.now() >= link.expires_at:
        raise LinkRefused("expired")
    if _browser_digest() != link.browser_digest:
        raise LinkRefused("other_browser")
    return link


@bp.errorhandler(LinkRefused)
def _refused(error: LinkRefused) -> tuple[str, int]:
    return _problem(error.problem)


def _problem(problem: str) -> tuple[str, int]:
    status, title, text = PROBLEMS[problem]
    return render_template("workspace/sign_in_problem.html", title=gettext(title), text=gettext(text),
                           problem=problem), status


def _translated(text: str) -> str:
    return gettext(text) if text else ""


@bp.get("/logg-inn/<token>")
def confirm(token: str) -> Any:
    """A page with a button: a mail scanner that follows the link signs nobody in."""
    link = _usable(token)
    return render_template("workspace/sign_in_confirm.html", token=token, email=link.email)


@bp.post("/logg-inn/<token>")
def use(token: str) -> Any:
    link = _usable(token)
    response = make_response(redirect(sessions.safe_next(link.next_path), code=303))
    with unit_of_work(current_app.extensions["sessionmaker"]) as db:
        # Used once: of two posts at the same time, one finds it unused and the other nothing.
        result: CursorResult[Any] = db.execute(  # type: ignore[assignment]
            update(SignInLink).where(SignInLink.id == link.id, SignInLink.used_at.is_(None))
            .values(used_at=sessions.now()))
        claimed = result.rowcount
        if claimed != 1:
            db.rollback()
            return _problem("used")
        if not may_sign_in(contact_by_email(db, link.email)):
            # the link is spent either way: unit_of_work commits its use
            return _problem("no_access")
        sessions.start(response, db, link.email)
    return response


@bp.post("/logg-ut")
def sign_out() -> Response:
    response = redirect(url_for("sign_in.form", utlogget="1"), code=303)
    sessions.end(response)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    settings = app.config["SETTINGS"]
    limiter = app.extensions["limiter"]
    ask_view = app.view_functions["sign_in.ask"]
    ask_view = limiter.limit(settings.rate_limit_sign_in_address, key_func=_address_key,
                             scope="sign-in-address")(ask_view)
    ask_view = limiter.limit(settings.rate_limit_sign_in_client, scope="sign-in-client")(ask_view)
    app.view_functions["sign_in.ask"] = ask_view
    app.view_functions["sign_in.use"] = limiter.limit(
        settings.rate_limit_sign_in_client, scope="sign-in-client-link")(app.view_functions["sign_in.use"])
