"""The notifier benchmark's baseline: a Celery worker whose only task does nothing.

Same Celery configuration as the product (`shared.runtime.celery_config`: acks_late, prefetch 1,
JSON), same queue and worker options as `python -m services.notifier`. The task only counts
itself in Redis, so the benchmark can see when all are done.

`python -m bench.noop_app --concurrency 2` starts the worker; with BENCH_KOMBU_TRANSPORT=1 on
kombu's own Redis transport instead of shared/broker.py's (the baseline as issue 11 measured it).
"""
from __future__ import annotations

import os
import sys

from celery import Celery
from redis import Redis

from shared.messages import NOTIFIER_QUEUE
from shared.runtime import make_celery
from shared.settings import Settings

NOOP_TASK = "notifier.bench_noop"
DONE_KEY = "bench:noop:done"


def create_noop_app(settings: Settings) -> Celery:
    app = make_celery("bench-noop", settings)
    if os.environ.get("BENCH_KOMBU_TRANSPORT"):
        app.conf.broker_transport = "redis"
    counter: dict[str, Redis] = {}

    @app.task(name=NOOP_TASK, shared=False, acks_late=True)
    def noop(payload: dict) -> None:
        if "redis" not in counter:  # one client per pool process, made after fork
            counter["redis"] = Redis.from_url(settings.redis_url)
        counter["redis"].incr(DONE_KEY)

    return app


def main(argv: list[str]) -> None:
    app = create_noop_app(Settings.from_env())
    app.worker_main(
        ["worker", "--queues", NOTIFIER_QUEUE, "--hostname", "bench-noop@%h", "--without-mingle",
         "--without-gossip", "--loglevel", "WARNING", *argv]
    )


if __name__ == "__main__":
    main(sys.argv[1:])
