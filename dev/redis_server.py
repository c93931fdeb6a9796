"""The embedded Redis-protocol server behind `make run` (development only, never deployed).

fakeredis speaks enough of Redis for Celery's kombu transport (BRPOP, pipelines, pub/sub,
sorted sets for unacknowledged messages), so a fresh machine needs no redis-server. Everything
lives in memory and disappears when the process stops.

Run it alone with ``python -m dev.redis_server [--host H] [--port N]``.
"""
from __future__ import annotations

import argparse
import socket
import threading

from fakeredis import TcpFakeServer

__all__ = ["EmbeddedRedis", "NoDelayFakeServer"]


class NoDelayFakeServer(TcpFakeServer):
    """fakeredis' TCP server with Nagle's algorithm off and daemon handler threads.

    fakeredis writes each reply in small pieces; with Nagle on, every reply waits for the
    client's delayed ACK (~40 ms), which holds Celery to about 11 tasks a second.
    Daemon handler threads mean a client that never hangs up cannot keep the process alive.
    """

    def __init__(self, server_address: tuple[str, int]) -> None:
        super().__init__(server_address)
        self.daemon_threads = True  # the base class sets False in its __init__

    def get_request(self) -> tuple[socket.socket, object]:
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class EmbeddedRedis:
    """A NoDelayFakeServer served from a daemon thread; port 0 picks a free port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 6399) -> None:
        self.host = host
        self.port = port
        self._server: NoDelayFakeServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """redis:// URL of database 0; after start() it carries the real port."""
        return f"redis://{self.host}:{self.port}/0"

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        """Bind (raising OSError if the port is taken) and serve in the background."""
        if self._server is not None:
            raise RuntimeError("embedded Redis is already running")
        server = NoDelayFakeServer((self.host, self.port))
        self.port = int(server.server_address[1])
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.1},
            name="embedded-redis", daemon=True,
        )
        thread.start()
        self._server, self._thread = server, thread

    def stop(self) -> None:
        """Stop accepting, tell connection handlers to finish, and free the port. Safe twice."""
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is None:
            return
        server.shutdown()  # also sets the event every connection handler loop checks
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dev.redis_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6399)
    args = parser.parse_args(argv)
    redis = EmbeddedRedis(args.host, args.port)
    redis.start()
    print(f"Innebygd Redis på {redis.url} (Ctrl-C stopper)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
