"""Sending an event's notifications: once each, retried when SMTP is down, failed when refused."""
from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from functools import partial

import pytest
from sqlalchemy import select, update

from services.notifier.composers import compose_letters
from services.notifier.delivery import DeliveryIncomplete, Letters, deliver
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


def deliver_event(sessions, event_id, composer, mailer, claim_timeout) -> dict[str, int]:
    return deliver(sessions, Letters(Notification.event_id == event_id), composer, mailer, claim_timeout)


@pytest.fixture
def routed_event(sessions, complaint) -> str:
    route(sessions, submit(sessions, complaint), event_id="event-1")
    return "event-1"


@pytest.fixture
def composer(settings):
    return partial(compose_letters, settings=settings, env=template_environment())


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


def test_every_case_type_renders_its_e_mails(client, sessions, composer):
    """Through the API, as staff would submit them, then routed and composed for real."""
    from services.intake.tokens import create_token
    from tests.unit.test_staff_api import MEETING, SUBLET, acquisition

    with unit_of_work(sessions) as session:
        token, _ = create_token(session, now=utcnow(), system="test", party="system")
    headers = {"Authorization": f"Bearer {token}"}
    for path, body in [("/api/v1/acquisitions", acquisition("946291684")), ("/api/v1/sublets", SUBLET),
                       ("/api/v1/meeting-requests", MEETING)]:
        assert client.post(path, json=body, headers=headers).status_code == 201
    from shared.models import Case

    mailer = RecordingMailer()
    with sessions() as session:
        cases = session.execute(select(Case.id, Case.reference)).all()
    for case_id, reference in cases:
        route(sessions, case_id, event_id=f"event-{reference}")
        deliver_event(sessions, f"event-{reference}", composer, mailer, 60)
    subjects = sorted(m["Subject"] for m in mailer.sent)
    assert any("Varsel om planlagt erverv ER-" in s and "over 10 %-grensen" in s for s in subjects)
    assert any(s.startswith("Spørsmål om framleie FR-") for s in subjects)
    assert any(s.startswith("Ønske om møte i samarbeidsutvalget MO-") for s in subjects)
    erverv = next(m for m in mailer.sent if "erverv" in m["Subject"])
    assert "burettslagslova § 4-2" in erverv.get_body(("plain",)).get_content()


@pytest.fixture
def relay_without_smtputf8():
    """An SMTP relay that, like many, does not advertise SMTPUTF8."""
    from aiosmtpd.controller import Controller

    from tests.support.processes import free_port

    class Accepting:
        async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
            return "250 OK"

    controller = Controller(Accepting(), hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=False)
    controller.start()
    yield controller
    controller.stop()


def test_an_address_the_relay_cannot_take_fails_and_is_listed(
    client, tokens, sessions, settings, complaint, composer, relay_without_smtputf8
):
    from services.notifier.mail import SmtpMailer
    from tests.support.api import auth

    # An address with a non-ASCII local part, as intake accepted them before it refused them.
    complaint["submitter"]["email"] = "kåre@eksempel.no"
    route(sessions, submit(sessions, complaint), event_id="event-1")
    mailer = SmtpMailer(settings.with_overrides(smtp_host="127.0.0.1",
                                                smtp_port=relay_without_smtputf8.port))
    try:
        outcome = deliver_event(sessions, "event-1", composer, mailer, 60)
    finally:
        mailer.close()

    assert outcome == {"failed": 1, "sent": 2}
    listed = client.get("/api/v1/notifications?status=failed",
                        headers=auth(tokens["municipality"])).get_json()
    assert [item["recipient"] for item in listed["items"]] == ["kåre@eksempel.no"]
    assert "SMTPUTF8" in listed["items"][0]["last_error"]


def test_a_failure_that_never_clears_ends_failed_after_bounded_attempts(
    client, tokens, sessions, routed_event, composer
):
    from services.notifier.delivery import ATTEMPTS_PER_ROUND
    from tests.support.api import auth

    mailer = RecordingMailer([TransientMailError("451 4.3.0 try later")] * 100)
    rounds = 0
    while True:
        rounds += 1
        assert rounds <= 100, "retried for ever"
        try:
            deliver_event(sessions, routed_event, composer, mailer, 60)
            break
        except DeliveryIncomplete:
            continue  # what Celery's autoretry does

    assert statuses(sessions).count("failed") == 3 and rounds == ATTEMPTS_PER_ROUND
    headers = auth(tokens["municipality"])
    listed = client.get("/api/v1/notifications?status=failed", headers=headers).get_json()
    assert listed["total"] == 3 and "451" in listed["items"][0]["last_error"]
    assert {item["attempts"] for item in listed["items"]} == {ATTEMPTS_PER_ROUND}

    # Staff send one again: it gets a round of its own, not one try.
    failed_id = listed["items"][0]["id"]
    assert client.post(f"/api/v1/notifications/{failed_id}/retry", headers=headers).status_code == 202
    mailer.failures = [TransientMailError("451 4.3.0 try later")]
    with pytest.raises(DeliveryIncomplete):
        deliver_event(sessions, routed_event, composer, mailer, 60)
    deliver_event(sessions, routed_event, composer, mailer, 60)
    assert len(mailer.sent) == 1 and statuses(sessions).count("sent") == 1


def test_delivery_gives_up_before_the_worker_stops_retrying():
    from services.notifier.delivery import ATTEMPTS_PER_ROUND
    from services.notifier.worker import RETRY

    assert 1 < ATTEMPTS_PER_ROUND <= RETRY["max_retries"]  # the task runs max_retries + 1 times


def test_a_database_blip_after_the_smtp_answer_does_not_send_the_letter_again(
    sessions, routed_event, composer, monkeypatch
):
    """The server has taken the letter; only the row that says so is missing. The worker holds the
    outcome and records it once the database answers again, instead of failing the task and
    sending the letter a second time on the retry."""
    from sqlalchemy.exc import OperationalError

    import services.notifier.delivery as delivery

    finish, blips = delivery._finish, [OperationalError("UPDATE", {}, Exception("server closed"))] * 2

    def flaky_finish(*args, **kwargs):
        if blips:
            raise blips.pop()
        return finish(*args, **kwargs)

    monkeypatch.setattr(delivery, "_finish", flaky_finish)
    monkeypatch.setattr(delivery.time, "sleep", lambda seconds: None)
    mailer = RecordingMailer()
    assert deliver_event(sessions, routed_event, composer, mailer, 60) == {"sent": 3}
    assert deliver_event(sessions, routed_event, composer, mailer, 60) == {}
    assert len(mailer.sent) == 3 and statuses(sessions) == ["sent"] * 3


def test_one_connections_sessions_are_the_factorys_on_that_connection(sessions):
    """A task's sessions share its connection and are of the factory's Session class (a new
    sessionmaker per task would make a Session subclass, and its event dispatch, every time)."""
    from sqlalchemy import func

    from shared.db import autocommit, one_connection

    with one_connection(sessions) as on_connection:
        with unit_of_work(on_connection) as first:
            assert type(first) is sessions.class_
            assert first.scalar(select(func.count()).select_from(Notification)) == 0
            dbapi_connection = first.connection().connection.dbapi_connection
        with unit_of_work(on_connection) as second:
            assert second.connection().connection.dbapi_connection is dbapi_connection
        with autocommit(on_connection) as connection:
            assert connection is on_connection.kw["bind"]
    with one_connection(sessions) as again:  # the next task's: the same class again
        assert again.class_ is on_connection.class_ is sessions.class_
