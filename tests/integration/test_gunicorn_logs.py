"""gunicorn as compose and the image run it: no tracking token, action link token or e-mail
address reaches a log line (access log, error log or the app's own), the redacted path does."""
from __future__ import annotations

import base64
import json
import re
import sys
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import pytest

from shared import action_links
from shared.models import Case
from shared.settings import PROJECT_ROOT
from tests.integration.test_compose_commands import DOCKERFILE, THROWAWAY_SECRET, service_command
from tests.support.processes import Service, free_port, wait_until
from tests.unit.test_routing import route, submit

pytestmark = pytest.mark.integration

CONTACT = "kari.johansen@kommune.example"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def request(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None,
            method: str = "GET") -> tuple[int, str]:
    call = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(call, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError:
        return 0, ""


def gunicorn_command(port: int) -> list[str]:
    """The intake's command from docker-compose.yml, bound to a free local port, one worker."""
    command = service_command("intake", THROWAWAY_SECRET)
    command[command.index("--bind") + 1] = f"127.0.0.1:{port}"
    command[command.index("--workers") + 1] = "1"
    return [sys.executable, "-m", *command[command.index("gunicorn"):]]


def test_the_dockerfile_runs_gunicorn_with_the_same_config():
    cmd = json.loads(DOCKERFILE.read_text().rsplit("\nCMD ", 1)[1].replace("\\\n", " "))
    compose = service_command("intake", THROWAWAY_SECRET)
    for command in (cmd, compose):
        assert command[command.index("--config") + 1] == "python:services.intake.gunicorn_conf"


def test_gunicorn_logs_carry_no_tokens_or_addresses(settings, sessions, complaint, tmp_path: Path):
    case_id = submit(sessions, complaint)
    route(sessions, case_id, event_id="event-1")
    with sessions() as session:
        version = session.get_one(Case, case_id).version
    action_token = action_links.sign(settings, case_id=case_id, action="acknowledge",
                                     recipient=CONTACT, source="<m@x>", version=version)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT),
        "HOME": str(tmp_path), "APP_ENV": "development", "SECRET_KEY": settings.secret_key,
        "DATABASE_URL": settings.database_url, "RATE_LIMIT_STORAGE": "memory://",
        "PUBLIC_BASE_URL": base, "LOG_FORMAT": "json",
    }
    intake = Service("intake", gunicorn_command(port), env, tmp_path).start()
    try:
        wait_until(lambda: request(f"{base}/healthz")[0] == 200 or not intake.running, 60,
                   "gunicorn to answer /healthz")
        assert intake.running, intake.log()

        status, body = request(f"{base}/api/v1/complaints", data=json.dumps(complaint).encode(),
                               headers={"Content-Type": "application/json"}, method="POST")
        assert status == 201, body
        tracking_url = json.loads(body)["tracking_url"]
        tracking_token = tracking_url.rsplit("/", 1)[1]
        assert request(tracking_url, headers={"Referer": tracking_url})[0] == 200
        assert request(f"{tracking_url}?lang=nb")[0] == 200
        handling = f"{base}/handling/{action_token}"
        status, page = request(handling, headers={"Referer": handling})
        assert status == 200 and "Ta saken" in page
        assert request(handling, data=b"comment=x", method="POST",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})[0] == 400
        login_token = "Zm9vYmFyLWxvZ2luLXRva2VuLTEyMzQ1Njc4OTA"
        request(f"{base}/logg-inn/{login_token}")
    finally:
        intake.stop()

    log = intake.log()
    assert "GET /healthz" in log, "the access log is on"
    compressed = action_token.startswith(".")  # a leading "." marks a zlib-compressed payload
    payload = action_token.removeprefix(".").split(".")[0]
    for secret in (tracking_token, action_token, payload, login_token):
        assert secret not in log
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    decoded = zlib.decompress(decoded) if compressed else decoded
    assert CONTACT.encode() in decoded  # the action link really carried the address ...
    assert EMAIL.findall(log) == []     # ... and no address is in the logs
    assert "/sak/…" in log and "/handling/…" in log and "/logg-inn/…" in log
