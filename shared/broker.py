"""kombu's Redis transport, keeping one Redis client per channel for its short commands.

kombu's Redis channel builds a new `redis.Redis` for every command it sends outside its polling
connection (`Channel.conn_or_acquire`): each publish (LPUSH), each delivery's bookkeeping and
each acknowledgement (the unacked index). Building one copies redis-py's table of some 170
response callbacks (redis/redis-py#3624), which measured at about a quarter of the notifier's
main process's CPU. This channel keeps the client it built, for as long as the channel keeps the
connection pool the client draws on: kombu drops the pool when the channel closes and in a forked
child, and the next command then builds a client on the new pool. A `redis.Redis` is safe to
share: each command takes a connection of its own from the pool; pipelines are built per use.

Celery uses it for redis:// brokers (shared.runtime.celery_config, by name, so
nothing that does not run Celery imports kombu for it).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kombu.transport import redis


class Channel(redis.Channel):
    _kept_client: Any = None

    @contextmanager
    def conn_or_acquire(self, client: Any = None) -> Iterator[Any]:
        if client:
            yield client
            return
        kept = self._kept_client
        if kept is None or kept.connection_pool is not self.pool:
            kept = self._kept_client = self._create_client()  # type: ignore[attr-defined]
        yield kept


class Transport(redis.Transport):
    Channel = Channel
