"""Development and test SMTP sink for samhandling.

This is a *development and test tool only*; it must never be deployed. It
accepts every message sent to it over SMTP, keeps it in memory and never
relays anything. It offers:

* an aiosmtpd SMTP server (``MailSink.smtp_host``/``smtp_port``),
* accessors for tests (``messages()``, ``wait_for()``, ``clear()``),
* fault injection for tests (``refuse()``/``accept()``, and ``stop()``/``start()``
  on the same ports to simulate an SMTP server that is down),
* an optional HTTP UI with a small Mailpit-compatible JSON API
  (``/api/v1/messages``, ``/api/v1/message/<ID>``) and a plain HTML inbox in
  Norwegian bokmål.

Run it standalone with ``python -m dev.mailsink [--smtp-port N] [--ui-port N]``.
"""

from __future__ import annotations

import argparse
import codecs
import html
import json
import logging
import re
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email import policy
from email.headerregistry import AddressHeader
from email.message import EmailMessage
from email.parser import BytesParser
from html.parser import HTMLParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Literal, cast
from urllib.parse import parse_qs, quote, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = ["MailSink", "StoredMessage", "main"]

log = logging.getLogger(__name__)

TITLE = "samhandling – e-post (utvikling)"
SNIPPET_LENGTH = 250
SMTP_BANNER_HOSTNAME = "mailsink.samhandling.localhost"

Stage = Literal["data", "rcpt"]


# --------------------------------------------------------------------------
# Message parsing helpers
# --------------------------------------------------------------------------


def _parse(raw: bytes) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw)


def _header_text(message: EmailMessage, name: str) -> str:
    value = message.get(name)
    return "" if value is None else str(value).strip()


def _addresses(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs of every ``name`` header, in order."""
    result: list[tuple[str, str]] = []
    for header in message.get_all(name, []):
        if isinstance(header, AddressHeader):
            result.extend((a.display_name, a.addr_spec) for a in header.addresses)
    return result


def _decode_text(part: EmailMessage) -> str:
    payload = part.get_payload(decode=True) or b""
    charset = part.get_content_charset() or "utf-8"
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    # SMTP transports lines with CRLF; give tests and the UI plain "\n" line ends.
    return cast(bytes, payload).decode(charset, errors="replace").replace("\r\n", "\n")


def _body_text(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return "" if part is None else _decode_text(cast(EmailMessage, part))


def _leaf_parts(part: EmailMessage, path: str = "") -> Iterator[tuple[str, EmailMessage]]:
    """Yield (Mailpit-style part ID such as "1.2", part) for every leaf part."""
    if not part.is_multipart() or part.get_content_type() == "message/rfc822":
        yield path or "1", part
        return
    for index, child in enumerate(part.iter_parts(), start=1):
        yield from _leaf_parts(cast(EmailMessage, child), f"{path}.{index}" if path else str(index))


def _is_attachment(part: EmailMessage) -> bool:
    disposition = part.get_content_disposition()
    return disposition == "attachment" or (disposition is None and part.get_filename() is not None)


def _attachment_parts(message: EmailMessage) -> list[tuple[str, EmailMessage]]:
    return [(pid, part) for pid, part in _leaf_parts(message) if _is_attachment(part)]


def _part_bytes(part: EmailMessage) -> bytes:
    if part.get_content_type() == "message/rfc822":
        return bytes(cast(EmailMessage, part.get_payload(0)))
    return cast(bytes, part.get_payload(decode=True) or b"")


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML document (for snippets)."""

    _SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style", "head", "title"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.chunks.append(data)


def _html_to_text(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return " ".join(extractor.chunks)


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --------------------------------------------------------------------------
# Stored messages
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredMessage:
    """One message received by the sink."""

    id: str
    message_id: str  # Message-ID header without angle brackets ("" if absent)
    mail_from: str  # envelope sender (MAIL FROM)
    rcpt_tos: list[str]  # envelope recipients (RCPT TO)
    subject: str
    created: datetime  # time received, timezone-aware UTC
    raw: bytes
    parsed: EmailMessage

    @classmethod
    def receive(cls, mail_from: str, rcpt_tos: list[str], raw: bytes) -> StoredMessage:
        parsed = _parse(raw)
        message_id = _header_text(parsed, "Message-ID").removeprefix("<").removesuffix(">")
        return cls(
            id=uuid.uuid4().hex,
            message_id=message_id,
            mail_from=mail_from,
            rcpt_tos=list(rcpt_tos),
            subject=_header_text(parsed, "Subject"),
            created=datetime.now(timezone.utc),
            raw=raw,
            parsed=parsed,
        )

    @property
    def text(self) -> str:
        """The text/plain body, or "" if there is none."""
        return _body_text(self.parsed, "plain")

    @property
    def html(self) -> str:
        """The text/html body, or "" if there is none."""
        return _body_text(self.parsed, "html")

    @property
    def to(self) -> list[tuple[str, str]]:
        """(name, address) pairs from the To header(s)."""
        return _addresses(self.parsed, "To")

    @property
    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(filename, content type, decoded bytes) of every attachment."""
        return [
            (part.get_filename() or "", part.get_content_type(), _part_bytes(part))
            for _, part in _attachment_parts(self.parsed)
        ]


class _MessageStore:
    """Thread-safe in-memory list of messages, oldest first."""

    def __init__(self) -> None:
        self._messages: list[StoredMessage] = []
        self._changed = threading.Condition()

    def add(self, message: StoredMessage) -> None:
        with self._changed:
            self._messages.append(message)
            self._changed.notify_all()

    def snapshot(self) -> list[StoredMessage]:
        with self._changed:
            return list(self._messages)

    def get(self, message_id: str) -> StoredMessage | None:
        """Look a message up by its ID; "latest" gives the newest one (as in Mailpit)."""
        with self._changed:
            if message_id == "latest":
                return self._messages[-1] if self._messages else None
            return next((m for m in self._messages if m.id == message_id), None)

    def delete(self, ids: set[str] | None = None) -> None:
        """Delete the given IDs, or everything if ``ids`` is None."""
        with self._changed:
            self._messages = [] if ids is None else [m for m in self._messages if m.id not in ids]

    def wait_for(self, count: int, timeout: float) -> list[StoredMessage]:
        with self._changed:
            if self._changed.wait_for(lambda: len(self._messages) >= count, timeout):
                return list(self._messages)
            received = [m.subject for m in self._messages]
        raise TimeoutError(
            f"Mail sink: expected at least {count} message(s) within {timeout:g}s, "
            f"but received {len(received)}; subjects so far: {received!r}"
        )


# --------------------------------------------------------------------------
# SMTP side
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Refusal:
    reply: str
    stage: Stage
    remaining: int | None  # None: until accept() is called


class _SinkHandler:
    """aiosmtpd handler: stores messages, or refuses them while told to."""

    def __init__(self, store: _MessageStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._refusal: _Refusal | None = None
        self._refused = 0

    @property
    def refused(self) -> int:
        with self._lock:
            return self._refused

    def set_refusal(self, refusal: _Refusal | None) -> None:
        with self._lock:
            self._refusal = refusal

    def _take_refusal(self, stage: Stage) -> str | None:
        with self._lock:
            refusal = self._refusal
            if refusal is None or refusal.stage != stage:
                return None
            self._refused += 1
            if refusal.remaining is not None:
                left = refusal.remaining - 1
                self._refusal = replace(refusal, remaining=left) if left > 0 else None
            return refusal.reply

    async def handle_RCPT(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        reply = self._take_refusal("rcpt")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        reply = self._take_refusal("data")
        if reply is not None:
            return reply
        message = StoredMessage.receive(envelope.mail_from or "", envelope.rcpt_tos, envelope.original_content or b"")
        self._store.add(message)
        log.info("Mail sink received %r for %s", message.subject, ", ".join(message.rcpt_tos))
        return "250 Message accepted for delivery"


def _family(host: str) -> socket.AddressFamily:
    return socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0][0]


def _probe_port(host: str, port: int) -> int:
    """Check that ``port`` can be bound on ``host`` (0: let the OS pick one); return it.

    Fails fast with OSError ("address already in use") instead of waiting for
    aiosmtpd's ready timeout. Binds like asyncio does (SO_REUSEADDR).
    """
    with socket.socket(_family(host), socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        return int(sock.getsockname()[1])


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


# --------------------------------------------------------------------------
# JSON API (Mailpit-compatible subset)
# --------------------------------------------------------------------------


def _address_json(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"Name": name, "Address": address} for name, address in pairs]


def _snippet(message: StoredMessage) -> str:
    text = " ".join((message.text or _html_to_text(message.html)).split())
    return text if len(text) <= SNIPPET_LENGTH else text[:SNIPPET_LENGTH] + "..."


def _bcc(message: StoredMessage) -> list[tuple[str, str]]:
    """Envelope recipients not named in To/Cc (i.e. blind copies)."""
    visible = {a.lower() for _, a in _addresses(message.parsed, "To") + _addresses(message.parsed, "Cc")}
    return [("", rcpt) for rcpt in message.rcpt_tos if rcpt.lower() not in visible]


def _summary_json(message: StoredMessage) -> dict[str, Any]:
    senders = _addresses(message.parsed, "From") or [("", message.mail_from)]
    return {
        "ID": message.id,
        "MessageID": message.message_id,
        "From": _address_json(senders[:1])[0],
        "To": _address_json(message.to),
        "Cc": _address_json(_addresses(message.parsed, "Cc")),
        "Bcc": _address_json(_bcc(message)),
        "Subject": message.subject,
        "Created": _rfc3339(message.created),
        "Size": len(message.raw),
        "Snippet": _snippet(message),
    }


def _detail_json(message: StoredMessage) -> dict[str, Any]:
    attachments = [
        {
            "PartID": part_id,
            "FileName": part.get_filename() or "",
            "ContentType": part.get_content_type(),
            "Size": len(_part_bytes(part)),
        }
        for part_id, part in _attachment_parts(message.parsed)
    ]
    return {
        **_summary_json(message),
        "ReturnPath": message.mail_from,
        "Text": message.text,
        "HTML": message.html,
        "Attachments": attachments,
    }


# --------------------------------------------------------------------------
# HTML pages (Norwegian bokmål)
# --------------------------------------------------------------------------

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; line-height: 1.5; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ccc; vertical-align: top; }
caption { text-align: left; font-weight: bold; padding: .4rem 0; }
pre { white-space: pre-wrap; background: #f4f4f4; padding: 1rem; border: 1px solid #ccc; }
iframe { width: 100%; min-height: 30rem; border: 1px solid #ccc; background: #fff; }
dt { font-weight: bold; }
dd { margin: 0 0 .5rem 0; }
a:focus, button:focus { outline: 3px solid #1d70b8; outline-offset: 2px; }
"""

# Message contents are untrusted: never allow scripts or plugins on these pages.
_HTML_CSP = "script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'self'"


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="nb">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _format_address(name: str, address: str) -> str:
    return f"{name} <{address}>" if name else address


def _format_addresses(pairs: list[tuple[str, str]]) -> str:
    return ", ".join(_format_address(name, address) for name, address in pairs)


def _time_html(moment: datetime) -> str:
    shown = moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f'<time datetime="{_rfc3339(moment)}">{shown}</time>'


def _sender(message: StoredMessage) -> str:
    return _format_addresses(_addresses(message.parsed, "From")) or message.mail_from


def _index_row(message: StoredMessage) -> str:
    subject = message.subject or "(uten emne)"
    return (
        f"<tr><td>{_time_html(message.created)}</td>"
        f"<td>{_esc(_sender(message))}</td>"
        f"<td>{_esc(_format_addresses(message.to))}</td>"
        f'<td><a href="/message/{_esc(message.id)}">{_esc(subject)}</a></td></tr>'
    )


def _count_text(count: int) -> str:
    return "1 melding" if count == 1 else f"{count} meldinger"


def _index_page(messages: list[StoredMessage]) -> str:
    intro = (
        f"<h1>{_esc(TITLE)}</h1>\n"
        "<p>E-post sendt til utviklingsserveren havner her og sendes aldri videre.</p>\n"
        '<p><a href="/">Oppdater listen</a></p>\n'
        '<form method="post" action="/slett"><button type="submit">Slett alle meldinger</button></form>\n'
    )
    if not messages:
        return _page(TITLE, intro + "<p>Ingen e-poster mottatt ennå.</p>")
    rows = "\n".join(_index_row(m) for m in reversed(messages))
    table = (
        f"<table>\n<caption>{_count_text(len(messages))}, nyeste først</caption>\n"
        '<thead><tr><th scope="col">Tid</th><th scope="col">Fra</th>'
        '<th scope="col">Til</th><th scope="col">Emne</th></tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )
    return _page(TITLE, intro + table)


def _header_list(message: StoredMessage) -> str:
    items = [
        ("Fra", _sender(message)),
        ("Til", _format_addresses(message.to)),
        ("Kopi", _format_addresses(_addresses(message.parsed, "Cc"))),
        ("Konvolutt-avsender (MAIL FROM)", message.mail_from),
        ("Konvolutt-mottakere (RCPT TO)", ", ".join(message.rcpt_tos)),
        ("Message-ID", message.message_id),
    ]
    entries = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items if v)
    return f"<dl>{entries}<dt>Mottatt</dt><dd>{_time_html(message.created)}</dd></dl>"


def _text_section(message: StoredMessage) -> str:
    # The browser drops one newline right after <pre>; add one so the text's own survive.
    body = f"<pre>\n{_esc(message.text)}</pre>" if message.text else "<p>Meldingen har ingen ren tekst-del.</p>"
    return f"<h2>Ren tekst</h2>\n{body}"


def _html_section(message: StoredMessage) -> str:
    if not message.html:
        return "<h2>HTML</h2>\n<p>Meldingen har ingen HTML-del.</p>"
    return (
        f'<h2>HTML</h2>\n<iframe sandbox="" title="HTML-versjonen av e-posten" srcdoc="{_esc(message.html)}"></iframe>'
    )


def _attachment_section(message: StoredMessage) -> str:
    items = [
        f'<li><a href="/api/v1/message/{_esc(message.id)}/part/{_esc(pid)}">'
        f"{_esc(part.get_filename() or 'uten navn')}</a> "
        f"({_esc(part.get_content_type())}, {len(_part_bytes(part))} byte)</li>"
        for pid, part in _attachment_parts(message.parsed)
    ]
    body = f"<ul>{''.join(items)}</ul>" if items else "<p>Ingen vedlegg.</p>"
    return f"<h2>Vedlegg</h2>\n{body}"


def _message_page(message: StoredMessage) -> str:
    subject = message.subject or "(uten emne)"
    body = "\n".join(
        [
            '<p><a href="/">Tilbake til innboksen</a></p>',
            f"<h1>{_esc(subject)}</h1>",
            _header_list(message),
            _text_section(message),
            _html_section(message),
            _attachment_section(message),
            f'<p><a href="/api/v1/message/{_esc(message.id)}/raw">Vis rå melding</a></p>',
        ]
    )
    return _page(f"{subject} – {TITLE}", body)


def _error_page(status: HTTPStatus) -> str:
    heading = "Fant ikke siden" if status == HTTPStatus.NOT_FOUND else f"Feil {status.value}: {status.phrase}"
    body = f'<h1>{_esc(heading)}</h1>\n<p><a href="/">Tilbake til innboksen</a></p>'
    return _page(f"{heading} – {TITLE}", body)


# --------------------------------------------------------------------------
# HTTP server
# --------------------------------------------------------------------------

_SAFE_CONTENT_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")


class _UiServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], store: _MessageStore) -> None:
        self.address_family = _family(address[0])
        self.store = store
        super().__init__(address, _UiHandler)


class _HttpError(Exception):
    """Raised by route handlers to answer with an error status (404, 400)."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class _UiHandler(BaseHTTPRequestHandler):
    server_version = "samhandling-mailsink"

    @property
    def store(self) -> _MessageStore:
        return cast(_UiServer, self.server).store

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib signature)
        log.debug("mail sink UI: " + format, *args)

    # -- responses -------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, payload: Any, status: int = HTTPStatus.OK) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send(status, body, "application/json; charset=utf-8")

    def _send_html(self, page: str, status: int = HTTPStatus.OK) -> None:
        headers = {"Content-Security-Policy": _HTML_CSP, "Referrer-Policy": "no-referrer"}
        self._send(status, page.encode("utf-8"), "text/html; charset=utf-8", headers)

    def _send_error(self, status: HTTPStatus, message: str) -> None:
        if self.path.startswith("/api/"):
            self._send_json({"error": message}, status)
        else:
            self._send_html(_error_page(status), status)

    def _message(self, message_id: str) -> StoredMessage:
        message = self.store.get(message_id)
        if message is None:
            raise _HttpError(HTTPStatus.NOT_FOUND, f"message {message_id!r} not found")
        return message

    # -- routes ----------------------------------------------------------

    def _get_index(self, query: dict[str, list[str]]) -> None:
        self._send_html(_index_page(self.store.snapshot()))

    def _get_message_page(self, query: dict[str, list[str]], id: str) -> None:  # noqa: A002
        self._send_html(_message_page(self._message(id)))

    def _get_messages(self, query: dict[str, list[str]]) -> None:
        newest_first = list(reversed(self.store.snapshot()))
        start = _int_param(query, "start", 0)
        limit = _int_param(query, "limit", len(newest_first))
        selected = newest_first[start : start + limit]
        self._send_json(
            {
                "total": len(newest_first),
                "count": len(selected),
                "messages_count": len(newest_first),
                "start": start,
                "messages": [_summary_json(m) for m in selected],
            }
        )

    def _get_message(self, query: dict[str, list[str]], id: str) -> None:  # noqa: A002
        self._send_json(_detail_json(self._message(id)))

    def _get_raw(self, query: dict[str, list[str]], id: str) -> None:  # noqa: A002
        self._send(HTTPStatus.OK, self._message(id).raw, "text/plain; charset=utf-8")

    def _get_part(self, query: dict[str, list[str]], id: str, part: str) -> None:  # noqa: A002
        parts = dict(_leaf_parts(self._message(id).parsed))
        if part not in parts:
            raise _HttpError(HTTPStatus.NOT_FOUND, f"part {part!r} not found")
        found = parts[part]
        content_type = found.get_content_type()
        if not _SAFE_CONTENT_TYPE.fullmatch(content_type):
            content_type = "application/octet-stream"
        filename = quote(found.get_filename() or f"part-{part}")
        headers = {
            "Content-Disposition": f"attachment; filename*=UTF-8''{filename}",
            "Content-Security-Policy": "sandbox",
        }
        self._send(HTTPStatus.OK, _part_bytes(found), content_type, headers)

    def _delete_messages(self, query: dict[str, list[str]]) -> None:
        ids = self._json_body().get("IDs")
        self.store.delete(set(ids) if ids else None)
        self._send(HTTPStatus.OK, b"ok", "text/plain; charset=utf-8")

    def _post_delete_all(self, query: dict[str, list[str]]) -> None:
        self.store.delete()
        self.send_response(HTTPStatus.SEE_OTHER)
        self.send_header("Location", "/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _json_body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length == 0:
            return {}
        try:
            payload = json.loads(self.rfile.read(length))
        except json.JSONDecodeError as exc:
            raise _HttpError(HTTPStatus.BAD_REQUEST, f"invalid JSON body: {exc}") from exc
        if not isinstance(payload, dict):
            raise _HttpError(HTTPStatus.BAD_REQUEST, "request body must be a JSON object")
        return payload

    _ID = r"(?P<id>[A-Za-z0-9_-]+)"
    _ROUTES: ClassVar[list[tuple[str, re.Pattern[str], Callable[..., None]]]] = [
        ("GET", re.compile(r"/"), _get_index),
        ("GET", re.compile(rf"/message/{_ID}"), _get_message_page),
        ("GET", re.compile(r"/api/v1/messages"), _get_messages),
        ("DELETE", re.compile(r"/api/v1/messages"), _delete_messages),
        ("GET", re.compile(rf"/api/v1/message/{_ID}"), _get_message),
        ("GET", re.compile(rf"/api/v1/message/{_ID}/raw"), _get_raw),
        ("GET", re.compile(rf"/api/v1/message/{_ID}/part/(?P<part>[0-9.]+)"), _get_part),
        ("POST", re.compile(r"/slett"), _post_delete_all),
    ]

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        method = "GET" if self.command == "HEAD" else self.command
        routes = [(m, p.fullmatch(url.path), h) for m, p, h in self._ROUTES]
        matching = [(m, match, h) for m, match, h in routes if match]
        if not matching:
            self._send_error(HTTPStatus.NOT_FOUND, "not found")
            return
        for route_method, match, handler in matching:
            if route_method == method:
                self._run_route(handler, parse_qs(url.query), match.groupdict())
                return
        self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed")

    def _run_route(self, handler: Callable[..., None], query: dict[str, list[str]], groups: dict[str, str]) -> None:
        try:
            handler(self, query, **groups)
        except _HttpError as exc:
            self._send_error(exc.status, str(exc))

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()


def _int_param(query: dict[str, list[str]], name: str, default: int) -> int:
    values = query.get(name)
    if not values or values[0] == "":
        return default
    if not re.fullmatch(r"[0-9]+", values[0]):
        raise _HttpError(HTTPStatus.BAD_REQUEST, f"{name} must be a non-negative integer")
    return int(values[0])


# --------------------------------------------------------------------------
# The sink
# --------------------------------------------------------------------------


class MailSink:
    """An in-memory SMTP sink with an optional HTTP UI, for development and tests.

    Port 0 means "pick a free port"; after ``start()`` the attributes
    ``smtp_port`` and ``ui_port`` hold the real ports, and later restarts reuse
    them. ``ui_port=None`` disables the HTTP UI. Stored messages survive
    ``stop()``/``start()``.
    """

    def __init__(
        self,
        smtp_host: str = "127.0.0.1",
        smtp_port: int = 1025,
        ui_host: str = "127.0.0.1",
        ui_port: int | None = 8025,
    ) -> None:
        self.smtp_host = smtp_host
        self.smtp_port = smtp_port
        self.ui_host = ui_host
        self.ui_port = ui_port
        self._store = _MessageStore()
        self._handler = _SinkHandler(self._store)
        self._controller: Controller | None = None
        self._ui: _UiServer | None = None
        self._ui_thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------

    @property
    def running(self) -> bool:
        """True while the SMTP server is listening."""
        return self._controller is not None

    @property
    def ui_url(self) -> str | None:
        """Base URL of the HTTP UI (no trailing slash), or None without a UI."""
        if self.ui_port is None:
            return None
        return f"http://{_url_host(self.ui_host)}:{self.ui_port}"

    def start(self) -> None:
        """Start SMTP (and the UI, if enabled). Restarting reuses the same ports."""
        self.start_smtp()
        try:
            self._start_ui()
        except OSError:
            self.stop_smtp()
            raise

    def stop(self) -> None:
        """Stop SMTP and the UI. Stored messages are kept. Safe to call twice."""
        self.stop_smtp()
        self._stop_ui()

    def start_smtp(self) -> None:
        """Start only the SMTP server (e.g. after ``stop_smtp()``)."""
        if self._controller is not None:
            raise RuntimeError("mail sink SMTP server is already running")
        self.smtp_port = _probe_port(self.smtp_host, self.smtp_port)
        controller = Controller(
            self._handler,
            hostname=self.smtp_host,
            port=self.smtp_port,
            server_hostname=SMTP_BANNER_HOSTNAME,
        )
        try:
            controller.start()
        except OSError:  # port taken between the probe and the bind
            controller.stop(no_assert=True)
            controller.loop.close()
            raise
        self._controller = controller

    def stop_smtp(self) -> None:
        """Stop only the SMTP server: connections to ``smtp_port`` are then refused."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def _start_ui(self) -> None:
        if self.ui_port is None or self._ui is not None:
            return
        server = _UiServer((self.ui_host, self.ui_port), self._store)
        self.ui_port = int(server.server_address[1])
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="mailsink-ui", daemon=True
        )
        thread.start()
        self._ui, self._ui_thread = server, thread

    def _stop_ui(self) -> None:
        server, thread = self._ui, self._ui_thread
        self._ui, self._ui_thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> MailSink:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- accessors for tests ---------------------------------------------

    def messages(self) -> list[StoredMessage]:
        """All stored messages, oldest first."""
        return self._store.snapshot()

    def clear(self) -> None:
        """Delete all stored messages."""
        self._store.delete()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[StoredMessage]:
        """Block until at least ``count`` messages are stored; return all of them.

        Raises TimeoutError (listing what did arrive) after ``timeout`` seconds.
        """
        return self._store.wait_for(count, timeout)

    # -- fault injection -------------------------------------------------

    def refuse(
        self,
        code: int = 451,
        message: str = "4.3.0 Try again later",
        stage: Stage = "data",
        times: int | None = None,
    ) -> None:
        """Answer DATA (``stage="data"``) or each RCPT TO (``stage="rcpt"``) with an error.

        smtplib then raises SMTPDataError / SMTPRecipientsRefused with ``code``.
        With ``times=N`` only the next N such commands are refused, then the sink
        accepts again by itself; otherwise it refuses until ``accept()``.
        """
        if not 400 <= code <= 599:
            raise ValueError(f"refusal code must be a 4xx or 5xx SMTP code, not {code}")
        if stage not in ("data", "rcpt"):
            raise ValueError(f"stage must be 'data' or 'rcpt', not {stage!r}")
        if times is not None and times < 1:
            raise ValueError("times must be at least 1")
        self._handler.set_refusal(_Refusal(f"{code} {message}", stage, times))

    def accept(self) -> None:
        """Undo ``refuse()``: accept messages normally again."""
        self._handler.set_refusal(None)

    @property
    def refused_count(self) -> int:
        """How many SMTP commands have been refused because of ``refuse()`` so far."""
        return self._handler.refused


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dev.mailsink",
        description="samhandling development SMTP sink (never relays mail).",
    )
    parser.add_argument("--smtp-host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025, help="0 picks a free port")
    parser.add_argument("--ui-host", default="127.0.0.1")
    parser.add_argument("--ui-port", type=int, default=8025, help="0 picks a free port")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter
    sink = MailSink(args.smtp_host, args.smtp_port, args.ui_host, args.ui_port)
    try:
        with sink:
            print(f"SMTP: smtp://{_url_host(sink.smtp_host)}:{sink.smtp_port}", flush=True)
            print(f"Web:  {sink.ui_url}/", flush=True)
            print("Press Ctrl-C to stop.", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
