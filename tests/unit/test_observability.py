"""Metrics and logs: /metrics counts cases, and no log line or metric carries personal data."""
from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import urllib.request

import pytest
from sqlalchemy import select

from services.notifier import metrics as worker_metrics
from services.notifier.mail import PermanentMailError
from services.notifier.runner import consume
from services.scheduler.main import create_scheduler_app
from services.scheduler.relay import relay_once
from shared.logs import JsonFormatter, configure_logging, log_context
from shared.messages import CaseSubmitted
from shared.models import OutboxEvent, utcnow
from shared.runtime import Resources
from shared.settings import Settings, SettingsError
from tests.unit.test_delivery import RecordingMailer

SUBMITTER = {"name": "Xenia Sporbar-Quist", "email": "xenia.sporbar@quist-example.org",
             "phone": "+4791234567", "role": "tenant"}
DESCRIPTION = "Zyklopisk støy fra vaskekjelleren hver eneste natt."
PERSONAL = (SUBMITTER["name"], SUBMITTER["email"], SUBMITTER["phone"], "Zyklopisk")


@pytest.fixture
def json_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("test"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text exposition (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, value = line.rsplit(" ", 1)
        found = dict(part.split("=", 1) for part in series[len(name) + 1:-1].split(",") if "=" in part)
        if series.split("{")[0] == name and all(found.get(k) == f'"{v}"' for k, v in labels.items()):
            return float(value)
    return 0.0


def submit_distinctive(client, complaint) -> str:
    complaint.update(submitter=dict(SUBMITTER), description=DESCRIPTION)
    response = client.post("/api/v1/complaints", json=complaint)
    assert response.status_code == 201
    return response.get_json()["tracking_url"].rsplit("/", 1)[-1]


def test_metrics_answer_text_and_count_a_new_case(client, complaint):
    before = client.get("/metrics")
    assert before.status_code == 200
    assert before.mimetype == "text/plain"
    assert sample(before.get_data(as_text=True), "samhandling_cases",
                  type="complaint", status="received") == 0

    client.post("/api/v1/complaints", json=complaint)
    text = client.get("/metrics").get_data(as_text=True)

    assert sample(text, "samhandling_cases", type="complaint", status="received") == 1
    assert sample(text, "samhandling_outbox_unpublished") == 1
    assert sample(text, "samhandling_outbox_oldest_unsettled_age_seconds") >= 0
    assert sample(text, "samhandling_database_up") == 1
    assert sample(text, "samhandling_http_requests_total",
                  method="POST", endpoint="api.create_complaint", status="201") == 1
    assert "samhandling_http_request_duration_seconds_bucket" in text
    assert "samhandling_notifications" in text


def test_metrics_is_outside_the_api_document_and_not_rate_limited(app, client):
    assert "/metrics" not in client.get("/api/openapi.json").get_json()["paths"]
    limiter = app.extensions["limiter"]
    assert limiter.enabled
    for _ in range(30):
        response = client.get("/metrics")
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers


def test_request_metrics_label_the_endpoint_never_the_path(client, complaint):
    token = submit_distinctive(client, complaint)
    client.get(f"/sak/{token}")
    client.get("/no/such/page/secret-looking-path")
    text = client.get("/metrics").get_data(as_text=True)

    assert sample(text, "samhandling_http_requests_total", method="GET", endpoint="tracking.case_page",
                  status="200") == 1
    assert sample(text, "samhandling_http_requests_total", endpoint="unmatched", status="404") == 1
    for secret in (token, "secret-looking-path", *PERSONAL):
        assert secret not in text


def test_event_id_travels_from_intake_to_the_sent_email_without_personal_data(
    client, complaint, settings, sessions, json_lines
):
    token = submit_distinctive(client, complaint)
    with sessions() as session:
        outbox = session.execute(select(OutboxEvent)).scalar_one()
        event_id, payload = outbox.id, outbox.payload

    scheduler = create_scheduler_app(settings)
    scheduler.send_task = lambda *args, **kwargs: None  # the broker is not the point here
    relay_once(sessions, scheduler.relay.publish, now=utcnow(), republish_after=60)

    mailer = RecordingMailer()
    with log_context(event_id=event_id):  # what the notifier's task does around its handler
        consume(Resources(settings), CaseSubmitted.from_payload(payload), mailer)

    lines = json_lines()
    by_message = {}
    for line in lines:
        by_message.setdefault(line["message"], []).append(line)
    assert by_message["case submitted"][0]["event_id"] == event_id
    assert by_message["case submitted"][0]["case_type"] == "complaint"
    assert by_message["published"][0]["event_id"] == event_id
    sent = by_message["e-mail sent"]
    assert len(sent) == len(mailer.sent) == 3
    assert {line["event_id"] for line in sent} == {event_id}
    assert {line["message_id"] for line in sent} == {m["Message-ID"] for m in mailer.sent}
    assert {line["kind"] for line in sent} == {"case_notification", "receipt"}
    for line in lines:
        assert {"ts", "level", "service", "logger", "message"} <= set(line)
    logged = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    scraped = client.get("/metrics").get_data(as_text=True)
    for secret in (token, *PERSONAL):
        assert secret not in logged
        assert secret not in scraped


def test_email_outcomes_are_counted_by_kind(settings, sessions, client, complaint):
    submit_distinctive(client, complaint)
    with sessions() as session:
        payload = session.execute(select(OutboxEvent.payload)).scalar_one()
    emails = worker_metrics.EMAILS
    before = {(kind, outcome): emails.labels(kind, outcome)._value.get()
              for kind in ("case_notification", "receipt") for outcome in ("sent", "failed")}

    mailer = RecordingMailer([PermanentMailError("550 no such user")])  # the first one is refused
    consume(Resources(settings), CaseSubmitted.from_payload(payload), mailer)

    gained = {key: emails.labels(*key)._value.get() - value for key, value in before.items()}
    assert sum(v for (_, outcome), v in gained.items() if outcome == "failed") == 1
    assert sum(v for (_, outcome), v in gained.items() if outcome == "sent") == 2


def test_task_signals_count_processed_failed_and_retried():
    class Task:  # Celery sends the task object itself; only its name is read
        name = "notifier.case_submitted"

    task = Task()
    counter = worker_metrics.TASKS
    before = {o: counter.labels(task.name, o)._value.get() for o in ("processed", "failed", "retried")}
    from celery.signals import task_failure, task_retry, task_success

    task_success.send(sender=task, result={})
    task_retry.send(sender=task, request=None, reason="451")
    task_failure.send(sender=task, task_id="t", exception=RuntimeError())
    for outcome in ("processed", "failed", "retried"):
        assert counter.labels(task.name, outcome)._value.get() == before[outcome] + 1


def test_worker_exporter_serves_metrics_on_its_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    worker_metrics.count_email("receipt", "sent")
    server, thread = worker_metrics.start_exporter(port, pool="solo", addr="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert sample(text, "samhandling_emails_total", kind="receipt", outcome="sent") >= 1
    assert "samhandling_worker_tasks_total" in text


def test_log_format_setting_and_text_formatter(capsys):
    assert Settings.from_env({"APP_ENV": "development"}).effective_log_format == "text"
    production = Settings.from_env({"APP_ENV": "production", "SECRET_KEY": "x" * 48})
    assert production.effective_log_format == "json"
    assert Settings.from_env({"LOG_FORMAT": "TEXT"}).effective_log_format == "text"
    with pytest.raises(SettingsError):
        Settings.from_env({"LOG_FORMAT": "xml"})
    assert Settings.from_env({"METRICS_PORT": "9101"}).metrics_port == 9101

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        configure_logging("notifier", "INFO", "json")
        configure_logging("notifier", "INFO", "json")  # again: replaces, never doubles
        with log_context(event_id="ev-1"):
            logging.getLogger("samhandling.test").info("hello", extra={"kind": "receipt", "email": "x@y"})
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1
        entry = json.loads(lines[0])
        assert entry["service"] == "notifier" and entry["event_id"] == "ev-1"
        assert entry["kind"] == "receipt" and "email" not in entry  # only allow-listed fields
        configure_logging("intake", "INFO", "text")
        logging.getLogger("samhandling.test").info("plain", extra={"event_id": "ev-2"})
        assert capsys.readouterr().err.strip().endswith("plain event_id=ev-2")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


MULTIPROCESS_SCRIPT = """
import sys
from services.intake import create_app
from shared.settings import Settings
settings = Settings.from_env().with_overrides(rate_limit_storage="memory://")
for _ in range(2):  # two apps stand in for two gunicorn workers: one count in shared files
    create_app(settings).test_client().get("/healthz")
sys.stdout.write(create_app(settings).test_client().get("/metrics").get_data(as_text=True))
"""


def test_multiprocess_mode_adds_up_every_process(base_settings, tmp_path):
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "APP_ENV": "development",
           "DATABASE_URL": base_settings.database_url}
    text = subprocess.run([sys.executable, "-c", MULTIPROCESS_SCRIPT], env=env, check=True,
                          capture_output=True, text=True, timeout=60).stdout
    assert sample(text, "samhandling_http_requests_total", method="GET", endpoint="health.healthz",
                  status="200") == 2
    assert sample(text, "samhandling_database_up") == 1
