"""A client that posts complaints while parts of the system fail, and retries what is refused.

A 503 (the database is down) is a refusal: the complaint was not taken, and the client tries
it again after a short pause, as a real client would after `Retry-After`. Refusals are counted
apart from what was posted. Any other answer that is not 201 is an error and is kept for the
report: during an outage the intake must refuse cleanly, never answer 500.
"""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError

from .stack import Stack

RETRY_PAUSE = 0.5


@dataclass
class Load:
    """Posts `count` complaints from `threads` threads in the background."""

    stack: Stack
    complaint: dict
    count: int
    threads: int = 8
    give_up_after: float = 300.0
    pace: float = 0.0  # seconds each thread waits after a complaint is taken
    references: list[str] = field(default_factory=list)
    refused: int = 0  # 503 {"error": {"code": "unavailable"}}: retried
    errors: list[tuple[int, str]] = field(default_factory=list)  # anything else not 201
    statuses: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    started: float = 0.0
    finished: float = 0.0

    @property
    def posted(self) -> int:
        with self._lock:
            return len(self.references)

    def _post(self) -> tuple[int, str]:
        assert self.stack.intake is not None
        request = urllib.request.Request(
            f"{self.stack.intake.url}/api/v1/complaints", data=json.dumps(self.complaint).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def _one(self, _: int) -> None:
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            try:
                status, text = self._post()
            except (OSError, urllib.error.URLError) as error:
                status, text = 0, repr(error)
            with self._lock:
                self.statuses[status] += 1
            if status == 201:
                with self._lock:
                    self.references.append(json.loads(text)["reference"])
                time.sleep(self.pace)
                return
            if status == 503 and _is_unavailable(text):
                with self._lock:
                    self.refused += 1
                time.sleep(RETRY_PAUSE)
                continue
            with self._lock:
                self.errors.append((status, text[:300]))
            time.sleep(RETRY_PAUSE)
        with self._lock:
            self.errors.append((0, "gave up retrying"))

    def _run(self) -> None:
        self.started = time.monotonic()
        with ThreadPoolExecutor(self.threads) as pool:
            list(pool.map(self._one, range(self.count)))
        self.finished = time.monotonic()

    def start(self) -> Load:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        assert self._thread is not None
        self._thread.join(timeout)

    @property
    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()


def _is_unavailable(text: str) -> bool:
    try:
        return json.loads(text)["error"]["code"] == "unavailable"
    except (ValueError, KeyError, TypeError):
        return False


def quietly(condition):  # type: ignore[no-untyped-def]
    """A wait_until condition that reads False while the database is away."""

    def check() -> bool:
        try:
            return bool(condition())
        except SQLAlchemyError:
            return False

    return check


def pairs_received(stack: Stack, references: list[str]) -> int:
    """(case, recipient) pairs that arrived at least once, for these references."""
    received = stack.mail_by_reference()
    return sum(len(received.get(reference, {})) for reference in references)
