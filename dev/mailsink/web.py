"""The mail viewer (Norwegian bokmål) and a Mailpit-compatible JSON API, as a Flask blueprint."""

import html
import logging
import re
import socket
from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from flask import Blueprint, Flask, Response, abort, current_app, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import HTTPException
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from dev.mailsink.store import Addresses, StoredMessage, part_bytes

if TYPE_CHECKING:
    from dev.mailsink import MailSink

bp = Blueprint("mailsink", __name__, template_folder="templates")
# Message contents are untrusted: never allow scripts or plugins on these pages.
HTML_CSP = "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'"
SAFE_CONTENT_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")


# An http(s) address in a message's plain text; stops at whitespace and at what cannot be in one.
URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def linkify(text: str) -> Markup:
    """The plain text escaped, with its addresses as links (the HTML part is in a sandbox where
    links do not open), so a sign-in or action link can be followed from the viewer."""
    escaped = html.escape(text, quote=True)
    return Markup(URL.sub(lambda m: f'<a href="{m.group(0)}" rel="noreferrer">{m.group(0)}</a>', escaped))


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _sink() -> "MailSink":
    return current_app.extensions["mailsink"]  # type: ignore[no-any-return]


def _message(message_id: str) -> StoredMessage:  # "latest": the newest one, as in Mailpit
    messages = _sink().messages()
    found = messages[-1:] if message_id == "latest" else [m for m in messages if m.id == message_id]
    return found[0] if found else abort(404, f"message {message_id!r} not found")


def _int_arg(name: str, default: int) -> int:
    value = request.args.get(name) or str(default)
    error = f"{name} must be a non-negative integer"
    return int(value) if re.fullmatch(r"[0-9]+", value) else abort(400, error)


def _json(pairs: Addresses) -> list[dict[str, str]]:
    return [{"Name": name, "Address": address} for name, address in pairs]


def _summary(message: StoredMessage) -> dict[str, Any]:
    return {"ID": message.id, "MessageID": message.message_id, "From": _json(message.senders)[0],
            "To": _json(message.to), "Cc": _json(message.addresses("Cc")),
            "Bcc": _json(message.bcc), "Subject": message.subject,
            "Created": rfc3339(message.created), "Size": len(message.raw),
            "Snippet": message.snippet}


def _attachments(message: StoredMessage) -> list[dict[str, Any]]:
    return [{"PartID": pid, "FileName": part.get_filename() or "",
             "ContentType": part.get_content_type(), "Size": len(part_bytes(part))}
            for pid, part in message.attachment_parts.items()]


@bp.get("/")
def index() -> str:
    return render_template("index.html", messages=_sink().messages()[::-1])


@bp.get("/message/<message_id>")
def message_page(message_id: str) -> str:
    return render_template("message.html", message=_message(message_id), part_bytes=part_bytes)


@bp.post("/slett")
def delete_all() -> Any:
    _sink().clear()
    return "", HTTPStatus.SEE_OTHER, {"Location": "/"}


@bp.get("/api/v1/messages")
def list_messages() -> Any:
    newest_first = _sink().messages()[::-1]
    start = _int_arg("start", 0)
    selected = newest_first[start:start + _int_arg("limit", len(newest_first))]
    return {"total": len(newest_first), "count": len(selected),
            "messages_count": len(newest_first), "start": start,
            "messages": [_summary(m) for m in selected]}


@bp.delete("/api/v1/messages")
def delete_messages() -> Any:
    body = request.get_json(force=True) if request.content_length else {}
    if not isinstance(body, dict):
        abort(400, "request body must be a JSON object")
    _sink().delete(set(body["IDs"]) if body.get("IDs") else None)
    return Response("ok", content_type="text/plain; charset=utf-8")


@bp.get("/api/v1/message/<message_id>")
def message_json(message_id: str) -> Any:
    message = _message(message_id)
    return {**_summary(message), "ReturnPath": message.mail_from, "Text": message.text,
            "HTML": message.html, "Attachments": _attachments(message)}


@bp.get("/api/v1/message/<message_id>/raw")
def raw(message_id: str) -> Response:
    return Response(_message(message_id).raw, content_type="text/plain; charset=utf-8")


@bp.get("/api/v1/message/<message_id>/part/<part_id>")
def part(message_id: str, part_id: str) -> Response:
    found = _message(message_id).parts.get(part_id) or abort(404, f"part {part_id!r} not found")
    content_type = found.get_content_type()
    if not SAFE_CONTENT_TYPE.fullmatch(content_type):
        content_type = "application/octet-stream"
    filename = quote(found.get_filename() or f"part-{part_id}")
    return Response(part_bytes(found), content_type=content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
        "Content-Security-Policy": "sandbox"})


@bp.app_errorhandler(HTTPException)
def error(exc: HTTPException) -> Any:
    if request.path.startswith("/api/"):
        return {"error": exc.description}, exc.code
    return render_template("error.html", status=HTTPStatus(exc.code or 500)), exc.code


@bp.after_app_request
def security_headers(response: Response) -> Response:
    response.headers.update({"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", HTML_CSP)
        response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def create_app(sink: "MailSink") -> Flask:
    app = Flask(__name__)
    app.extensions["mailsink"] = sink
    app.json.ensure_ascii = app.json.sort_keys = False  # type: ignore[attr-defined]
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals["site"] = "samhandling – e-post (utvikling)"
    app.jinja_env.filters.update(
        rfc3339=rfc3339,
        linkify=linkify,
        addresses=lambda pairs: ", ".join(f"{n} <{a}>" if n else a for n, a in pairs),
        attribute=lambda text: Markup(html.escape(text)),  # html.escape's &quot; in srcdoc
    )
    app.register_blueprint(bp)
    return app


class _QuietRequestHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        logging.getLogger(__name__).debug("mail sink UI: " + message, *args)


def make_ui_server(host: str, port: int, sink: "MailSink") -> BaseWSGIServer:
    """A threaded server for the viewer. We bind: werkzeug's bind calls sys.exit() on failure."""
    with socket.create_server((host, port), family=socket.getaddrinfo(host, 0)[0][0]) as sock:
        return make_server(host, sock.getsockname()[1], create_app(sink), threaded=True,
                           request_handler=_QuietRequestHandler, fd=sock.fileno())
