"""The whole system for a test: intake, relay+beat, notifier worker, SMTP server, broker."""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from dev.mailsink import MailSink
from services.intake import create_app
from shared.settings import Settings

from .processes import IntakeServer, Service, python_service, wait_until

# Short timeouts so recovery happens within a test's patience.
FAST_RECOVERY = {
    "RELAY_REPUBLISH_AFTER": "8",
    "RELAY_POLL_INTERVAL": "0.05",
    "BROKER_VISIBILITY_TIMEOUT": "10",
    "SEND_CLAIM_TIMEOUT": "5",
    "SMTP_TIMEOUT": "5",
    "DEADLINE_CHECK_INTERVAL": "1",
}


@dataclass
class Stack:
    settings: Settings
    sink: MailSink
    log_dir: Path
    worker_concurrency: int = 2
    recovery: dict[str, str] = field(default_factory=lambda: dict(FAST_RECOVERY))
    services: dict[str, Service] = field(default_factory=dict)
    intake: IntakeServer | None = None

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self.recovery,
            "APP_ENV": "development",
            "DATABASE_URL": self.settings.database_url,
            "REDIS_URL": self.settings.redis_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.sink.smtp_port),
            "PUBLIC_BASE_URL": self.settings.public_base_url,
        }

    def start_worker(self) -> Service:
        worker = python_service(
            "notifier", ["services.notifier", "--concurrency", str(self.worker_concurrency)],
            self.env(), self.log_dir,
        ).start()
        self.services["notifier"] = worker
        return worker

    def start_scheduler(self, name: str = "scheduler") -> Service:
        scheduler = python_service(name, ["services.scheduler"], self.env(), self.log_dir).start()
        self.services[name] = scheduler
        return scheduler

    def start(self) -> Stack:
        self.intake = IntakeServer(create_app(self.settings)).start()
        self.start_scheduler()
        self.start_worker()
        return self

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        if self.intake is not None:
            self.intake.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {name} ---\n{s.log()[-4000:]}" for name, s in self.services.items())

    # What a user does and sees.
    def post_complaint(self, complaint: dict) -> tuple[int, dict]:
        assert self.intake is not None
        request = urllib.request.Request(
            f"{self.intake.url}/api/v1/complaints", data=json.dumps(complaint).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def post_many(self, complaint: dict, count: int, threads: int = 8) -> list[dict]:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(lambda _: self.post_complaint(complaint), range(count)))
        assert [status for status, _ in results] == [201] * count, results[:3]
        return [body for _, body in results]

    def wait_for_mail(self, count: int, timeout: float = 60) -> None:
        try:
            wait_until(lambda: len(self.sink.messages()) >= count, timeout, f"{count} e-mails")
        except TimeoutError:
            raise AssertionError(
                f"{len(self.sink.messages())} of {count} e-mails arrived\n{self.logs()}"
            ) from None

    def mail_by_reference(self) -> dict[str, Counter]:
        """reference → Counter of recipient addresses, from what the SMTP server received."""
        found: dict[str, Counter] = {}
        for message in self.sink.messages():
            reference = next(word.strip("()") for word in message.subject.split() if "-20" in word)
            for recipient in message.rcpt_tos:
                found.setdefault(reference, Counter())[recipient] += 1
        return found


def flush(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()
