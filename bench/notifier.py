"""`python -m bench.notifier`: tasks/s of the real case_submitted task vs a Celery no-op task.

Both on the same broker (the bench Redis db), with the same worker concurrency and Celery
configuration. The real task routes the case, writes history and notification rows and sends
three e-mails to the SMTP sink in this process; completion is counted by processed_event rows.
The no-op counts itself in Redis. Each side: one warm-up task, then N enqueued at once, timed
from the first enqueue until the last is done.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from redis import Redis
from sqlalchemy import func, select

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
from bench.noop_app import DONE_KEY, NOOP_TASK
from bench.sink import CountingSink
from services.intake.complaints import submit_complaint
from shared.db import make_engine, make_sessionmaker, unit_of_work
from shared.messages import queue_for
from shared.models import OutboxEvent, ProcessedEvent, utcnow
from shared.runtime import make_celery
from shared.settings import Settings

TARGET = 0.5


def publisher(settings: Settings) -> Callable[[str, dict, str], None]:
    """Publish like the relay does: by task name, with the event id in the headers."""
    app = make_celery("bench-publisher", settings)

    def publish(task_name: str, payload: dict, event_id: str) -> None:
        app.send_task(task_name, args=[payload], queue=queue_for(task_name),
                      headers={"event_id": event_id})

    return publish


def timed(publish_all: Callable[[], None], done: Callable[[], int], total: int,
          worker: Child, timeout: float) -> float:
    start = time.monotonic()
    publish_all()

    def finished() -> bool:
        worker.check()
        return done() >= total

    wait_until(finished, timeout, f"{total} tasks", interval=0.02)
    return time.monotonic() - start


def run_noop(count: int, concurrency: int, timeout: float) -> float:
    flush_bench_redis()
    settings = Settings.from_env(base_env())
    publish = publisher(settings)
    redis = Redis.from_url(REDIS_URL)
    done = lambda: int(redis.get(DONE_KEY) or 0)  # noqa: E731
    with children() as started:
        worker = Child("notifier-bench-noop", [sys.executable, "-m", "bench.noop_app",
                                               "--concurrency", str(concurrency)], base_env())
        started.append(worker)
        publish(NOOP_TASK, {"warm": True}, "warm-up")
        wait_until(lambda: done() >= 1, 90, "the no-op warm-up task")
        elapsed = timed(lambda: [publish(NOOP_TASK, {"n": i}, str(i)) for i in range(count)],
                        done, count + 1, worker, timeout)
    redis.close()
    return elapsed


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


def run_real(count: int, concurrency: int, timeout: float) -> tuple[float, int]:
    fresh_database()
    flush_bench_redis()
    sink = CountingSink()
    sink.start()
    env = base_env(SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.smtp_port))
    settings = Settings.from_env(env)
    events = create_cases(settings, count + 1)
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
            publish(*events[0])
            wait_until(lambda: done() >= 1, 90, "the warm-up case")
            elapsed = timed(lambda: [publish(*event) for event in events[1:]],
                            done, count + 1, worker, timeout)
            mails = len(sink.messages())
    finally:
        engine.dispose()
        sink.stop()
    return elapsed, mails


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.notifier")
    parser.add_argument("--tasks", type=int, default=300, help="real case_submitted tasks")
    parser.add_argument("--noop-tasks", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    try:
        noop = run_noop(args.noop_tasks, args.concurrency, args.timeout)
        real, mails = run_real(args.tasks, args.concurrency, args.timeout)
    finally:
        drop_database()
        flush_bench_redis()
    noop_rate, real_rate = args.noop_tasks / noop, args.tasks / real
    ratio = real_rate / noop_rate
    rows = [["no-op Celery task", args.noop_tasks, f"{noop:.2f}", f"{noop_rate:.0f}", "-"],
            ["notifier.case_submitted (route + 3 mails)", args.tasks, f"{real:.2f}",
             f"{real_rate:.1f}", mails]]
    record("Notifier throughput", (
        f"Celery prefork `--concurrency {args.concurrency}`, same config and queue, broker "
        f"{REDIS_URL}; PostgreSQL; counting SMTP sink (bench.sink) in the bench process.\n\n"
        + table(["task", "tasks", "seconds", "tasks/s", "e-mails"], rows)
        + f"\n\nratio real/no-op tasks/s: **{ratio:.3f}×** (target ≥ {TARGET}×: "
        + ("reached" if ratio >= TARGET else "MISSED") + ")"
    ))


if __name__ == "__main__":
    main()
