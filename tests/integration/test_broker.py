"""The broker transport (shared/broker.py): kombu's Redis transport keeping its Redis client."""
from __future__ import annotations

import redis
from kombu import Queue

from shared.broker import Channel
from shared.runtime import make_celery
from shared.settings import Settings


def _count_clients(monkeypatch) -> list[int]:
    built = [0]
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        built[0] += 1
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting)
    return built


def test_messages_go_through_with_one_client_kept_per_channel(settings: Settings, broker_url: str, monkeypatch):
    """50 messages published, received and acknowledged as Celery's worker does (acks late, so
    each is in the unacked index until acknowledged): all arrive, in order, none is left unacked,
    and the channel built one client for its commands, where kombu builds one per command."""
    app = make_celery("broker-test", settings.with_overrides(redis_url=broker_url))
    queue = Queue("broker-test")
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        assert isinstance(channel, Channel)
        built = _count_clients(monkeypatch)
        with connection.Producer(channel) as producer:
            for number in range(50):
                producer.publish({"n": number}, routing_key=queue.name, declare=[queue], serializer="json")
        received: list[int] = []
        with channel.Consumer(queues=[queue], accept=["json"], prefetch_count=1,
                                 callbacks=[lambda body, message: (received.append(body["n"]), message.ack())]):
            while len(received) < 50:
                connection.drain_events(timeout=5)
        assert received == list(range(50))
        client = redis.Redis.from_url(broker_url)
        assert client.hlen("unacked") == 0 and client.llen(queue.name) == 0
        assert built[0] <= 3  # the kept client, the polling one, and one for the pipeline pool at most
        kept = channel._kept_client
        channel._disconnect_pools()  # what kombu does in a forked child and when the channel closes
        with channel.conn_or_acquire() as after:
            assert after is not kept and after.connection_pool is channel.pool
            assert after.ping()
