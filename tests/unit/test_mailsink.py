"""Tests for dev.mailsink, the development SMTP sink (real SMTP and HTTP on localhost)."""

from __future__ import annotations

import json
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from dev.mailsink import MailSink, StoredMessage

PDF_BYTES = b"%PDF-1.4\n% samhandling test\n\x00\x01\x02\xff"
SUBJECT = "Innkalling til møte – Åse Ærlig på Øya"


@pytest.fixture
def sink() -> Iterator[MailSink]:
    with MailSink(smtp_port=0, ui_port=0) as started:
        yield started


def _rich_message(subject: str = SUBJECT) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = "Samhandling Legekontor <post@lege.example>"
    msg["To"] = "Åse Ærlig <ase@example.no>, bjorn@example.no"
    msg["Message-ID"] = make_msgid(domain="samhandling.test")
    msg.set_content("Hei Åse,\n\nDu er innkalt til møte på Øya.\n")
    msg.add_alternative("<p>Hei <b>Åse</b>, du er innkalt til møte.</p>", subtype="html")
    msg.add_attachment(PDF_BYTES, maintype="application", subtype="pdf", filename="innkalling.pdf")
    return msg


def _simple_message(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = "avsender@example.no"
    msg["To"] = "mottaker@example.no"
    msg.set_content(f"Brødtekst for {subject}\n")
    return msg


def _send(sink: MailSink, msg: EmailMessage, to_addrs: list[str] | None = None) -> None:
    with smtplib.SMTP(sink.smtp_host, sink.smtp_port, timeout=10) as client:
        client.send_message(msg, to_addrs=to_addrs)


def _get(sink: MailSink, path: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(f"{sink.ui_url}{path}", timeout=10) as response:
        return response.status, response.headers["Content-Type"], response.read()


def _get_json(sink: MailSink, path: str) -> Any:
    status, content_type, body = _get(sink, path)
    assert status == 200
    assert content_type.startswith("application/json")
    return json.loads(body.decode("utf-8"))


# -- SMTP and stored fields ---------------------------------------------------


def test_stores_parsed_message_with_envelope(sink: MailSink) -> None:
    msg = _rich_message()
    recipients = ["ase@example.no", "bjorn@example.no", "skjult@example.no"]
    before = datetime.now(UTC)

    _send(sink, msg, to_addrs=recipients)

    [stored] = sink.wait_for(1)
    assert isinstance(stored, StoredMessage)
    assert stored.subject == SUBJECT
    assert stored.mail_from == "post@lege.example"
    assert stored.rcpt_tos == recipients
    assert stored.to == [("Åse Ærlig", "ase@example.no"), ("", "bjorn@example.no")]
    assert stored.message_id == msg["Message-ID"].strip("<>")
    assert "Du er innkalt til møte på Øya." in stored.text
    assert "<b>Åse</b>" in stored.html
    assert stored.attachments == [("innkalling.pdf", "application/pdf", PDF_BYTES)]
    assert isinstance(stored.parsed, EmailMessage)
    assert stored.parsed["From"].addresses[0].display_name == "Samhandling Legekontor"
    assert b"Subject:" in stored.raw
    assert stored.created.tzinfo is not None
    assert before - timedelta(seconds=1) <= stored.created <= datetime.now(UTC)


def test_plain_message_has_no_html_and_no_attachments(sink: MailSink) -> None:
    _send(sink, _simple_message("Bare tekst"))

    [stored] = sink.wait_for(1)
    assert stored.text == "Brødtekst for Bare tekst\n"
    assert stored.html == ""
    assert stored.attachments == []
    assert stored.message_id == ""


def test_messages_are_kept_in_arrival_order_and_clear_empties(sink: MailSink) -> None:
    for number in range(3):
        _send(sink, _simple_message(f"Melding {number}"))

    assert [m.subject for m in sink.wait_for(3)] == ["Melding 0", "Melding 1", "Melding 2"]
    assert len({m.id for m in sink.messages()}) == 3

    sink.clear()
    assert sink.messages() == []


def test_wait_for_blocks_until_message_arrives(sink: MailSink) -> None:
    sender = threading.Timer(0.2, _send, args=(sink, _simple_message("Sen melding")))
    sender.start()
    try:
        assert [m.subject for m in sink.wait_for(1, timeout=10)] == ["Sen melding"]
    finally:
        sender.join()


def test_wait_for_times_out_with_helpful_message(sink: MailSink) -> None:
    _send(sink, _simple_message("Kom fram"))

    with pytest.raises(TimeoutError, match=r"at least 2 message.*received 1.*Kom fram"):
        sink.wait_for(2, timeout=0.2)


# -- fault injection ----------------------------------------------------------


def test_refuse_data_then_accept(sink: MailSink) -> None:
    sink.refuse()

    with pytest.raises(smtplib.SMTPDataError) as excinfo:
        _send(sink, _simple_message("Avvist"))
    assert excinfo.value.smtp_code == 451
    assert b"4.3.0 Try again later" in excinfo.value.smtp_error
    assert sink.messages() == []

    sink.accept()
    _send(sink, _simple_message("Godtatt"))
    assert [m.subject for m in sink.wait_for(1)] == ["Godtatt"]


def test_refuse_rcpt_with_custom_code(sink: MailSink) -> None:
    sink.refuse(code=450, message="4.2.0 Mailbox busy", stage="rcpt")

    with pytest.raises(smtplib.SMTPRecipientsRefused) as excinfo:
        _send(sink, _simple_message("Avvist"))
    assert excinfo.value.recipients == {"mottaker@example.no": (450, b"4.2.0 Mailbox busy")}

    sink.accept()
    _send(sink, _simple_message("Godtatt"))
    sink.wait_for(1)


def test_refuse_rcpt_default_code_is_451(sink: MailSink) -> None:
    sink.refuse(stage="rcpt")

    with pytest.raises(smtplib.SMTPRecipientsRefused) as excinfo:
        _send(sink, _simple_message("Avvist"))
    [(code, _)] = excinfo.value.recipients.values()
    assert code == 451


def test_refuse_a_limited_number_of_times(sink: MailSink) -> None:
    sink.refuse(times=2)

    for _ in range(2):
        with pytest.raises(smtplib.SMTPDataError):
            _send(sink, _simple_message("Avvist"))
    _send(sink, _simple_message("Tredje forsøk"))

    assert [m.subject for m in sink.wait_for(1)] == ["Tredje forsøk"]
    assert sink.refused_count == 2


def test_refuse_rejects_non_error_codes(sink: MailSink) -> None:
    with pytest.raises(ValueError):
        sink.refuse(code=250)


def test_stop_refuses_connections_and_restart_keeps_port_and_messages(sink: MailSink) -> None:
    _send(sink, _simple_message("Før stopp"))
    sink.wait_for(1)
    smtp_port, ui_port = sink.smtp_port, sink.ui_port

    sink.stop()
    assert not sink.running
    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP(sink.smtp_host, smtp_port, timeout=5)

    sink.start()
    assert (sink.smtp_port, sink.ui_port) == (smtp_port, ui_port)
    _send(sink, _simple_message("Etter start"))
    assert [m.subject for m in sink.wait_for(2)] == ["Før stopp", "Etter start"]
    assert _get_json(sink, "/api/v1/messages")["total"] == 2


def test_stop_smtp_only_keeps_ui_running(sink: MailSink) -> None:
    sink.stop_smtp()

    with pytest.raises(ConnectionRefusedError):
        smtplib.SMTP(sink.smtp_host, sink.smtp_port, timeout=5)
    assert _get_json(sink, "/api/v1/messages")["total"] == 0

    sink.start_smtp()
    _send(sink, _simple_message("Tilbake"))
    sink.wait_for(1)


def test_port_zero_picks_real_ports_and_no_ui() -> None:
    with MailSink(smtp_port=0, ui_port=None) as sink:
        assert sink.smtp_port > 0
        assert sink.ui_port is None
        assert sink.ui_url is None
        _send(sink, _simple_message("Uten nettside"))
        sink.wait_for(1)


def test_stop_leaves_no_threads_or_listening_sockets() -> None:
    threads_before = set(threading.enumerate())
    sink = MailSink(smtp_port=0, ui_port=0)
    sink.start()
    ports = (sink.smtp_port, sink.ui_port)
    sink.stop()
    sink.stop()  # idempotent

    assert set(threading.enumerate()) - threads_before == set()
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()


# -- JSON API -----------------------------------------------------------------


def test_api_lists_messages_newest_first(sink: MailSink) -> None:
    rich = _rich_message()
    _send(sink, _simple_message("Første"))
    _send(sink, rich)
    sink.wait_for(2)

    listing = _get_json(sink, "/api/v1/messages")

    assert listing["total"] == 2
    assert listing["count"] == 2
    newest, oldest = listing["messages"]
    assert oldest["Subject"] == "Første"
    assert newest["Subject"] == SUBJECT
    assert newest["ID"] == sink.messages()[1].id
    assert newest["MessageID"] == rich["Message-ID"].strip("<>")
    assert newest["From"] == {"Name": "Samhandling Legekontor", "Address": "post@lege.example"}
    assert newest["To"] == [
        {"Name": "Åse Ærlig", "Address": "ase@example.no"},
        {"Name": "", "Address": "bjorn@example.no"},
    ]
    assert newest["Created"].endswith("Z")
    assert datetime.fromisoformat(newest["Created"].replace("Z", "+00:00")).tzinfo is not None
    assert newest["Snippet"].startswith("Hei Åse, Du er innkalt til møte på Øya.")


def test_api_list_limit(sink: MailSink) -> None:
    for number in range(3):
        _send(sink, _simple_message(f"Melding {number}"))
    sink.wait_for(3)

    listing = _get_json(sink, "/api/v1/messages?limit=1")

    assert listing["total"] == 3
    assert listing["count"] == 1
    assert [m["Subject"] for m in listing["messages"]] == ["Melding 2"]


def test_api_bad_limit_is_400(sink: MailSink) -> None:
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        _get(sink, "/api/v1/messages?limit=mange")
    assert excinfo.value.code == 400
    assert "limit" in json.loads(excinfo.value.read())["error"]


def test_api_single_message(sink: MailSink) -> None:
    _send(sink, _rich_message(), to_addrs=["ase@example.no", "skjult@example.no"])
    [stored] = sink.wait_for(1)

    detail = _get_json(sink, f"/api/v1/message/{stored.id}")

    assert detail["ID"] == stored.id
    assert detail["Subject"] == SUBJECT
    assert detail["MessageID"] == stored.message_id
    assert "Du er innkalt til møte på Øya." in detail["Text"]
    assert "<b>Åse</b>" in detail["HTML"]
    assert detail["Attachments"] == [
        {"PartID": "2", "FileName": "innkalling.pdf", "ContentType": "application/pdf", "Size": len(PDF_BYTES)}
    ]
    assert detail["Bcc"] == [{"Name": "", "Address": "skjult@example.no"}]
    assert _get_json(sink, "/api/v1/message/latest")["ID"] == stored.id


def test_api_attachment_part_and_raw(sink: MailSink) -> None:
    _send(sink, _rich_message())
    [stored] = sink.wait_for(1)

    status, content_type, body = _get(sink, f"/api/v1/message/{stored.id}/part/2")
    assert (status, content_type, body) == (200, "application/pdf", PDF_BYTES)

    status, _, raw = _get(sink, f"/api/v1/message/{stored.id}/raw")
    assert (status, raw) == (200, stored.raw)


def test_api_unknown_message_is_404_json(sink: MailSink) -> None:
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        _get(sink, "/api/v1/message/finnes-ikke")

    assert excinfo.value.code == 404
    assert excinfo.value.headers["Content-Type"].startswith("application/json")
    assert "error" in json.loads(excinfo.value.read())


def test_api_delete_all(sink: MailSink) -> None:
    _send(sink, _simple_message("Slettes"))
    sink.wait_for(1)

    request = urllib.request.Request(f"{sink.ui_url}/api/v1/messages", method="DELETE")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200

    assert sink.messages() == []
    assert _get_json(sink, "/api/v1/messages") == {
        "total": 0,
        "count": 0,
        "messages_count": 0,
        "start": 0,
        "messages": [],
    }


# -- HTML pages ---------------------------------------------------------------


def test_index_page_is_norwegian_utf8_and_escaped(sink: MailSink) -> None:
    _send(sink, _simple_message("Første"))
    _send(sink, _simple_message("<script>alert(1)</script> Ærlig"))
    sink.wait_for(2)

    status, content_type, body = _get(sink, "/")
    page = body.decode("utf-8")

    assert status == 200
    assert content_type == "text/html; charset=utf-8"
    assert '<html lang="nb">' in page
    assert "<title>samhandling – e-post (utvikling)</title>" in page
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ærlig" in page
    assert page.index("Ærlig") < page.index("Første")  # newest first
    newest = sink.messages()[1]
    assert f'href="/message/{newest.id}"' in page
    assert "2 meldinger, nyeste først" in page


def test_message_page_shows_text_and_sandboxed_html(sink: MailSink) -> None:
    msg = _rich_message()
    msg.get_body(("html",)).set_content(  # type: ignore[union-attr]
        '<p onclick="x()">Hei "Åse"</p><script>alert(1)</script>', subtype="html"
    )
    _send(sink, msg)
    [stored] = sink.wait_for(1)

    _, content_type, body = _get(sink, f"/message/{stored.id}")
    page = body.decode("utf-8")

    assert content_type == "text/html; charset=utf-8"
    assert '<html lang="nb">' in page
    assert "<pre>\nHei Åse,\n\nDu er innkalt til møte på Øya.\n</pre>" in page
    assert '<iframe sandbox="" ' in page
    assert 'srcdoc="&lt;p onclick=&quot;x()&quot;&gt;Hei &quot;Åse&quot;&lt;/p&gt;' in page
    assert "<script>" not in page
    assert "Ærlig" in page and "innkalling.pdf" in page


def test_addresses_in_the_plain_text_are_links_and_nothing_else_is(sink: MailSink) -> None:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@x.example", "b@x.example", "Logg inn"
    msg.set_content('Logg inn: http://127.0.0.1:8000/logg-inn/abc.DEF-1_2.\n'
                    'Ikke en lenke: https[:]//x[.]no og <b>"fet"</b>\n')
    _send(sink, msg)
    [stored] = sink.wait_for(1)
    page = _get(sink, f"/message/{stored.id}")[2].decode("utf-8")
    assert ('<a href="http://127.0.0.1:8000/logg-inn/abc.DEF-1_2" rel="noreferrer">'
            "http://127.0.0.1:8000/logg-inn/abc.DEF-1_2</a>.") in page
    assert "https[:]//x[.]no og &lt;b&gt;&quot;fet&quot;&lt;/b&gt;" in page
    assert page.count("<a href=\"http") == 1


def test_unknown_message_page_is_404(sink: MailSink) -> None:
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        _get(sink, "/message/finnes-ikke")
    assert excinfo.value.code == 404
    assert '<html lang="nb">' in excinfo.value.read().decode("utf-8")


# -- command line -------------------------------------------------------------


def test_command_line_runs_until_interrupted() -> None:
    project_root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "dev.mailsink", "--smtp-port", "0", "--ui-port", "0"],
        cwd=project_root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        smtp_line, web_line, hint_line = (process.stdout.readline() for _ in range(3))
        assert smtp_line.startswith("SMTP: smtp://127.0.0.1:")
        assert web_line.startswith("Web:  http://127.0.0.1:")
        assert hint_line == "Press Ctrl-C to stop.\n"
        port = int(smtp_line.strip().rsplit(":", 1)[1])
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            assert client.noop()[0] == 250
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_start_on_busy_port_fails_fast_without_leaking() -> None:
    threads_before = set(threading.enumerate())
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        sink = MailSink(smtp_port=busy.getsockname()[1], ui_port=None)

        with pytest.raises(OSError):
            sink.start()

    assert not sink.running
    assert set(threading.enumerate()) - threads_before == set()


# -- behaviour the HTTP layer must keep (security headers, deletes, paging, busy ports) ------


def test_pages_forbid_scripts_and_parts_download_sandboxed(sink: MailSink) -> None:
    _send(sink, _rich_message())
    [stored] = sink.wait_for(1)

    for path in ("/", f"/message/{stored.id}", "/message/finnes-ikke"):
        try:
            response = urllib.request.urlopen(f"{sink.ui_url}{path}", timeout=10)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            assert "script-src 'none'" in response.headers["Content-Security-Policy"], path
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Cache-Control"] == "no-store"
    with urllib.request.urlopen(f"{sink.ui_url}/api/v1/message/{stored.id}/part/2", timeout=10) as part:
        assert part.headers["Content-Security-Policy"] == "sandbox"
        assert part.headers["Content-Disposition"] == "attachment; filename*=UTF-8''innkalling.pdf"


def test_api_delete_some_and_page_with_start(sink: MailSink) -> None:
    for number in range(3):
        _send(sink, _simple_message(f"Melding {number}"))
    first, second, _ = sink.wait_for(3)

    request = urllib.request.Request(
        f"{sink.ui_url}/api/v1/messages", method="DELETE", data=json.dumps({"IDs": [second.id]}).encode()
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200

    assert [m.subject for m in sink.messages()] == ["Melding 0", "Melding 2"]
    listing = _get_json(sink, "/api/v1/messages?start=1&limit=5")
    assert (listing["total"], listing["start"], listing["count"]) == (2, 1, 1)
    assert [m["ID"] for m in listing["messages"]] == [first.id]


def test_api_delete_with_bad_body_is_400_and_keeps_messages(sink: MailSink) -> None:
    _send(sink, _simple_message("Blir"))
    sink.wait_for(1)

    for body in (b"{ikke json", b"[1, 2]"):
        request = urllib.request.Request(f"{sink.ui_url}/api/v1/messages", method="DELETE", data=body)
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(request, timeout=10)
        assert excinfo.value.code == 400
        assert "error" in json.loads(excinfo.value.read())
    assert len(sink.messages()) == 1


def test_delete_all_button_empties_the_inbox_and_goes_back(sink: MailSink) -> None:
    _send(sink, _simple_message("Slettes"))
    sink.wait_for(1)

    request = urllib.request.Request(f"{sink.ui_url}/slett", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as response:  # follows the 303 to the inbox
        page = response.read().decode("utf-8")

    assert sink.messages() == []
    assert "Ingen e-poster mottatt ennå." in page


def test_wrong_method_is_405(sink: MailSink) -> None:
    request = urllib.request.Request(f"{sink.ui_url}/api/v1/message/latest", method="DELETE")
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=10)
    assert excinfo.value.code == 405
    assert "error" in json.loads(excinfo.value.read())


def test_start_on_busy_ui_port_raises_oserror_and_frees_smtp() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        sink = MailSink(smtp_port=0, ui_port=busy.getsockname()[1])

        with pytest.raises(OSError):
            sink.start()

    assert not sink.running
