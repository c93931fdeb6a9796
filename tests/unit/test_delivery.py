"""Sending an event's notifications: once each, retried when SMTP is down, failed when refused."""
from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from functools import partial

import pytest
from sqlalchemy import select, update

from services.notifier.delivery import DeliveryIncomplete, deliver_event
from services.notifier.handlers import compose_case_mail
from services.notifier.mail import PermanentMailError, TransientMailError, template_environment
from shared.db import unit_of_work
from shared.models import Notification, utcnow
from tests.unit.test_routing import route, submit


class RecordingMailer:
    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.sent: list[EmailMessage] = []
        self.failures = list(failures or [])

    def send(self, message: EmailMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)


@pytest.fixture
def routed_event(sessions, complaint) -> str:
    route(sessions, submit(sessions, complaint), event_id="event-1")
    return "event-1"


@pytest.fixture
def composer(settings):
    return partial(compose_case_mail, settings=settings, env=template_environment())


def statuses(sessions) -> list[str]:
    with sessions() as session:
        return list(session.execute(select(Notification.status).order_by(Notification.id)).scalars())


def test_every_notification_is_sent_once(sessions, routed_event, composer):
    mailer = RecordingMailer()
    assert deliver_event(sessions, routed_event, composer, mailer, 60) == {"sent": 3}
    assert deliver_event(sessions, routed_event, composer, mailer, 60) == {}
    assert sorted(m["To"].addresses[0].addr_spec for m in mailer.sent) == [
        "kari.johansen@kommune.example", "kari@example.org", "per.hansen@bonord.example"]
    assert statuses(sessions) == ["sent"] * 3


def test_transient_failure_keeps_it_pending_for_a_retry(sessions, routed_event, composer):
    mailer = RecordingMailer([TransientMailError("451 try later")])
    with pytest.raises(DeliveryIncomplete):
        deliver_event(sessions, routed_event, composer, mailer, 60)
    assert statuses(sessions) == ["pending", "sent", "sent"]
    deliver_event(sessions, routed_event, composer, mailer, 60)
    assert statuses(sessions) == ["sent"] * 3
    assert len(mailer.sent) == 3


def test_permanent_failure_is_marked_failed_without_retrying(sessions, routed_event, composer):
    mailer = RecordingMailer([PermanentMailError("550 no such user")])
    assert deliver_event(sessions, routed_event, composer, mailer, 60) == {"failed": 1, "sent": 2}
    assert statuses(sessions)[0] == "failed"


def test_a_notification_claimed_by_another_worker_is_not_sent_twice(sessions, routed_event, composer):
    with unit_of_work(sessions) as session:
        first = session.execute(select(Notification).order_by(Notification.id)).scalars().first()
        first.status, first.claimed_at = "sending", utcnow()
    mailer = RecordingMailer()
    with pytest.raises(DeliveryIncomplete):
        deliver_event(sessions, routed_event, composer, mailer, 60)
    assert len(mailer.sent) == 2


def test_a_claim_left_by_a_dead_worker_expires(sessions, routed_event, composer):
    long_ago = utcnow() - dt.timedelta(minutes=10)
    with unit_of_work(sessions) as session:
        session.execute(update(Notification).values(status="sending", claimed_at=long_ago))
    mailer = RecordingMailer()
    deliver_event(sessions, routed_event, composer, mailer, 60)
    assert len(mailer.sent) == 3
