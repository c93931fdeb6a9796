"""Fault tests start their own redis-server and SMTP server so they can kill them freely."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from dev.mailsink import MailSink
from shared.settings import Settings
from tests.support.processes import RedisServer
from tests.support.stack import Stack

pytestmark = pytest.mark.faults


@pytest.fixture
def private_redis(tmp_path) -> Iterator[RedisServer]:
    if not RedisServer.available():
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def sink() -> Iterator[MailSink]:
    sink = MailSink(smtp_port=0, ui_port=None)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def stack(settings: Settings, private_redis: RedisServer, sink: MailSink, tmp_path) -> Iterator[Stack]:
    stack = Stack(settings.with_overrides(redis_url=private_redis.url), sink, tmp_path)
    stack.start()
    yield stack
    stack.stop()
