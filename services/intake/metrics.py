"""GET /metrics: Prometheus text exposition for the intake.

Requests are counted by method (the standard ones; any other a client makes up is "other", so
it cannot grow new series), Flask endpoint name (never the path: tokens live in paths) and
status. Case, outbox and notification figures are read from the database at scrape time, so they
are the same whichever process answers.

Under gunicorn each worker counts its own requests. Set PROMETHEUS_MULTIPROC_DIR to an empty
directory, the same for every worker and emptied before gunicorn starts, and /metrics adds up
the request figures of all workers (prometheus_client's multiprocess mode).
"""
from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator

from flask import Flask, Response, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from shared.models import Case, Notification, OutboxEvent, utcnow

# Every label value is from a fixed set: a client picks the method, so anything else is "other".
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "other"


class DatabaseCollector(Collector):
    """Cheap COUNT/GROUP BY queries, run when Prometheus scrapes."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("samhandling_database_up", "1 if the scrape could read the database")
        try:
            with self.sessions() as session:
                families = list(self._families(session))
        except SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, session: Session) -> Iterator[GaugeMetricFamily]:
        cases = GaugeMetricFamily("samhandling_cases", "Cases by type and status", labels=["type", "status"])
        for case_type, status, count in session.execute(
            select(Case.type, Case.status, func.count()).group_by(Case.type, Case.status)
        ):
            cases.add_metric([case_type, status], count)
        yield cases

        notifications = GaugeMetricFamily("samhandling_notifications", "E-mails by status", labels=["status"])
        for status, count in session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        ):
            notifications.add_metric([status], count)
        yield notifications

        unpublished = session.execute(
            select(func.count()).where(OutboxEvent.published_at.is_(None))
        ).scalar_one()
        unsettled, oldest = session.execute(
            select(func.count(), func.min(OutboxEvent.created_at)).where(OutboxEvent.settled_at.is_(None))
        ).one()
        yield GaugeMetricFamily("samhandling_outbox_unpublished", "Outbox events not yet published",
                                value=unpublished)
        yield GaugeMetricFamily("samhandling_outbox_unsettled",
                                "Outbox events no consumer has processed yet", value=unsettled)
        yield GaugeMetricFamily("samhandling_outbox_oldest_unsettled_age_seconds",
                                "Age of the oldest unpublished or unprocessed outbox event (0: none)",
                                value=_age_seconds(oldest))


def _age_seconds(oldest: dt.datetime | None) -> float:
    if oldest is None:
        return 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return max((utcnow() - oldest).total_seconds(), 0.0)


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def init_app(app: Flask) -> None:
    registry = CollectorRegistry()
    # In multiprocess mode the values live in files that MultiProcessCollector adds up; the
    # metric objects must then stay out of the registry, or each would be reported twice.
    own = None if _multiprocess() else registry
    if _multiprocess():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    requests_total = Counter("samhandling_http_requests", "HTTP requests",
                             ["method", "endpoint", "status"], registry=own)
    latency = Histogram("samhandling_http_request_duration_seconds", "HTTP request latency",
                        ["method", "endpoint"], registry=own)
    registry.register(DatabaseCollector(app.extensions["sessionmaker"]))
    app.extensions["metrics_registry"] = registry

    @app.before_request
    def _start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response: Response) -> Response:
        endpoint = request.endpoint or "unmatched"  # a 404 has no endpoint: don't label by path
        started = g.pop("metrics_started", None)
        method = method_label(request.method)
        requests_total.labels(method, endpoint, str(response.status_code)).inc()
        if started is not None:
            latency.labels(method, endpoint).observe(time.perf_counter() - started)
        return response

    app.add_url_rule("/metrics", "metrics", metrics_view)
    app.extensions["limiter"].exempt(metrics_view)


def metrics_view() -> Response:
    registry = current_app.extensions["metrics_registry"]
    return Response(generate_latest(registry),
                    headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
