"""The notifier keeps one SMTP connection between tasks, and never trusts a dead one."""
from __future__ import annotations

from email.message import EmailMessage

import pytest

from dev.mailsink import MailSink
from services.notifier.mail import SmtpMailer, TransientMailError


def letter(subject: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "samhandling@samhandling.example"
    message["To"] = "kari.johansen@kommune.example"
    message["Subject"] = subject
    message.set_content("Hei")
    return message


@pytest.fixture
def sink():
    with MailSink(smtp_port=0, ui_port=None) as started:
        yield started


@pytest.fixture
def mailer(base_settings, sink):
    started = SmtpMailer(base_settings.with_overrides(smtp_host="127.0.0.1", smtp_port=sink.smtp_port))
    yield started
    started.close()


def subjects(sink: MailSink) -> list[str]:
    return [message.subject for message in sink.messages()]


def test_letters_of_following_tasks_share_one_connection(sink, mailer):
    mailer.send(letter("Første"))
    kept = mailer._smtp
    mailer.send(letter("Andre"))
    assert mailer._smtp is kept is not None
    sink.wait_for(2)
    assert subjects(sink) == ["Første", "Andre"]


def test_a_connection_the_server_closed_is_reopened_and_the_letter_sent_once(sink, mailer):
    mailer.send(letter("Før omstart"))
    sink.stop_smtp()  # the server goes away and comes back: the kept connection is dead
    sink.start_smtp()
    mailer.send(letter("Etter omstart"))
    sink.wait_for(2)
    assert subjects(sink) == ["Før omstart", "Etter omstart"]


def test_an_idle_connection_is_replaced_rather_than_trusted(sink, mailer):
    mailer.send(letter("Første"))
    kept = mailer._smtp
    mailer.idle_limit = 0.0
    mailer.send(letter("Etter pause"))
    assert mailer._smtp is not kept
    sink.wait_for(2)
    assert subjects(sink) == ["Første", "Etter pause"]


def test_a_server_that_stays_down_is_a_transient_error(sink, mailer):
    mailer.send(letter("Første"))
    sink.stop_smtp()
    with pytest.raises(TransientMailError):
        mailer.send(letter("Ingen svarer"))
    assert mailer._smtp is None


def test_a_connection_is_renewed_after_its_share_of_letters(sink, mailer):
    mailer.per_connection = 2
    mailer.send(letter("1"))
    first = mailer._smtp
    mailer.send(letter("2"))
    assert mailer._smtp is first
    mailer.send(letter("3"))
    assert mailer._smtp is not first
    sink.wait_for(3)
    assert subjects(sink) == ["1", "2", "3"]
