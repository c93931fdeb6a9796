"""`python -m bench.notifier`: tasks/s of the real case_submitted task vs a Celery no-op task.

Both on the same broker (the bench Redis db), with the same worker concurrency and Celery
configuration. The real task routes the case, writes history and notification rows and sends
three e-mails to the SMTP sink in this process, once to dev.mailsink (as `make run` has it) and
once to a cheaper sink that only counts (--sinks); completion is counted by processed_event rows.
The no-op counts itself in Redis. Each side: four warm-up tasks per pool process, then N enqueued at once, timed
from the first enqueue until the last is done. `--rounds` (3) alternates the no-op and the real runs
and judges the targets on the medians, each ratio taken between runs of the same round.

Wall time moves with whatever else the machine runs; the CPU each process spent over the timed
section does not, so it is reported per task too, read from /proc: the worker (Celery's main
process and its pool), the SMTP sink's threads and the publisher in this process, and the
PostgreSQL backends serving the bench database.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from statistics import median

from redis import Redis
from sqlalchemy import Engine, func, select

from bench.common import (
    COMPLAINT,
    DATABASE_URL,
    REDIS_URL,
    Child,
    base_env,
    children,
    drop_database,
    flush_bench_redis,
    fresh_database,
    record,
    table,
    wait_until,
)
from bench.cpu import backends, group, of_process, threads
from bench.noop_app import DONE_KEY, NOOP_TASK
from bench.sink import CountingSink, PostfixSink
from dev.mailsink import MailSink
from services.intake.complaints import submit_complaint
from shared.db import make_engine, make_sessionmaker, unit_of_work
from shared.messages import queue_for
from shared.models import OutboxEvent, ProcessedEvent, utcnow
from shared.runtime import make_celery
from shared.settings import Settings

# Issue 11: at least 100 case_submitted tasks/s, at least 0.13× the no-op task's rate.
TARGET_RATE, TARGET_RATIO = 100.0, 0.13
KOMBUS = "kombu's own Redis transport"
@dataclass
class CpuUse:
    """CPU seconds per part over the timed section: taken at its start and at its end."""

    worker_pgid: int
    engine: Engine | None = None
    sink_pid: int | None = None  # a sink in a process of its own (smtp-sink)
    start: dict[str, dict[str, float]] = field(default_factory=dict)
    spent: dict[str, float] = field(default_factory=dict)

    def _now(self) -> dict[str, dict[str, float]]:
        main = str(threading.main_thread().native_id)
        own = threads()
        return {"worker": group(self.worker_pgid),
                "publisher": {main: own.pop(main, 0.0)},
                "sink": {**own,  # every other thread of this process: the SMTP sink's
                         **({"smtp-sink": of_process(self.sink_pid)}
                            if self.sink_pid else {})},
                "postgres": backends(self.engine)}

    def begin(self) -> None:
        self.start = self._now()

    def end(self) -> None:
        # A process or thread born after the start counts from zero.
        self.spent = {part: sum(seconds - self.start[part].get(key, 0.0) for key, seconds in now.items())
                      for part, now in self._now().items()}


def publisher(settings: Settings, kombu_transport: bool = False) -> Callable[[str, dict, str], None]:
    """Publish like the relay does: by task name, with the event id in the headers (on kombu's
    own Redis transport, as the baseline issue 11 measured, with `kombu_transport`)."""
    app = make_celery("bench-publisher", settings)
    if kombu_transport:
        app.conf.broker_transport = "redis"

    def publish(task_name: str, payload: dict, event_id: str) -> None:
        app.send_task(task_name, args=[payload], queue=queue_for(task_name),
                      headers={"event_id": event_id})

    return publish


def timed(publish_all: Callable[[], None], done: Callable[[], int], total: int,
          worker: Child, timeout: float, cpu: CpuUse) -> float:
    cpu.begin()
    start = time.monotonic()
    publish_all()

    def finished() -> bool:
        worker.check()
        return done() >= total

    wait_until(finished, timeout, f"{total} tasks", interval=0.02)
    elapsed = time.monotonic() - start
    cpu.end()
    return elapsed


def run_noop(count: int, concurrency: int, timeout: float, kombu_transport: bool = False) -> tuple[float, CpuUse]:
    flush_bench_redis()
    settings = Settings.from_env(base_env())
    publish = publisher(settings, kombu_transport)
    redis = Redis.from_url(REDIS_URL)
    done = lambda: int(redis.get(DONE_KEY) or 0)  # noqa: E731
    env = base_env(**({"BENCH_KOMBU_TRANSPORT": "1"} if kombu_transport else {}))
    with children() as started:
        worker = Child("notifier-bench-noop", [sys.executable, "-m", "bench.noop_app",
                                               "--concurrency", str(concurrency)], env)
        started.append(worker)
        warm = 4 * concurrency  # as for the real task: every pool process warmed first
        for i in range(warm):
            publish(NOOP_TASK, {"warm": True}, f"warm-up-{i}")
        wait_until(lambda: done() >= warm, 90, "the no-op warm-up tasks")
        cpu = CpuUse(worker.pid)
        elapsed = timed(lambda: [publish(NOOP_TASK, {"n": i}, str(i)) for i in range(count)],
                        done, count + warm, worker, timeout, cpu)
    redis.close()
    return elapsed, cpu


def create_cases(settings: Settings, count: int) -> list[tuple[str, dict, str]]:
    """Complaints through the service layer, one transaction each, as the intake commits them."""
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    for _ in range(count):
        with unit_of_work(sessions) as session:
            submit_complaint(session, COMPLAINT, tz_name=settings.tz_name, now=utcnow())
    with sessions() as session:
        rows = session.execute(select(OutboxEvent).order_by(OutboxEvent.created_at)).scalars()
        events = [(row.task_name, row.payload, row.id) for row in rows]
    engine.dispose()
    return events


def keeping_sink() -> MailSink:
    return MailSink(smtp_port=0, ui_port=None)


SINKS: dict[str, Callable[[], MailSink | CountingSink | PostfixSink]] = {
    "mailsink": keeping_sink, "counting": CountingSink, "smtp-sink": PostfixSink}
SINK_NAMES = {"mailsink": "dev.mailsink", "counting": "counting aiosmtpd", "smtp-sink": "postfix smtp-sink"}


def run_real(count: int, concurrency: int, timeout: float, sink_name: str) -> tuple[float, int, CpuUse]:
    fresh_database()
    flush_bench_redis()
    sink = SINKS[sink_name]()
    sink.start()
    env = base_env(SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.smtp_port))
    settings = Settings.from_env(env)
    # Warm every pool process (its imports, the handbook parsed, the templates compiled) before
    # the clock starts: a few cases per process, as prefork hands them out unevenly.
    warm = 4 * concurrency
    events = create_cases(settings, count + warm)
    publish = publisher(settings)
    engine = make_engine(DATABASE_URL)

    def done() -> int:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(ProcessedEvent)).scalar_one()

    try:
        with children() as started:
            worker = Child("notifier-bench-real", [sys.executable, "-m", "services.notifier",
                                                   "--concurrency", str(concurrency)], env)
            started.append(worker)
            for event in events[:warm]:
                publish(*event)
            wait_until(lambda: done() >= warm, 90, "the warm-up cases")
            cpu = CpuUse(worker.pid, engine, sink.pid if isinstance(sink, PostfixSink) else None)
            elapsed = timed(lambda: [publish(*event) for event in events[warm:]],
                            done, count + warm, worker, timeout, cpu)
            mails = len(sink.messages())
    finally:
        engine.dispose()
        sink.stop()
    return elapsed, mails, cpu


Timed = tuple[float, CpuUse]  # seconds, CPU
Round = tuple[Timed, Timed, dict[str, tuple[float, int, CpuUse]]]  # no-op, no-op on kombu's, real by sink


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notifier")
    parser.add_argument("--tasks", type=int, default=300, help="real case_submitted tasks")
    parser.add_argument("--noop-tasks", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--sinks", default="mailsink,counting,smtp-sink",
                        help="SMTP sinks to run the real task against, in order: mailsink, counting, "
                             "smtp-sink (postfix's, where installed)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="run the no-op and the real task alternately this many times; the targets "
                             "are judged on the median of the rounds (one run of a few seconds moves "
                             "by ±15 %% with the machine)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    sinks = [sink for sink in args.sinks.split(",") if sink != "smtp-sink" or PostfixSink.available()]
    rounds: list[Round] = []
    try:
        for _ in range(args.rounds):
            rounds.append((run_noop(args.noop_tasks, args.concurrency, args.timeout),
                           run_noop(args.noop_tasks, args.concurrency, args.timeout, kombu_transport=True),
                           {sink: run_real(args.tasks, args.concurrency, args.timeout, sink) for sink in sinks}))
    finally:
        drop_database()
        flush_bench_redis()
    rows: list[list[object]] = []
    cpu_rows: list[list[object]] = []
    parts = ["worker", "sink", "publisher", "postgres"]

    def per_task(cpu: CpuUse, tasks: int) -> list[str]:
        return [f"{1000 * cpu.spent[part] / tasks:.2f}" for part in parts] + [
            f"{1000 * sum(cpu.spent.values()) / tasks:.2f}"]

    # Per sink: each round's rate and its ratios to the no-op runs of the same round.
    rates: dict[str, list[tuple[float, float, float]]] = {sink: [] for sink in sinks}
    for number, ((noop, noop_cpu), (kombus, kombus_cpu), real) in enumerate(rounds, 1):
        noop_rate, kombus_rate = args.noop_tasks / noop, args.noop_tasks / kombus
        rows += [[number, "no-op Celery task", "-", args.noop_tasks, f"{noop:.2f}", f"{noop_rate:.0f}",
                  "-", "-", "-"],
                 [number, f"no-op Celery task, {KOMBUS}", "-", args.noop_tasks, f"{kombus:.2f}",
                  f"{kombus_rate:.0f}", "-", "-", "-"]]
        cpu_rows += [[number, "no-op Celery task", "-", *per_task(noop_cpu, args.noop_tasks)],
                     [number, f"no-op Celery task, {KOMBUS}", "-", *per_task(kombus_cpu, args.noop_tasks)]]
        for sink, (seconds, mails, cpu) in real.items():
            rate = args.tasks / seconds
            rates[sink].append((rate, rate / noop_rate, rate / kombus_rate))
            rows.append([number, "notifier.case_submitted (route + 3 mails)", SINK_NAMES[sink], args.tasks,
                         f"{seconds:.2f}", f"{rate:.1f}", mails, f"**{rate / noop_rate:.3f}×**",
                         f"{rate / kombus_rate:.3f}×"])
            cpu_rows.append([number, "notifier.case_submitted", SINK_NAMES[sink], *per_task(cpu, args.tasks)])

    def verdict(sink: str) -> str:
        rate, ratio, kombus_ratio = (median(figures[i] for figures in rates[sink]) for i in range(3))
        each = ", ".join(f"{r:.1f}" for r, _, _ in rates[sink])
        ratios = ", ".join(f"{q:.3f}" for _, q, _ in rates[sink])
        return (f"- {SINK_NAMES[sink]}: {rate:.1f} tasks/s ({each}), {ratio:.3f}× the no-op ({ratios}), "
                f"{kombus_ratio:.3f}× the no-op on kombu's own transport → "
                + ("reached" if rate >= TARGET_RATE and ratio >= TARGET_RATIO else "MISSED"))

    record("Notifier throughput", (
        f"Celery prefork `--concurrency {args.concurrency}`, same config and queue, broker "
        f"{REDIS_URL}; PostgreSQL; the SMTP sink: dev.mailsink (aiosmtpd in the bench process, "
        "parses and keeps each e-mail, as in `make run`), the cheaper counting aiosmtpd sink "
        "(answers and counts only) and postfix's smtp-sink (C, its own process, a file per "
        "e-mail in memory; where installed).\n\n"
        + "The no-op task runs twice: as the product is configured (its broker transport is "
        "shared/broker.py's), and on kombu's own Redis transport, which builds a Redis client per "
        "command, as the no-op issue 11's target was set against.\n\n"
        + f"{args.rounds} rounds, each the no-op runs and then the real task, so that each ratio is "
        "taken between runs a few seconds apart; the targets are judged on the medians.\n\n"
        + table(["round", "task", "SMTP sink", "tasks", "seconds", "tasks/s", "e-mails", "ratio to no-op",
                 "ratio to no-op on kombu's transport"], rows)
        + f"\n\nTargets (≥ {TARGET_RATE:.0f} tasks/s and ≥ {TARGET_RATIO}× the no-op task), medians of "
        f"the rounds:\n" + "\n".join(verdict(sink) for sink in sinks)
        + "\n\nCPU per task over the timed section, ms (from /proc; Redis's own not counted):\n\n"
        + table(["round", "task", "SMTP sink", "worker (main + pool)", "sink", "publisher + poller",
                 "PostgreSQL backends", "total"], cpu_rows)
    ))


if __name__ == "__main__":
    main()
