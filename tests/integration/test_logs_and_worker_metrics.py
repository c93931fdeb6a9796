"""The real notifier (prefork, multiprocess metrics) and scheduler: JSON logs and worker metrics."""
from __future__ import annotations

import json
import urllib.request

import pytest

from tests.support.processes import free_port, port_open, wait_until
from tests.support.stack import Stack
from tests.unit.test_observability import DESCRIPTION, PERSONAL, SUBMITTER, sample

pytestmark = pytest.mark.integration


class ObservedStack(Stack):
    metrics_port: int = 0
    multiproc_dir: str = ""

    def env(self) -> dict[str, str]:
        return {**super().env(), "LOG_FORMAT": "json", "METRICS_PORT": str(self.metrics_port),
                "PROMETHEUS_MULTIPROC_DIR": self.multiproc_dir}


def json_lines(text: str) -> list[dict]:
    lines = []
    for raw in text.splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


@pytest.fixture
def observed(settings, broker_url, sink, tmp_path):
    (tmp_path / "prom").mkdir()
    stack = ObservedStack(settings.with_overrides(redis_url=broker_url), sink, tmp_path)
    stack.metrics_port, stack.multiproc_dir = free_port(), str(tmp_path / "prom")
    stack.start()
    yield stack
    stack.stop()


def test_one_event_id_from_relay_to_sent_mail_and_worker_metrics_add_up(observed, complaint):
    complaint.update(submitter=dict(SUBMITTER), description=DESCRIPTION)
    status, body = observed.post_complaint(complaint)
    assert status == 201
    observed.wait_for_mail(3, timeout=60)
    wait_until(lambda: port_open(observed.metrics_port), 30, "the notifier's metrics port")

    def emails_sent() -> float:
        text = scrape(observed.metrics_port)
        return sum(sample(text, "samhandling_emails_total", kind=kind, outcome="sent")
                   for kind in ("case_notification", "receipt"))

    def tasks_processed() -> float:
        return sample(scrape(observed.metrics_port), "samhandling_worker_tasks_total",
                      task="notifier.case_submitted", outcome="processed")

    # The e-mails are counted as each is sent; the task once it has returned, a moment later.
    wait_until(lambda: emails_sent() == 3, 30, "three e-mails counted")
    wait_until(lambda: tasks_processed() >= 1, 30, "the task counted")
    text = scrape(observed.metrics_port)
    assert sample(text, "samhandling_worker_tasks_total", task="notifier.case_submitted",
                  outcome="processed") == 1

    notifier = observed.services["notifier"].log()
    scheduler = observed.services["scheduler"].log()
    sent = [line for line in json_lines(notifier) if line["message"] == "e-mail sent"]
    published = [line for line in json_lines(scheduler) if line["message"] == "published"]
    assert len(sent) == 3, notifier[-3000:]
    assert {line["event_id"] for line in sent} == {published[0]["event_id"]}
    assert all(line["service"] == "notifier" and line["message_id"] for line in sent)
    token = body["tracking_url"].rsplit("/", 1)[-1]
    for secret in (token, *PERSONAL):
        assert secret not in notifier
        assert secret not in scheduler
        assert secret not in text
