"""`python -m dev.run` (what `make run` calls): the whole system on one machine, for development.

Needs nothing but the virtualenv: when REDIS_URL or SMTP_HOST is unset, an in-memory
Redis-protocol server and an SMTP sink with a mail viewer run inside this process; the database
defaults to a SQLite file under var/. It migrates and loads the demo data, then starts intake
(gunicorn), notifier and scheduler as children, each in its own process group so that Ctrl-C and
SIGTERM reach only us and we decide how they stop.
"""
from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import FrameType
from typing import IO, NoReturn

from dev.mailsink import MailSink
from dev.redis_server import EmbeddedRedis
from shared.settings import PROJECT_ROOT, Settings

HOST = "127.0.0.1"
READY_TIMEOUT = 60.0
STOP_GRACE = 10.0
DEMO_ORGNR = "997273354"  # Prestvannet borettslag in the demo data


class StartupError(Exception):
    """Something the developer must fix before the system can start; the message says what."""


class ChildExited(Exception):
    """A child process stopped without being asked to."""


class Shutdown(Exception):
    """SIGINT or SIGTERM asked us to stop."""




@dataclass
class Config:
    """The environment the children get, plus what the banner needs to tell the developer."""

    env: dict[str, str]
    port: int
    mail_ui_url: str | None = None
    embedded: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"


def _int_env(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name) or str(default)
    try:
        return int(raw)
    except ValueError:
        raise StartupError(f"{name} må være et heltall, fikk {raw!r}") from None


def _start_embedded(start: Callable[[], None], what: str) -> None:
    """Start an in-process server, turning a taken port into advice instead of a traceback."""
    try:
        start()
    except OSError as error:
        raise StartupError(f"{what} kunne ikke starte: {error.strerror or error}") from None


def start_redis(stack: ExitStack, config: Config) -> None:
    """Use REDIS_URL when given; otherwise serve an embedded Redis from this process."""
    if config.env.get("REDIS_URL"):
        return
    redis = EmbeddedRedis(HOST, _int_env(config.env, "EMBEDDED_REDIS_PORT", 6399))
    _start_embedded(redis.start, f"Innebygd Redis på {HOST}:{redis.port} (EMBEDDED_REDIS_PORT)")
    stack.callback(redis.stop)
    config.env["REDIS_URL"] = redis.url
    config.embedded.append("Redis")


def start_mailsink(stack: ExitStack, config: Config) -> None:
    """Use SMTP_HOST when given; otherwise catch all mail in a sink the developer can browse."""
    if config.env.get("SMTP_HOST"):
        return
    sink = MailSink(
        smtp_host=HOST,
        smtp_port=_int_env(config.env, "SMTP_PORT", 1025),
        ui_host=HOST,
        ui_port=_int_env(config.env, "MAIL_UI_PORT", 8025),
    )
    smtp, ui = f"{HOST}:{sink.smtp_port}", f"{HOST}:{sink.ui_port}"
    _start_embedded(sink.start, f"E-postfella (SMTP {smtp}, SMTP_PORT; visning {ui}, MAIL_UI_PORT)")
    stack.callback(sink.stop)
    config.env.update(SMTP_HOST=HOST, SMTP_PORT=str(sink.smtp_port))
    config.mail_ui_url = sink.ui_url
    config.embedded.append("e-postfelle")


def _ensure_port_free(port: int) -> None:
    """Fail before starting gunicorn: otherwise /readyz might answer from some other server."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            raise StartupError(f"Port {port} er i bruk; sett PORT til en ledig port") from None


def prepare(stack: ExitStack) -> Config:
    """Decide every URL, starting the embedded services that stand in for missing ones."""
    env = dict(os.environ)
    config = Config(env=env, port=_int_env(env, "PORT", 8000))
    _ensure_port_free(config.port)
    env["DATABASE_URL"] = env.get("DATABASE_URL") or Settings().database_url
    env["PUBLIC_BASE_URL"] = env.get("PUBLIC_BASE_URL") or config.base_url
    env["PYTHONUNBUFFERED"] = "1"  # children's log lines reach us as they happen
    start_redis(stack, config)
    start_mailsink(stack, config)
    return config



_print_lock = threading.Lock()


def say(text: str, stream: IO[str] | None = None) -> None:
    """Print whole lines only, so our messages never interleave with a child's line."""
    with _print_lock:
        print(text, file=stream or sys.stdout, flush=True)


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    forwarder: threading.Thread

    def signal_group(self, signum: int) -> None:
        """Signal the whole group: gunicorn's and Celery's worker processes too."""
        try:
            os.killpg(self.process.pid, signum)
        except ProcessLookupError:
            pass


def _forward(name: str, stream: IO[bytes]) -> None:
    """Copy a child's output to our stdout, each line prefixed with the child's name."""
    with stream:
        for raw in stream:
            say(f"[{name}] {raw.decode('utf-8', errors='replace').rstrip()}")


def start_child(name: str, args: list[str], env: dict[str, str]) -> Child:
    """Start `python ARGS` in its own session, its output forwarded with a name prefix."""
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C in the terminal reaches only us
    )
    assert process.stdout is not None
    forwarder = threading.Thread(
        target=_forward, args=(name, process.stdout), name=f"out-{name}", daemon=True
    )
    forwarder.start()
    return Child(name, process, forwarder)


def child_commands(port: int) -> dict[str, list[str]]:
    """The three services, sized for a laptop: two web workers, two mail senders."""
    return {
        "intake": [
            "-m", "gunicorn", "--bind", f"{HOST}:{port}", "--workers", "2", "--threads", "4",
            "--worker-class", "gthread",
            # Gunicorn 27's control socket is one path per user (~/.gunicorn); a second
            # `make run` or the test of this module would take it over. Nothing here uses it.
            "--no-control-socket",
            "--config", "python:services.intake.gunicorn_conf",  # tokens out of its logs
            "services.intake:create_app()",
        ],
        "notifier": ["-m", "services.notifier", "--concurrency", "4"],  # as compose: tasks wait on PG and SMTP
        "scheduler": ["-m", "services.scheduler"],
    }


def stop_children(children: list[Child]) -> None:
    """SIGTERM every group, give them STOP_GRACE seconds together, then SIGKILL what is left.

    The final SIGKILL also reaches workers that outlived their master. Only the group leaders
    are waited for: a container's init may never reap orphans, so probing the group would lie.
    """
    for child in children:
        child.signal_group(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            say(f"{child.name} stoppet ikke innen {STOP_GRACE:.0f} s; dreper den", sys.stderr)
    for child in children:
        child.signal_group(signal.SIGKILL)
        child.process.wait()
        child.forwarder.join(timeout=2)


def check_children(children: list[Child]) -> None:
    """Nothing restarts a child here, so one that exits leaves the system half-working: stop."""
    for child in children:
        code = child.process.poll()
        if code is not None:
            raise ChildExited(f"{child.name} stoppet uventet (exit-kode {code}); stopper alt")




def run_setup(env: dict[str, str]) -> None:
    """Migrate and load the demo data before anything that needs the schema starts."""
    say("Migrerer databasen og laster demodata …")
    command = [sys.executable, "-m", "shared.cli", "setup"]
    code = subprocess.run(command, cwd=PROJECT_ROOT, env=env).returncode
    if code != 0:
        raise StartupError(f"`python -m shared.cli setup` feilet (exit-kode {code})")


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False  # not listening yet, or 503 while the broker or database is not reachable


def wait_ready(config: Config, children: list[Child]) -> None:
    """Poll /readyz, failing at once if a child dies instead of waiting out the timeout."""
    url = f"{config.base_url}/readyz"
    deadline = time.monotonic() + READY_TIMEOUT
    while not _ready(url):
        check_children(children)
        if time.monotonic() > deadline:
            raise StartupError(f"{url} svarte ikke 200 innen {READY_TIMEOUT:.0f} s")
        time.sleep(0.1)


# A complaint that routes to demo contacts, so the first try shows mail in the viewer.
EXAMPLE_COMPLAINT = {
    "cooperative_orgnr": DEMO_ORGNR,
    "category": "noise",
    "description": "Det bråker hver natt fra leilighet 3B.",
    "submitter": {"name": "Kari Styreleder", "email": "kari@example.org", "role": "board"},
}


def submit_demo_complaint(config: Config) -> str | None:
    """On a database without cases, the example complaint through the API, so the workspace's
    inbox and the mail viewer have a case to show; its reference, or None when there were cases."""
    from sqlalchemy import func, select

    from shared.db import make_engine
    from shared.models import Case

    engine = make_engine(config.env["DATABASE_URL"])
    try:
        with engine.connect() as connection:
            if connection.execute(select(func.count()).select_from(Case)).scalar_one():
                return None
    finally:
        engine.dispose()
    request = urllib.request.Request(
        f"{config.base_url}/api/v1/complaints", data=json.dumps(EXAMPLE_COMPLAINT).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        reference: str = json.load(response)["reference"]
    return reference


def example_curl(config: Config) -> str:
    data = shlex.quote(json.dumps(EXAMPLE_COMPLAINT, ensure_ascii=False))
    return (
        f"curl -sS -X POST {config.base_url}/api/v1/complaints "
        f"-H 'Content-Type: application/json' -d {data}"
    )


def banner(config: Config, elapsed: float, demo_reference: str | None = None) -> str:
    smtp = f"{config.env['SMTP_HOST']}:{config.env.get('SMTP_PORT')}"
    mail = config.mail_ui_url or f"sendes til {smtp}"
    embedded = f" (innebygd: {', '.join(config.embedded)})" if config.embedded else ""
    seconds = f"{elapsed:.1f}".replace(".", ",")
    return "\n".join([
        "",
        f"samhandling kjører{embedded}:",
        f"  Klageskjema:  {config.base_url}/klage",
        f"  Arbeidsflate: {config.base_url}/logg-inn  (demo: kari.johansen@kommune.example;"
        " innloggingslenken kommer i e-posten)",
        f"  API:          {config.base_url}/api/v1  (POST /api/v1/complaints)",
        f"  E-post:       {mail}",
        f"  Database:     {config.env['DATABASE_URL']}",
        f"  Redis:        {config.env['REDIS_URL']}",
        "",
        *([f"Demoklagen {demo_reference} er sendt inn og ligger i innboksen til kari.johansen@kommune.example.",
           ""] if demo_reference else []),
        "Send en klage fra et demoborettslag:",
        f"  {example_curl(config)}",
        "",
        f"Klar på {seconds} s. Ctrl-C stopper alt.",
        "",
    ])


def supervise(children: list[Child]) -> NoReturn:
    """Run until a signal raises Shutdown or a child exits on its own."""
    while True:
        check_children(children)
        time.sleep(0.5)




def _raise_shutdown(signum: int, _frame: FrameType | None) -> None:
    """Unwind from wherever the main thread is, so the ExitStack stops what has started."""
    raise Shutdown(signal.Signals(signum).name)


SignalHandler = Callable[[int, FrameType | None], None] | signal.Handlers


def _set_signal_handlers(handler: SignalHandler) -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, handler)


def start(stack: ExitStack, started: float) -> list[Child]:
    """Everything up to the banner; whatever has started is registered on the stack to stop."""
    config = prepare(stack)
    run_setup(config.env)
    children: list[Child] = []
    stack.callback(stop_children, children)  # after the embedded services, so it runs before them
    for name, args in child_commands(config.port).items():
        children.append(start_child(name, args, config.env))
    wait_ready(config, children)
    say(banner(config, time.monotonic() - started, submit_demo_complaint(config)))
    return children


def main() -> int:
    """Start everything, wait for a signal or a dying child, then stop everything."""
    started = time.monotonic()
    _set_signal_handlers(_raise_shutdown)
    with ExitStack() as stack:
        try:
            supervise(start(stack, started))
        except Shutdown as stop:
            say(f"Fikk {stop}; stopper alt …")
            code = 0
        except (StartupError, ChildExited) as error:
            say(f"Feil: {error}", sys.stderr)
            code = 1
        finally:
            # A second Ctrl-C must not cut the clean-up short and leave children running.
            _set_signal_handlers(signal.SIG_IGN)
    say("Alt er stoppet.")
    return code


if __name__ == "__main__":
    sys.exit(main())
