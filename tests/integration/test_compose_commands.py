"""The exact commands the containers run, as plain processes against local services.

docker-compose.yml is read with PyYAML, so a change there that these processes cannot run
(a renamed module, a flag gunicorn rejects, a setting the code no longer reads) fails here.
The compose environment is used as compose would interpolate it without a .env file, with only
a throw-away SECRET_KEY in the shell (compose refuses to start without one); only
the addresses of the database, the broker and the SMTP server, and the public URL, are
pointed at this machine. The Dockerfile's ENV is applied too, with /app replaced by the
checkout and the image's /opt/venv by the running virtualenv.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from dev.mailsink import MailSink
from shared.settings import PROJECT_ROOT, Settings
from tests.support.processes import Service, free_port, wait_until

pytestmark = pytest.mark.integration

COMPOSE_FILE = PROJECT_ROOT / "docker-compose.yml"
DOCKERFILE = PROJECT_ROOT / "Dockerfile"
VENV_BIN = Path(sys.executable).parent
# Compose-network addresses that have no meaning outside it; everything else is kept.
LOCAL_OVERRIDES = ("DATABASE_URL", "REDIS_URL", "SMTP_HOST", "SMTP_PORT", "PUBLIC_BASE_URL")
# What an operator sets (compose has no default for it); never a key used anywhere else.
THROWAWAY_SECRET = {"SECRET_KEY": secrets.token_urlsafe(48)}
VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<default>[^}]*))?\}")


def interpolate(value: str, shell: Mapping[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR-default} against the shell's variables."""

    def substitute(match: re.Match[str]) -> str:
        name, op, default = match["name"], match["op"], match["default"] or ""
        if op == ":-":
            return shell.get(name) or default
        if op == "-":
            return shell.get(name, default)
        if op in (":?", "?"):
            if not shell.get(name):
                raise AssertionError(f"compose requires {name}: {default}")
            return shell[name]
        return shell.get(name, "")

    return VARIABLE.sub(substitute, value)


def compose() -> dict[str, Any]:
    return YAML(typ="safe", pure=True).load(COMPOSE_FILE.read_text())


def dockerfile_env() -> dict[str, str]:
    """The runtime stage's ENV (the last FROM onwards), KEY=value pairs."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    runtime = text[text.rindex("\nFROM "):]
    env: dict[str, str] = {}
    for line in runtime.splitlines():
        if line.startswith("ENV "):
            env.update(pair.split("=", 1) for pair in line[4:].split())
    return env


def service_command(name: str, shell: Mapping[str, str]) -> list[str]:
    command = compose()["services"][name]["command"]
    assert isinstance(command, list), f"{name}: keep the exec (list) form of command"
    return [interpolate(str(part), shell) for part in command]


def service_env(name: str, shell: Mapping[str, str], local: Mapping[str, str]) -> dict[str, str]:
    declared = {key: interpolate(str(value), shell)
                for key, value in compose()["services"][name]["environment"].items()}
    missing = [key for key in LOCAL_OVERRIDES if key not in declared]
    assert not missing, f"{name} no longer sets {missing}; adapt this test to the new names"
    image = dockerfile_env()
    assert image.get("PYTHONPATH") == "/app", "the image runs the source tree at /app"
    image["PYTHONPATH"] = str(PROJECT_ROOT)
    image["PATH"] = image.get("PATH", "$PATH").replace("/opt/venv/bin", str(VENV_BIN)).replace(
        "$PATH", os.environ.get("PATH", "/usr/bin:/bin"))
    return {"HOME": os.environ.get("HOME", "/root"), **image, **declared, **local}


@pytest.fixture
def shell() -> dict[str, str]:
    """What compose interpolates from: no .env and none of its variables set but SECRET_KEY."""
    return dict(THROWAWAY_SECRET)


def _readyz(url: str) -> int:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


@pytest.fixture
def compose_processes(settings: Settings, broker_url: str, sink: MailSink, shell, tmp_path,
                      ) -> Iterator[tuple[str, dict[str, Service]]]:
    port = free_port()
    local = {
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": broker_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(sink.smtp_port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    services: dict[str, Service] = {}
    try:
        migrate = subprocess.run(
            service_command("migrate", shell), env=service_env("migrate", shell, local),
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr

        intake_command = service_command("intake", shell)
        bind = intake_command.index("--bind") + 1
        published = compose()["services"]["intake"]["ports"][0].rsplit(":", 1)[-1]
        assert intake_command[bind] == f"0.0.0.0:{published}", "gunicorn binds the published port"
        intake_command[bind] = f"127.0.0.1:{port}"
        for name, command in (("intake", intake_command),
                              ("notifier", service_command("notifier", shell)),
                              ("scheduler", service_command("scheduler", shell))):
            services[name] = Service(name, command, service_env(name, shell, local), tmp_path).start()
        yield f"http://127.0.0.1:{port}", services
    finally:
        for service in services.values():
            service.stop()


def test_the_compose_commands_run_and_deliver_a_complaint(compose_processes, sink, complaint):
    url, services = compose_processes

    def ready() -> bool:
        down = [name for name, service in services.items() if not service.running]
        assert not down, f"{down} exited:\n" + "\n".join(
            f"--- {name} ---\n{services[name].log()[-3000:]}" for name in down)
        return _readyz(url) == 200

    wait_until(ready, 60, "gunicorn's /readyz to answer 200")
    command = services["intake"].args
    assert command[command.index("--workers") + 1] == "2"  # ${WEB_CONCURRENCY:-2}

    request = urllib.request.Request(
        f"{url}/api/v1/complaints", data=json.dumps(complaint).encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201
        reference = json.load(response)["reference"]
    try:
        sink.wait_for(3, timeout=60)
    except Exception:
        raise AssertionError("\n".join(
            f"--- {name} ---\n{s.log()[-3000:]}" for name, s in services.items())) from None
    messages = sink.messages()
    assert all(reference in message.subject for message in messages)
    assert sorted(r for message in messages for r in message.rcpt_tos) == [
        "kari.johansen@kommune.example", "kari@example.org", "per.hansen@bonord.example"]
    assert "production" == service_env("intake", THROWAWAY_SECRET, {})["APP_ENV"]


def test_interpolation_matches_compose_rules():
    shell = {"SET": "x", "EMPTY": ""}
    assert interpolate("${SET:-d}/${EMPTY:-d}/${UNSET:-d}", shell) == "x/d/d"
    assert interpolate("${SET-d}/${EMPTY-d}/${UNSET-d}", shell) == "x//d"
    assert interpolate("${SET}/${UNSET}", shell) == "x/"


def test_docker_compose_config_is_valid():
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed")
    result = subprocess.run([binary, "-f", str(COMPOSE_FILE), "config", "-q"], cwd=PROJECT_ROOT,
                            env={**os.environ, **THROWAWAY_SECRET},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_compose_interpolation_requires_a_secret_key():
    with pytest.raises(AssertionError, match="secrets.token_urlsafe"):
        service_env("intake", {}, {})


def test_every_service_is_health_checked_and_waited_for():
    """Each long-running service has a health check; nothing starts before what it needs is
    healthy (or, for the one-shot migration, has finished)."""
    services = compose()["services"]
    one_shot = {name for name, service in services.items() if service.get("restart") == "no"}
    assert one_shot == {"migrate"}
    unchecked = [name for name in services if name not in one_shot and "healthcheck" not in services[name]]
    assert unchecked == []
    for name, service in services.items():
        for needed, condition in service.get("depends_on", {}).items():
            expected = "service_completed_successfully" if needed in one_shot else "service_healthy"
            assert condition == {"condition": expected}, (name, needed, condition)
