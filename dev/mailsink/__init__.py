"""Development and test SMTP sink that keeps mail in memory and never relays it: never deploy it."""

import logging
import socket
import threading
from typing import Literal, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from werkzeug.serving import BaseWSGIServer

from dev.mailsink.store import StoredMessage
from dev.mailsink.web import make_ui_server

__all__ = ["MailSink", "StoredMessage"]
log = logging.getLogger(__name__)
Stage = Literal["data", "rcpt"]


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address in a URL


class MailSink:
    """An SMTP sink (its own aiosmtpd handler) with a viewer unless ``ui_port=None``; port 0
    picks a free port, kept, like the messages, across restarts."""

    def __init__(self, smtp_host: str = "127.0.0.1", smtp_port: int = 1025,
                 ui_host: str = "127.0.0.1", ui_port: int | None = 8025) -> None:
        self.smtp_host, self.smtp_port = smtp_host, smtp_port
        self.ui_host, self.ui_port = ui_host, ui_port
        self._messages: list[StoredMessage] = []  # oldest first
        self._changed = threading.Condition()
        self._controller: Controller | None = None
        self._ui: tuple[BaseWSGIServer, threading.Thread] | None = None
        self._refusal: tuple[str, Stage, int | None] | None = None  # reply, stage, times left
        self.refused_count = 0  # SMTP commands refused because of refuse()

    @property
    def running(self) -> bool:  # the SMTP server is listening
        return self._controller is not None

    @property
    def ui_url(self) -> str | None:
        return None if self.ui_port is None else f"http://{url_host(self.ui_host)}:{self.ui_port}"

    def start(self) -> None:  # SMTP, and the viewer if enabled
        self.start_smtp()
        try:
            if self.ui_port is not None and self._ui is None:
                server = make_ui_server(self.ui_host, self.ui_port, self)
                self.ui_port = server.port
                thread = threading.Thread(target=server.serve_forever, args=(0.1,),
                                          name="mailsink-ui", daemon=True)
                thread.start()
                self._ui = server, thread
        except OSError:
            self.stop_smtp()
            raise

    def stop(self) -> None:  # SMTP and the viewer; safe to call twice
        self.stop_smtp()
        if self._ui is not None:
            (server, thread), self._ui = self._ui, None
            server.shutdown()
            thread.join()  # serve_forever closes the socket as it returns

    def start_smtp(self) -> None:
        if self._controller is not None:
            raise RuntimeError("mail sink SMTP server is already running")
        # Bind as asyncio will: a taken port fails here at once, and port 0 becomes a free one.
        family = socket.getaddrinfo(self.smtp_host, 0)[0][0]
        with socket.create_server((self.smtp_host, self.smtp_port), family=family) as probe:
            self.smtp_port = probe.getsockname()[1]
        controller = Controller(self, hostname=self.smtp_host, port=self.smtp_port,
                                server_hostname="mailsink.samhandling.localhost")
        try:
            controller.start()
        except OSError:  # port taken between the probe and the bind: free the loop, then fail
            controller.loop.close()
            raise
        self._controller = controller

    def stop_smtp(self) -> None:
        """Stop only SMTP: connections to ``smtp_port`` are then refused."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def messages(self) -> list[StoredMessage]:
        with self._changed:
            return list(self._messages)

    def delete(self, ids: set[str] | None = None) -> None:  # these messages, or all of them
        with self._changed:
            self._messages = [m for m in self._messages if ids is not None and m.id not in ids]

    def clear(self) -> None:
        self.delete()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[StoredMessage]:
        """All messages once at least ``count`` arrived; TimeoutError after ``timeout`` seconds."""
        with self._changed:
            if self._changed.wait_for(lambda: len(self._messages) >= count, timeout):
                return list(self._messages)
            got = [m.subject for m in self._messages]
        raise TimeoutError(f"Mail sink: expected at least {count} message(s) within {timeout:g}s, "
                           f"but received {len(got)}; subjects so far: {got!r}")

    def refuse(self, code: int = 451, message: str = "4.3.0 Try again later",
               stage: Stage = "data", times: int | None = None) -> None:
        """Refuse DATA, or each RCPT TO, with ``code``: ``times`` times, or until accept()."""
        valid = 400 <= code <= 599 and stage in ("data", "rcpt") and (times is None or times >= 1)
        if not valid:
            raise ValueError(f"refuse() wants a 4xx or 5xx code, stage 'data' or 'rcpt' and "
                             f"times of at least 1, not {code}, {stage!r}, {times}")
        with self._changed:
            self._refusal = f"{code} {message}", stage, times

    def accept(self) -> None:
        with self._changed:
            self._refusal = None

    def _refusal_for(self, stage: Stage) -> str | None:
        with self._changed:
            if self._refusal is None or self._refusal[1] != stage:
                return None
            reply, _, left = self._refusal
            self.refused_count += 1
            if left is not None:
                self._refusal = (reply, stage, left - 1) if left > 1 else None
            return reply

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, options: list[str]) -> str:
        if (reply := self._refusal_for("rcpt")) is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if (reply := self._refusal_for("data")) is not None:
            return reply
        message = StoredMessage.receive(envelope.mail_from or "", envelope.rcpt_tos,
                                        envelope.original_content or b"")
        with self._changed:
            self._messages.append(message)
            self._changed.notify_all()
        log.info("Mail sink received %r for %s", message.subject, ", ".join(message.rcpt_tos))
        return "250 Message accepted for delivery"
