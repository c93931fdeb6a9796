"""What every benchmark shares: a throw-away database, child processes, machine facts, results.

Benchmarks are scripts, never tests: each prints a small table and its ratio to a baseline
measured in the same command. They use a dedicated PostgreSQL database (`samhandling_bench`,
dropped afterwards) and a dedicated Redis database number, never db 0.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import platform
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from shared.settings import PROJECT_ROOT
from tests.support.processes import free_port, wait_until  # noqa: F401 (the benchmarks use the suite's)

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_DB", "samhandling_bench")
DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL", f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
LOG_DIR = PROJECT_ROOT / "var" / "bench"
RESULTS = PROJECT_ROOT / "bench" / "RESULTS.md"
GUNICORN_OPTS = ["--workers", "2", "--threads", "4", "--worker-class", "gthread",
                 "--no-control-socket", "--log-level", "warning"]
COMPLAINT = {
    "cooperative_orgnr": "997273354",  # Prestvannet borettslag in the demo data
    "category": "noise",
    "description": "Det bråker hver natt fra leilighet 3B.",
    "submitter": {"name": "Kari Styreleder", "email": "kari@example.org", "role": "board"},
}


# -- the database ----------------------------------------------------------------------------

def _psql(sql: str) -> None:
    subprocess.run(["psql", PG_ADMIN, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def drop_database() -> None:
    _psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def fresh_database() -> None:
    """Drop, create, migrate and load the demo data: every run starts from the same state."""
    drop_database()
    _psql(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run([sys.executable, "-m", "shared.cli", "setup"], cwd=PROJECT_ROOT, check=True,
                   env={**os.environ, "DATABASE_URL": DATABASE_URL}, stdout=subprocess.DEVNULL)


def flush_bench_redis(url: str = REDIS_URL) -> None:
    """Empty only the bench's own Redis database number."""
    from redis import Redis

    if url.rstrip("/").endswith("/0"):
        raise SystemExit(f"refusing to flush Redis db 0 ({url}); set BENCH_REDIS_URL")
    client = Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


# -- child processes ------------------------------------------------------------------------

class Child:
    """A process in its own group; stop() signals the whole group (gunicorn/Celery children)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOG_DIR / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(args, env=env, cwd=PROJECT_ROOT, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def check(self) -> None:
        if self.process.poll() is not None:
            code = self.process.returncode
            raise RuntimeError(f"{self.name} exited ({code}); see {self.log_path}")

    def stop(self, grace: float = 10) -> None:
        for signum, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.pid, signum)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # pool children that outlived their master
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def children() -> Iterator[list[Child]]:
    started: list[Child] = []
    try:
        yield started
    finally:
        for child in reversed(started):
            child.stop()


def base_env(**overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "RATE_LIMIT_SUBMISSIONS": "100000000 per minute",
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }


def start_gunicorn(name: str, app: str, env: dict[str, str], port: int) -> Child:
    args = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *GUNICORN_OPTS, app]
    return Child(name, args, env)


def wait_http(url: str, child: Child, timeout: float = 60) -> None:
    def up() -> bool:
        child.check()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False

    wait_until(up, timeout, url)


def wait_log(child: Child, text: str, timeout: float = 60) -> None:
    def seen() -> bool:
        child.check()
        return text in child.log_path.read_text(errors="replace")

    wait_until(seen, timeout, f"{child.name} to log {text!r}")


# -- machine and results --------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> str:
    return (f"{os.cpu_count()} CPU ({cpu_model()}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def table(headers: list[str], rows: list[list[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|",
                      *map(line, cells[1:])])


def record(name: str, body: str) -> None:
    """Write a section into bench/RESULTS.md (replacing its namesake), then print it."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    about = f"_{stamp}; {machine()}; load average at the end {load}_"
    section = f"## {name}\n\n{about}\n\n{body.strip()}\n"
    text = RESULTS.read_text() if RESULTS.exists() else (
        "# Benchmark results\n\nWritten by `make bench` (each script replaces its own section).\n"
    )
    parts = text.split("\n## ")
    head, sections = parts[0], ["## " + p for p in parts[1:]]
    same = [i for i, s in enumerate(sections) if s.startswith(f"## {name}\n")]
    if same:  # in place, so the file keeps its order
        sections[same[0]] = section
    else:
        sections.append(section)
    RESULTS.write_text(head.rstrip() + "\n\n" + "\n".join(s.rstrip() + "\n" for s in sections))
    print(section, flush=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]
