"""Kill, flush and refuse parts of the running system; then count. Nothing lost, nothing doubled."""
from __future__ import annotations

import pytest

from tests.support.counts import all_sent, held_back, tally
from tests.support.processes import wait_until

pytestmark = pytest.mark.faults


def test_worker_killed_mid_batch_loses_nothing(stack, complaint, sessions):
    references = [body["reference"] for body in stack.post_many(complaint, 200)]
    stack.wait_for_mail(60, timeout=60)

    stack.services["notifier"].kill()  # SIGKILL to the worker and its pool children
    in_flight = 600 - len(stack.sink.messages())
    assert in_flight > 0, "the batch finished before the kill; nothing was tested"
    stack.start_worker()

    wait_until(lambda: all_sent(sessions, 600), 120, "every notification to be sent")
    stack.wait_for_mail(600, timeout=30)
    result = tally(stack, sessions, references)
    print(f"\nworker SIGKILL with {in_flight} e-mails in flight: {result.line()}")
    assert (result.cased, result.routed, result.lost) == (200, 200, 0)
    assert result.distinct_message_ids == 600
    # SMTP has no two-phase commit: a worker killed between the server's 250 and our commit of
    # "sent" resends that one message, with the same Message-ID, so mail clients show it once.
    # At most one message per pool process can be caught in that window.
    assert result.doubled <= stack.worker_concurrency
    assert result.mailed_once >= 600 - stack.worker_concurrency


def test_broker_restarted_empty_mid_batch_loses_nothing(stack, private_redis, complaint, sessions):
    references = [body["reference"] for body in stack.post_many(complaint, 100)]
    stack.wait_for_mail(30, timeout=60)

    private_redis.restart_empty()  # every queued and unacknowledged message is gone
    assert len(stack.sink.messages()) < 300, "the batch finished before the restart"

    wait_until(lambda: all_sent(sessions, 300), 120, "every notification to be sent")
    stack.wait_for_mail(300, timeout=30)
    result = tally(stack, sessions, references)
    print(f"\nredis restarted empty: {result.line()}")
    assert (result.cased, result.routed, result.lost, result.doubled) == (100, 100, 0, 0)
    assert result.mailed_once == 300


def test_smtp_down_then_back_delivers_every_mail_once(stack, complaint, sessions):
    stack.sink.stop()  # connection refused
    references = [body["reference"] for body in stack.post_many(complaint, 20)]
    wait_until(lambda: held_back(sessions, "ConnectionRefused"), 30,
               "the worker to meet the closed SMTP port")
    stack.sink.start()

    wait_until(lambda: all_sent(sessions, 60), 120, "every notification to be sent")
    result = tally(stack, sessions, references)
    print(f"\nSMTP down, then up: {result.line()}")
    assert (result.cased, result.lost, result.doubled, result.mailed_once) == (20, 0, 0, 60)


def test_smtp_refusing_for_a_while_delivers_every_mail_once(stack, complaint, sessions):
    stack.sink.refuse(451, "4.3.0 Midlertidig feil, prøv igjen")
    references = [body["reference"] for body in stack.post_many(complaint, 20)]
    wait_until(lambda: held_back(sessions, "451"), 30, "the worker to meet a 451")
    stack.sink.accept()

    wait_until(lambda: all_sent(sessions, 60), 120, "every notification to be sent")
    result = tally(stack, sessions, references)
    print(f"\nSMTP answering 451, then 250: {result.line()}")
    assert (result.cased, result.lost, result.doubled, result.mailed_once) == (20, 0, 0, 60)
