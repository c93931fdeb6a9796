"""The benches' SMTP sinks (the counting aiosmtpd one and postfix's smtp-sink) note what the
end-to-end bench counts: subject, recipients."""
from __future__ import annotations

import email
import smtplib
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default

import pytest

from bench.sink import CountingSink, PostfixSink, subject_of


def complaint_mail() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "noreply@samhandling.example"
    message["To"] = "anne.nilsen@bonord.example"
    message["Subject"] = "Ny klage KL-2027-0042 fra Prestvannet borettslag – støy i blokk Æ"
    message.set_content("Hei")
    return message


@contextmanager
def running(sink: CountingSink | PostfixSink) -> Iterator[CountingSink | PostfixSink]:
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


def send(sink: CountingSink | PostfixSink, *recipients: list[str]) -> EmailMessage:
    """The complaint mail, once to each list of recipients, over one SMTP connection."""
    message = complaint_mail()
    with smtplib.SMTP(sink.smtp_host, sink.smtp_port) as smtp:
        for to in recipients:
            smtp.send_message(message, to_addrs=to)
    return message


def test_the_counting_sink_keeps_each_messages_subject_and_recipients():
    with running(CountingSink()) as sink:
        message = send(sink, ["anne.nilsen@bonord.example", "kari@example.org"])
        received = sink.messages()

    as_parsed = email.message_from_bytes(message.as_bytes(), policy=default)["Subject"]
    assert [(m.subject, m.rcpt_tos) for m in received] == [
        (as_parsed, ("anne.nilsen@bonord.example", "kari@example.org"))]
    assert "KL-2027-0042" in received[0].subject and "støy i blokk Æ" in received[0].subject


def test_a_folded_subject_is_read_whole_and_the_body_is_not_read():
    raw = (b"From: a@example.org\r\nSubject: Ny klage KL-2027-0042\r\n fra Prestvannet\r\n"
           b"To: b@example.org\r\n\r\nSubject: not this one\r\n")

    assert subject_of(raw) == "Ny klage KL-2027-0042 fra Prestvannet"


@pytest.mark.skipif(not PostfixSink.available(), reason="postfix's smtp-sink is not installed (.ci/run installs it)")
def test_the_smtp_sink_reports_each_message_once_with_its_subject_recipients_and_time():
    with running(PostfixSink()) as sink:
        send(sink, ["anne.nilsen@bonord.example", "kari@example.org"], ["per@example.org"])
        deadline = time.monotonic() + 10  # smtp-sink writes each file as it receives it
        while len(sink.messages()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        received = sorted(sink.messages(), key=lambda m: m.rcpt_tos)
        assert sink.count() == 2
        assert sorted(sink.messages(), key=lambda m: m.rcpt_tos) == received  # read again: the same
        sink.clear()
        assert sink.messages() == [] and sink.count() == 0

    assert [m.rcpt_tos for m in received] == [("anne.nilsen@bonord.example", "kari@example.org"),
                                              ("per@example.org",)]
    assert all("KL-2027-0042" in m.subject and "støy i blokk Æ" in m.subject for m in received)
    assert all(m.created.tzinfo is not None for m in received)
