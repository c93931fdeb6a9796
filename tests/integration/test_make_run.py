"""`python -m dev.run` (what `make run` starts) as a developer uses it, with embedded defaults only.

It must come up with nothing but the virtualenv, deliver a complaint's mail to its own viewer,
and leave no process or port behind after Ctrl-C. Free ports everywhere, so neither the real
Redis nor a running `make run` on this machine is touched.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from shared.settings import PROJECT_ROOT
from tests.support.processes import free_port, port_open, wait_until

pytestmark = pytest.mark.integration

COMPLAINT = {
    "cooperative_orgnr": "997273354",
    "category": "noise",
    "description": "Det bråker hver natt fra leilighet 3B.",
    "submitter": {"name": "Kari Styreleder", "email": "kari@example.org", "role": "board"},
}
# The municipality's contact, the borettslag's contact, and the receipt to the submitter.
EXPECTED_RECIPIENTS = [
    "kari.johansen@kommune.example", "kari@example.org", "per.hansen@bonord.example",
]
# Telegrafbukta borettslag is agreement 2's (Tromsø kommune and Ishavsbo, shared/data/agreements):
# Ishavsbo's officer and Tromsø's contact for that agreement, never BoNord nor Kari Johansen.
SECOND_AGREEMENT_COMPLAINT = {**COMPLAINT, "cooperative_orgnr": "914000009",
                              "submitter": {**COMPLAINT["submitter"], "email": "ola@example.org"}}
SECOND_AGREEMENT_RECIPIENTS = [
    "jonas.lie@ishavsbo.example", "ola@example.org", "siri.eriksen@kommune.example",
]
PORT_VARIABLES = ("PORT", "MAIL_UI_PORT", "SMTP_PORT", "EMBEDDED_REDIS_PORT")
MARKER_VARIABLE = "SAMHANDLING_TEST_DEV_RUN"
# Unset so dev.run starts its embedded Redis and mail sink, and derives the public URL.
DROPPED_VARIABLES = {"REDIS_URL", "SMTP_HOST", "PUBLIC_BASE_URL"}


@dataclass
class DevRun:
    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    marker: str
    log_path: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.ports['PORT']}{path}"

    def mail_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.ports['MAIL_UI_PORT']}{path}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _marked_pids(marker: str) -> list[int]:
    """Processes whose environment carries the marker: dev.run and every child it started."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if f"{MARKER_VARIABLE}={marker}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _kill_leftovers(marker: str) -> None:
    for pid in _marked_pids(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def dev_run(tmp_path: Path) -> Iterator[DevRun]:
    ports = {name: free_port() for name in PORT_VARIABLES}
    marker = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_VARIABLES}
    env.update({name: str(port) for name, port in ports.items()})
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'samhandling.db'}",
        APP_ENV="development",
        **{MARKER_VARIABLE: marker},
    )
    log_path = tmp_path / "dev-run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "dev.run"], cwd=PROJECT_ROOT, env=env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    run = DevRun(process, ports, marker, log_path)
    yield run
    if process.poll() is None:  # the test failed before its own Ctrl-C
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    _kill_leftovers(marker)


def _get_json(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, None
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, None


def _post_json(url: str, body: dict[str, Any]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def wait_for_banner(run: DevRun) -> None:
    """dev.run prints "Klar på …" only after its own /readyz check passed."""

    def printed() -> bool:
        code = run.process.poll()
        assert code is None, f"dev.run exited with {code}:\n{run.log()}"
        return "Klar på" in run.log()

    wait_until(printed, timeout=90, what="dev.run to say it is ready")


def wait_for_messages(run: DevRun, count: int) -> list[dict[str, Any]]:
    def arrived() -> bool:
        status, body = _get_json(run.mail_url("/api/v1/messages"))
        return status == 200 and body["total"] >= count

    wait_until(arrived, timeout=30, what=f"{count} messages in the mail viewer")
    return _get_json(run.mail_url("/api/v1/messages"))[1]["messages"]


def test_make_run_serves_a_complaint_end_to_end_and_stops_on_ctrl_c(dev_run: DevRun) -> None:
    wait_for_banner(dev_run)
    assert _get_json(dev_run.url("/readyz"))[0] == 200
    # A fresh database gets the demo complaint, so the inbox and the viewer have a case to show.
    assert "Demoklagen KL-" in dev_run.log()
    messages = wait_for_messages(dev_run, 3)
    assert sorted(to["Address"] for message in messages for to in message["To"]) == EXPECTED_RECIPIENTS

    status, body = _post_json(dev_run.url("/api/v1/complaints"), COMPLAINT)
    assert status == 201, body

    messages = wait_for_messages(dev_run, 6)
    recipients = sorted(to["Address"] for message in messages for to in message["To"])
    assert recipients == sorted(EXPECTED_RECIPIENTS * 2)

    # The demo's further agreements are loaded too: the one form lists their borettslag and sameier.
    with urllib.request.urlopen(dev_run.url("/klage"), timeout=5) as response:
        form = response.read().decode()
    assert "Telegrafbukta borettslag" in form and "Sjøgata sameie" in form
    seen = {message["ID"] for message in messages}
    status, body = _post_json(dev_run.url("/api/v1/complaints"), SECOND_AGREEMENT_COMPLAINT)
    assert status == 201, body
    new = [message for message in wait_for_messages(dev_run, 9) if message["ID"] not in seen]
    recipients = sorted(to["Address"] for message in new for to in message["To"])
    assert recipients == SECOND_AGREEMENT_RECIPIENTS
    copied = [to["Address"] for message in new for to in message["To"] + message["Cc"] + message["Bcc"]]
    assert not any(address.endswith("@bonord.example") for address in copied), copied

    dev_run.process.send_signal(signal.SIGINT)
    assert dev_run.process.wait(timeout=20) == 0, dev_run.log()
    still_open = [name for name, port in dev_run.ports.items() if port_open(port)]
    assert still_open == [], dev_run.log()
    if Path("/proc/self/environ").exists():
        assert _marked_pids(dev_run.marker) == [], dev_run.log()
