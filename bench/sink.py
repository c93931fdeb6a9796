"""The benches' SMTP sink: aiosmtpd with a handler that only notes what arrived.

`dev.mailsink` (the sink `make run` starts) parses and keeps every message for its web UI and
Mailpit-compatible API; the benches only need which case's e-mail reached whom, and when. This
handler decodes the Subject header alone and keeps (subject, recipients, time): no MIME parse,
no copy of the body. `python -m bench.sink` measures what each sink costs per message, with
the same client (one SMTP connection kept open, as the notifier does) in a child process, so the
CPU time of this process is the sink's.
"""
from __future__ import annotations

import argparse
import datetime as dt
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from email.policy import default

from aiosmtpd.controller import Controller

from bench.common import free_port, record, table

SUBJECT = re.compile(rb"^Subject:[ \t]*([^\r\n]*(?:\r?\n[ \t][^\r\n]*)*)", re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class Received:
    subject: str
    rcpt_tos: tuple[str, ...]
    created: dt.datetime  # when the sink accepted it (UTC)


def subject_of(raw: bytes) -> str:
    """The decoded Subject of a raw message, looked for in the header block only."""
    found = SUBJECT.search(raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0])
    if not found:
        return ""
    unfolded = re.sub(rb"\r?\n(?=[ \t])", b"", found.group(1)).decode("ascii", "replace")
    return str(default.header_factory("Subject", unfolded))  # RFC 2047 words decoded


class _Counting:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        seen = Received(subject_of(envelope.original_content or envelope.content or b""),
                        tuple(envelope.rcpt_tos), dt.datetime.now(dt.UTC))
        with self.lock:
            self.received.append(seen)
        return "250 Message accepted for delivery"


class CountingSink:
    """start(), stop(), smtp_port, messages(), clear(): what the benches use of a sink."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.smtp_host, self.smtp_port = host, port or free_port()
        self._handler = _Counting()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self._handler, hostname=self.smtp_host, port=self.smtp_port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[Received]:
        with self._handler.lock:
            return list(self._handler.received)

    def clear(self) -> None:
        with self._handler.lock:
            self._handler.received.clear()


# -- what a sink costs ------------------------------------------------------------------------

CLIENT = r"""
import smtplib, sys
from email.message import EmailMessage
port, count = int(sys.argv[1]), int(sys.argv[2])
text = "Hei,\n\nEn ny klage om støy er registrert for Prestvannet borettslag.\n" * 12
with smtplib.SMTP("127.0.0.1", port) as smtp:
    for n in range(count):
        message = EmailMessage()
        message["From"] = "samhandling <noreply@samhandling.example>"
        message["To"] = "Anne Nilsen <anne.nilsen@bonord.example>"
        message["Subject"] = f"Ny klage KL-2027-{n:04d} (Prestvannet borettslag)"
        message["Message-ID"] = f"<bench-{n}@samhandling.example>"
        message.set_content(text)
        message.add_alternative("<p>" + text.replace("\n", "<br>") + "</p>", subtype="html")
        smtp.send_message(message)
"""


def cost_per_message(make_sink, count: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    """(CPU ms of this process per message, wall s, messages kept) while a child sends `count`."""
    sink = make_sink()
    sink.start()
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        subprocess.run([sys.executable, "-c", CLIENT, str(sink.smtp_port), str(count)], check=True)
        while len(sink.messages()) < count and time.perf_counter() - wall < 60:
            time.sleep(0.01)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        return cpu / count * 1000, wall, len(sink.messages())
    finally:
        sink.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sink")
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    from dev.mailsink import MailSink

    sinks = {
        "dev.mailsink.MailSink (make run's sink: parses, keeps, UI off)":
            lambda: MailSink(smtp_port=0, ui_port=None),
        "bench.sink.CountingSink (subject, recipients, time)": CountingSink,
    }
    results = {name: cost_per_message(make, args.messages) for name, make in sinks.items()}
    rows = [[name, f"{ms:.2f}", f"{args.messages / wall:.0f}", kept]
            for name, (ms, wall, kept) in results.items()]
    (full, _, _), (counting, _, _) = results.values()
    record("SMTP sink cost per message", (
        f"`python -m bench.sink`: {args.messages} messages (text + HTML, ~2 KB) over one kept "
        "SMTP connection from a child process; CPU time of the sink's process per message.\n\n"
        + table(["sink", "CPU ms/message", "messages/s", "kept"], rows)
        + f"\n\nratio CPU per message counting/full: **{counting / full:.2f}×**"
    ))


if __name__ == "__main__":
    main()
