"""A paced HTTP load generator: POSTs at a steady rate over keep-alive connections."""
from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Posted:
    sent_at: float  # wall clock (time.time()) when the request started
    status: int
    reference: str | None
    latency: float  # seconds until the answer


class PacedPoster:
    """Send `rate` requests a second for `seconds`; each thread keeps one connection open.

    Request i is due at start + i/rate; a thread that falls behind sends at once, so a slow
    server shows up as a lower achieved rate, not as hidden queueing in this client.
    """

    def __init__(
        self, url: str, body: dict, rate: float, seconds: float, threads: int = 16
    ) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = parts.path
        self.body = json.dumps(body).encode()
        self.total = int(rate * seconds)
        self.rate, self.threads = rate, threads
        self.results: list[Posted] = []
        self._next = 0
        self._lock = threading.Lock()

    def _take(self) -> int | None:
        with self._lock:
            if self._next >= self.total:
                return None
            self._next += 1
            return self._next - 1

    def _post(self, connection: http.client.HTTPConnection) -> tuple[int, dict]:
        connection.request("POST", self.path, body=self.body,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")

    def _worker(self, start: float) -> None:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        while (index := self._take()) is not None:
            delay = start + index / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent_at, began = time.time(), time.monotonic()
            try:
                status, answer = self._post(connection)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection before reading: send again.
                connection.close()
                connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
                status, answer = self._post(connection)
            posted = Posted(sent_at, status, answer.get("reference"), time.monotonic() - began)
            with self._lock:
                self.results.append(posted)
        connection.close()

    def run(self) -> float:
        """Send everything; returns the wall time it took."""
        start = time.monotonic() + 0.2
        workers = [threading.Thread(target=self._worker, args=(start,), daemon=True)
                   for _ in range(self.threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return time.monotonic() - start
