"""The notifier's Prometheus metrics: tasks by name and outcome, e-mails by kind and outcome.

Celery's prefork pool runs tasks in child processes, so the counters are kept in
prometheus_client's multiprocess files when PROMETHEUS_MULTIPROC_DIR is set, and the exporter
in the main process adds them up. Without it, the exporter only sees its own process: right for
`--pool solo` or `--pool threads`, empty for prefork (a warning says so).
"""
from __future__ import annotations

import logging
import os
from typing import Any

from celery.signals import task_failure, task_retry, task_success
from prometheus_client import REGISTRY, CollectorRegistry, Counter, start_http_server

log = logging.getLogger("samhandling.notifier")

TASKS = Counter("samhandling_worker_tasks", "Celery tasks by name and outcome", ["task", "outcome"])
EMAILS = Counter("samhandling_emails", "E-mails by notification kind and outcome", ["kind", "outcome"])


def count_email(kind: str, outcome: str) -> None:
    EMAILS.labels(kind, outcome).inc()


def _task_name(sender: Any) -> str:
    return getattr(sender, "name", None) or str(sender)


@task_success.connect(weak=False)
def _on_success(sender: Any = None, **_: Any) -> None:
    TASKS.labels(_task_name(sender), "processed").inc()


@task_failure.connect(weak=False)
def _on_failure(sender: Any = None, **_: Any) -> None:
    TASKS.labels(_task_name(sender), "failed").inc()


@task_retry.connect(weak=False)
def _on_retry(sender: Any = None, request: Any = None, **_: Any) -> None:
    # The retry signal's sender is the task; keep to the registered name either way.
    TASKS.labels(_task_name(sender) if sender is not None else getattr(request, "task", "?"),
                 "retried").inc()


def start_exporter(port: int, pool: str = "prefork", addr: str = "0.0.0.0") -> Any:
    """Serve /metrics on the port from the worker's main process; returns (server, thread)."""
    registry: CollectorRegistry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    elif pool not in ("solo", "threads"):
        log.warning("worker metrics need PROMETHEUS_MULTIPROC_DIR with the %s pool; "
                    "task and e-mail counts from its children will not show", pool)
    return start_http_server(port, addr=addr, registry=registry)
