"""The fault scenarios at scale: `python -m tests.faults.scale` (what `make faults` runs).

Each scenario posts FAULT_COMPLAINTS complaints (default 1000) to the whole system (intake in
this process, relay+beat, a notifier worker, a private redis-server, an SMTP sink), breaks one
part mid-batch, mends it, waits for every e-mail and counts:

  posted       complaints answered 201
  refused      503 {"error": {"code": "unavailable"}} answers, retried by the client (DB outage)
  cased        posted complaints found as cases
  mailed once  (case, recipient) pairs that arrived exactly once (3 per case)
  lost         pairs that never arrived
  doubled      copies beyond the first
  recover s    seconds from the fault's end to the last e-mail (includes draining the backlog)
  longest gap  the longest stretch without any e-mail, from the fault's start to the last e-mail

The database is a private PostgreSQL cluster (initdb into a temp dir) when the server binaries
are installed, which scenario (d) needs; without them the test database (DATABASE_URL or a
SQLite file) is used and (d) is skipped. Exits 1 if anything is lost, if an answer other than
201 or a JSON 503 came back, or if a scenario did not finish. Not collected by pytest.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

from dev.mailsink import MailSink
from shared.db import make_engine, make_sessionmaker
from shared.settings import PROJECT_ROOT, Settings
from tests.support.counts import RECIPIENTS_PER_CASE, tally
from tests.support.database import reset
from tests.support.load import Load, pairs_received, quietly
from tests.support.postgres import PostgresServer
from tests.support.processes import RedisServer, wait_until
from tests.support.stack import Stack

COMPLAINT = {
    "cooperative_orgnr": "997273354",
    "category": "noise",
    "description": "Det bråker hver natt fra leilighet 3B, også etter klokken 23.",
    "submitter": {"name": "Kari Styreleder", "email": "kari@example.org", "role": "board"},
}
OUTAGE_SECONDS = float(os.environ.get("FAULT_OUTAGE_SECONDS", "10"))
SETTLE_SECONDS = 3.0  # after the last pair arrives, wait this long for late doubles


@dataclass
class Row:
    scenario: str
    posted: int = 0
    refused: int = 0
    cased: int = 0
    mailed_once: int = 0
    lost: int = 0
    doubled: int = 0
    recover: float | None = None
    gap: float | None = None
    wall: float = 0.0
    errors: int = 0
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.lost > 0 or self.errors > 0 or self.note.startswith("FAILED")


@dataclass
class Run:
    """What a scenario gets: the running stack, its broker, the database, the load."""

    stack: Stack
    redis: RedisServer
    postgres: PostgresServer | None
    count: int
    fault_started: datetime | None = None

    def mail(self) -> int:
        return len(self.stack.sink.messages())

    def breaking(self) -> None:
        self.fault_started = datetime.now(UTC)


def fault_worker_killed(run: Run, load: Load) -> str:
    wait_until(lambda: run.mail() >= run.count * RECIPIENTS_PER_CASE // 10, 300, "10 % of the mail")
    run.breaking()
    run.stack.services["notifier"].kill()  # SIGKILL to the worker and its pool children
    in_flight = load.count * RECIPIENTS_PER_CASE - run.mail()
    run.stack.start_worker()
    return f"{in_flight} e-mails unsent at the kill"


def fault_redis_restarted_empty(run: Run, load: Load) -> str:
    wait_until(lambda: run.mail() >= run.count * RECIPIENTS_PER_CASE // 10, 300, "10 % of the mail")
    run.breaking()
    run.redis.restart_empty()  # every queued and unacknowledged message is gone
    return f"{load.count * RECIPIENTS_PER_CASE - run.mail()} e-mails unsent at the restart"


def fault_smtp_down(run: Run, load: Load) -> str:
    wait_until(lambda: run.mail() >= run.count * RECIPIENTS_PER_CASE // 10, 300, "10 % of the mail")
    run.breaking()
    run.stack.sink.stop()  # connection refused
    unsent = load.count * RECIPIENTS_PER_CASE - run.mail()
    time.sleep(OUTAGE_SECONDS)
    run.stack.sink.start()
    return f"{unsent} e-mails unsent, SMTP down {OUTAGE_SECONDS:.0f} s"


def fault_database_down(run: Run, load: Load) -> str:
    assert run.postgres is not None
    # Early in the batch, so the client is still posting when the database goes away.
    wait_until(lambda: load.posted >= max(1, run.count // 5), 300, "a fifth of the complaints")
    run.breaking()
    run.postgres.stop()  # fast shutdown: connections cut, port closed
    posted_at_stop = load.posted
    time.sleep(OUTAGE_SECONDS)
    run.postgres.start()
    return f"{posted_at_stop} posted at the stop, PostgreSQL down {OUTAGE_SECONDS:.0f} s"


SCENARIOS: list[tuple[str, Callable[[Run, Load], str], bool]] = [
    ("(a) worker SIGKILL, restarted", fault_worker_killed, False),
    ("(b) redis restarted empty", fault_redis_restarted_empty, False),
    ("(c) SMTP down, then up", fault_smtp_down, False),
    ("(d) PostgreSQL stopped, started", fault_database_down, True),
]


def run_scenario(
    name: str, fault: Callable[[Run, Load], str], settings: Settings, engine, postgres,  # type: ignore[no-untyped-def]
    count: int, log_dir: Path,
) -> Row:
    row = Row(name)
    reset(engine)
    sessions = make_sessionmaker(engine)
    redis = RedisServer(log_dir).start()
    sink = MailSink(smtp_port=0, ui_port=None)
    sink.start()
    stack = Stack(settings.with_overrides(redis_url=redis.url), sink, log_dir)
    began = time.monotonic()
    try:
        stack.start()
        quiet_in_process_logs()
        run = Run(stack, redis, postgres, count)
        load = Load(stack, COMPLAINT, count).start()
        row.note = fault(run, load)
        fault_end = datetime.now(UTC)
        load.join(timeout=load.give_up_after + 60)
        expected = len(load.references) * RECIPIENTS_PER_CASE
        try:
            wait_until(quietly(lambda: pairs_received(stack, load.references) >= expected),
                       max(180.0, count * 0.5), "every e-mail", interval=1.0)
        except TimeoutError as error:
            row.note = f"FAILED: {error}; {row.note}"
            print(stack.logs()[-6000:], file=sys.stderr)
        time.sleep(SETTLE_SECONDS)
        result = tally(stack, sessions, load.references)
        row.posted, row.cased = result.posted, result.cased
        row.mailed_once, row.lost, row.doubled = result.mailed_once, result.lost, result.doubled
        row.refused, row.errors = load.refused, len(load.errors)
        if load.errors:
            print(f"{name}: unexpected answers {load.errors[:5]}", file=sys.stderr)
        arrivals = sorted(m.created for m in sink.messages())
        row.recover = (arrivals[-1] - fault_end).total_seconds() if arrivals else None
        row.gap = longest_gap(arrivals, run.fault_started)
    except Exception:
        row.note = f"FAILED: {traceback.format_exc(limit=3).strip().splitlines()[-1]}"
        traceback.print_exc()
        print(stack.logs()[-6000:], file=sys.stderr)
    finally:
        stack.stop()
        if stack.intake is not None:
            stack.intake.server.app.extensions["engine"].dispose()  # type: ignore[attr-defined]
        sink.stop()
        redis.stop()
        row.wall = time.monotonic() - began
    return row


def longest_gap(arrivals: list[datetime], since: datetime | None) -> float | None:
    """The longest stretch without an e-mail from the fault's start to the last e-mail."""
    if since is None or not arrivals or arrivals[-1] < since:
        return None
    times = [since] + [moment for moment in arrivals if moment > since]
    return max((b - a).total_seconds() for a, b in pairwise(times)) if len(times) > 1 else None


def quiet_in_process_logs() -> None:
    """The intake and the sink run in this process; keep their per-request lines off the table."""
    for name in ("mail.log", "dev.mailsink", "werkzeug", "services.intake.errors", "samhandling"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def table(rows: list[Row], count: int, database: str) -> str:
    header = ("scenario", "posted", "refused 503", "cased", "mailed once", "lost", "doubled",
              "recover s", "longest gap s", "wall s")
    lines = [tuple(map(str, header))]
    for row in rows:
        lines.append((
            row.scenario, str(row.posted), str(row.refused), str(row.cased), str(row.mailed_once),
            str(row.lost), str(row.doubled),
            "-" if row.recover is None else f"{row.recover:.1f}",
            "-" if row.gap is None else f"{row.gap:.1f}", f"{row.wall:.0f}",
        ))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = [f"fault scenarios: {count} complaints each, {count * RECIPIENTS_PER_CASE} e-mails "
           f"expected per scenario; database {database}"]
    for index, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:], widths[1:], strict=True)]
        out.append("  ".join(cells))
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    out.append("")
    for row in rows:
        errors = f"; {row.errors} unexpected answers" if row.errors else ""
        out.append(f"{row.scenario}: {row.note}{errors}")
    return "\n".join(out)


def migrate(database_url: str) -> None:
    """The migrate container's command, against this database."""
    env = {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development"}
    subprocess.run([sys.executable, "-m", "shared.cli", "setup"], env=env, cwd=PROJECT_ROOT,
                   check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    count = int(os.environ.get("FAULT_COMPLAINTS", "1000"))
    if not RedisServer.available():
        print("redis-server is not installed; the fault scenarios need it", file=sys.stderr)
        return 2
    log_dir = Path(tempfile.mkdtemp(prefix="samhandling-faults-"))
    postgres: PostgresServer | None = None
    skip_reason = PostgresServer.unavailable_reason()
    if skip_reason is None:
        postgres = PostgresServer().init()
        database_url, database = postgres.url, "private PostgreSQL (initdb)"
    else:
        database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{log_dir / 'samhandling.db'}"
        database = database_url.split("@")[-1].split("?")[0]
    started = time.monotonic()
    rows: list[Row] = []
    try:
        migrate(database_url)
        settings = Settings.from_env(
            {**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development"}
        ).with_overrides(rate_limit_submissions="1000000 per minute", rate_limit_storage="memory://")
        engine = make_engine(settings.database_url)
        only = os.environ.get("FAULT_SCENARIOS", "abcd")
        for name, fault, needs_postgres in SCENARIOS:
            if name[1] not in only:
                continue
            if needs_postgres and postgres is None:
                rows.append(Row(name, note=f"skipped: {skip_reason}"))
                continue
            print(f"{name} …", file=sys.stderr, flush=True)
            rows.append(run_scenario(name, fault, settings, engine, postgres, count, log_dir))
            print(f"  {rows[-1]}", file=sys.stderr, flush=True)
        engine.dispose()
    finally:
        if postgres is not None:
            postgres.remove()
    figures = table(rows, count, database)
    print(figures)
    print(f"\ntotal {time.monotonic() - started:.0f} s; logs in {log_dir}")
    failed = any(row.failed for row in rows)
    if only == "abcd" and not failed and os.environ.get("FAULT_RECORD", "1") != "0":
        record_in_results(figures)
    return 1 if failed else 0


def record_in_results(figures: str) -> None:
    """A full, passing run replaces the fault section of bench/RESULTS.md."""
    from bench.common import record

    record("Fault figures (make faults)", (
        "`make faults` (python -m tests.faults.scale): each scenario posts the complaints to the "
        "whole system (intake, relay and beat, a notifier worker, a private redis-server, an SMTP "
        "sink), breaks one part mid-batch, mends it and counts. recover s: from the fault's end "
        "to the last e-mail, backlog included; longest gap s: the longest stretch without any "
        "e-mail.\n\n```\n" + figures + "\n```"
    ))


if __name__ == "__main__":
    sys.exit(main())
