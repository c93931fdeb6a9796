"""Fixtures that start the whole system with real processes and a real SMTP server."""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from dev.mailsink import MailSink
from shared.settings import Settings
from tests.support.processes import RedisServer
from tests.support.stack import Stack, flush

pytestmark = pytest.mark.integration


@pytest.fixture
def broker_url(tmp_path) -> Iterator[str]:
    """REDIS_URL when set (the real Redis in CI), else a private redis-server."""
    if os.environ.get("REDIS_URL"):
        flush(os.environ["REDIS_URL"])
        yield os.environ["REDIS_URL"]
        flush(os.environ["REDIS_URL"])
        return
    if not RedisServer.available():
        pytest.skip("no REDIS_URL and no redis-server on this machine")
    server = RedisServer(tmp_path).start()
    yield server.url
    server.stop()


@pytest.fixture
def sink() -> Iterator[MailSink]:
    sink = MailSink(smtp_port=0, ui_port=None)
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
def stack(settings: Settings, broker_url: str, sink: MailSink, tmp_path) -> Iterator[Stack]:
    stack = Stack(settings.with_overrides(redis_url=broker_url), sink, tmp_path)
    stack.start()
    yield stack
    stack.stop()
