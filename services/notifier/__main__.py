"""`python -m services.notifier [celery worker options]` starts the notifier worker.

METRICS_PORT serves Prometheus metrics from the worker's main process; with the default prefork
pool set PROMETHEUS_MULTIPROC_DIR too (see services/notifier/metrics.py).
"""
from __future__ import annotations

import sys

from shared.messages import NOTIFIER_QUEUE
from shared.runtime import configure_worker_logging
from shared.settings import Settings

from .metrics import start_exporter
from .worker import create_worker_app


def pool_of(argv: list[str]) -> str:
    for i, arg in enumerate(argv):
        if arg.startswith("--pool="):
            return arg.split("=", 1)[1]
        if arg in ("--pool", "-P") and i + 1 < len(argv):
            return argv[i + 1]
    return "prefork"


def main(argv: list[str]) -> None:
    settings = Settings.from_env()
    configure_worker_logging("notifier", settings)
    if settings.metrics_port:
        start_exporter(settings.metrics_port, pool_of(argv))
    app = create_worker_app(settings)
    app.worker_main(
        ["worker", "--queues", NOTIFIER_QUEUE, "--hostname", "notifier@%h", "--without-mingle",
         "--without-gossip", "--loglevel", settings.log_level, *argv]
    )


if __name__ == "__main__":
    main(sys.argv[1:])
