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
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from email.policy import default
from pathlib import Path

from aiosmtpd.controller import Controller

from bench.common import free_port, record, table, wait_until
from bench.cpu import of_process
from tests.support.processes import port_open

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

    name = "counting aiosmtpd"

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


class PostfixSink:
    """Postfix's `smtp-sink` (a small SMTP server in C written for benchmarks; Debian's postfix
    package): each message dumped to a file of its own, read back only when asked, so receiving
    costs the bench's Python nothing. When it was accepted is the file's modification time
    (the kernel's clock tick, a few ms). Same interface as CountingSink, and `pid` for its CPU."""

    name = "postfix smtp-sink"

    def __init__(self, port: int = 0) -> None:
        self.smtp_host, self.smtp_port = "127.0.0.1", port or free_port()
        # In memory where there is a tmpfs: a file per message then costs no disk.
        memory = "/dev/shm" if Path("/dev/shm").is_dir() else None
        self._dir = Path(tempfile.mkdtemp(prefix="bench-smtp-sink-", dir=memory))
        self._dir.chmod(0o777)  # smtp-sink drops root for nobody before it writes
        self._process: subprocess.Popen[bytes] | None = None
        self._read: dict[str, Received] = {}  # file name → what it held, each file read once

    @staticmethod
    def program() -> str | None:
        """Where smtp-sink is: on the PATH, or in /usr/sbin (not on every user's PATH)."""
        found = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
        return found if Path(found).exists() else None

    @classmethod
    def available(cls) -> bool:
        return cls.program() is not None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def start(self) -> None:
        program = self.program()
        assert program is not None, "smtp-sink is not installed (Debian's postfix package)"
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        process = self._process = subprocess.Popen([program, *user, "-d", f"{self._dir}/%H%M%S.",
                                                    f"{self.smtp_host}:{self.smtp_port}", "256"])

        def listening() -> bool:
            if process.poll() is not None:
                raise RuntimeError(f"{program} exited with {process.returncode}")
            return port_open(self.smtp_port)

        wait_until(listening, 10, f"smtp-sink on port {self.smtp_port}", interval=0.05)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None
        shutil.rmtree(self._dir, ignore_errors=True)

    def count(self) -> int:
        return len(os.listdir(self._dir))

    def messages(self) -> list[Received]:
        """Every message so far. A file written to in the last second may still grow (its time
        with it): read again next time, the others once."""
        recent, settled = [], time.time() - 1.0
        for entry in os.scandir(self._dir):
            if entry.name not in self._read:
                found = self._parse(entry)
                if found is None:
                    continue
                if found.created.timestamp() < settled:
                    self._read[entry.name] = found
                else:
                    recent.append(found)
        return [*self._read.values(), *recent]

    @staticmethod
    def _parse(entry: os.DirEntry[str]) -> Received | None:
        """The dump: smtp-sink's X-…-Args lines (the envelope), then the message as received."""
        with open(entry.path, "rb") as dump:
            raw = dump.read()
        if b"\n\n" not in raw:
            return None  # its headers still being written: read it next time
        recipients = tuple(found.decode() for found in RCPT.findall(raw.split(b"\nReceived:", 1)[0]))
        accepted = dt.datetime.fromtimestamp(entry.stat().st_mtime_ns / 1e9, dt.UTC)
        return Received(subject_of(raw), recipients, accepted)

    def clear(self) -> None:
        for entry in os.scandir(self._dir):
            os.unlink(entry.path)
        self._read.clear()


RCPT = re.compile(rb"^X-Rcpt-Args: <([^>]*)>", re.MULTILINE)


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
    # A sink in its own process (smtp-sink) is measured there; the others are this process.
    spent = (lambda: of_process(sink.pid)) if isinstance(sink, PostfixSink) else time.process_time
    try:
        before, wall = spent(), time.perf_counter()
        subprocess.run([sys.executable, "-c", CLIENT, str(sink.smtp_port), str(count)], check=True)
        while len(sink.messages()) < count and time.perf_counter() - wall < 60:
            time.sleep(0.01)
        used, wall = spent() - before, time.perf_counter() - wall
        return used / count * 1000, wall, len(sink.messages())
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
    if PostfixSink.available():
        sinks["postfix smtp-sink (C; a file per message, read afterwards)"] = PostfixSink
    results = {name: cost_per_message(make, args.messages) for name, make in sinks.items()}
    rows = [[name, f"{ms:.2f}", f"{args.messages / wall:.0f}", kept]
            for name, (ms, wall, kept) in results.items()]
    (full, _, _), (counting, _, _), *cheapest = results.values()
    record("SMTP sink cost per message", (
        f"`python -m bench.sink`: {args.messages} messages (text + HTML, ~2 KB) over one kept "
        "SMTP connection from a child process; CPU time of the sink's process per message.\n\n"
        + table(["sink", "CPU ms/message", "messages/s", "kept"], rows)
        + f"\n\nratio CPU per message counting/full: **{counting / full:.2f}×**"
        + (f"; smtp-sink/full: **{cheapest[0][0] / full:.3f}×**" if cheapest else "")
    ))


if __name__ == "__main__":
    main()
