"""PostgreSQL stopped mid-batch and started again: the intake refuses cleanly, nothing is lost.

A private cluster (initdb into a temp dir), because the test stops and starts the server.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from dev.mailsink import MailSink
from shared.db import make_engine, make_sessionmaker
from shared.settings import PROJECT_ROOT, Settings
from tests.support.counts import RECIPIENTS_PER_CASE, tally
from tests.support.load import Load, pairs_received, quietly
from tests.support.postgres import PostgresServer
from tests.support.processes import RedisServer, wait_until
from tests.support.stack import FAST_RECOVERY, Stack

pytestmark = pytest.mark.faults

COMPLAINTS = 30
OUTAGE_SECONDS = 5


@pytest.fixture
def postgres() -> Iterator[PostgresServer]:
    reason = PostgresServer.unavailable_reason()
    if reason:
        pytest.skip(f"{reason}; this test needs its own PostgreSQL cluster to stop and start")
    server = PostgresServer().init()
    try:
        env = {**os.environ, "DATABASE_URL": server.url, "APP_ENV": "development"}
        subprocess.run([sys.executable, "-m", "shared.cli", "setup"], env=env, cwd=PROJECT_ROOT,
                       check=True, capture_output=True)
        yield server
    finally:
        server.remove()


@pytest.fixture
def outage_stack(postgres: PostgresServer, private_redis: RedisServer, sink: MailSink,
                 tmp_path) -> Iterator[Stack]:
    settings = Settings.from_env(
        {**os.environ, "DATABASE_URL": postgres.url, "REDIS_URL": private_redis.url,
         "APP_ENV": "development"}
    ).with_overrides(rate_limit_submissions="100000 per minute", rate_limit_storage="memory://")
    # A claim outlasting the outage: a worker that got the server's 250 just as the database
    # went away holds the outcome until it can record it (services/notifier/delivery.py
    # RECORD_PATIENCE, at most half the claim), so the letter is not sent again.
    recovery = {**FAST_RECOVERY, "SEND_CLAIM_TIMEOUT": str(6 * OUTAGE_SECONDS)}
    stack = Stack(settings, sink, tmp_path, recovery=recovery).start()
    yield stack
    stack.stop()
    if stack.intake is not None:
        stack.intake.server.app.extensions["engine"].dispose()


def test_database_stopped_mid_batch_loses_nothing(outage_stack, postgres, complaint):
    stack = outage_stack
    load = Load(stack, complaint, COMPLAINTS, threads=2, pace=0.2).start()
    wait_until(lambda: load.posted >= COMPLAINTS // 3, 60, "a third of the complaints")

    postgres.stop()
    stopped = time.monotonic()
    assert not load.done, "every complaint was posted before the outage; nothing was tested"
    status, body = stack.post_complaint(complaint)
    assert status == 503, body
    assert body["error"]["code"] == "unavailable" and "message" in body["error"]
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
    postgres.start()

    load.join(timeout=120)
    assert load.done and load.errors == [], load.errors[:5]
    assert load.refused > 0, "the client never met the outage"
    expected = COMPLAINTS * RECIPIENTS_PER_CASE
    try:
        wait_until(quietly(lambda: pairs_received(stack, load.references) >= expected), 120,
                   "every e-mail")
    except TimeoutError:
        raise AssertionError(f"{pairs_received(stack, load.references)} of {expected} "
                             f"e-mails\n{stack.logs()}") from None
    time.sleep(1)  # room for a late double to show
    engine = make_engine(stack.settings.database_url)
    try:
        result = tally(stack, make_sessionmaker(engine), load.references)
    finally:
        engine.dispose()
    print(f"\nPostgreSQL down {OUTAGE_SECONDS} s, {load.refused} answers 503: {result.line()}")
    assert (result.posted, result.cased, result.lost, result.doubled) == (COMPLAINTS, COMPLAINTS, 0, 0)
    assert result.mailed_once == expected
