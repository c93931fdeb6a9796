"""The notifier's SMTP client pipelines MAIL, RCPT and DATA (RFC 2920) where the server offers it,
and ends every transaction as smtplib does: the same return value, the same exception, the same
RSET or close. Checked against a scripted SMTP server on a real socket."""
from __future__ import annotations

import smtplib
import socket
import threading
from dataclasses import dataclass, field

import pytest

from services.notifier.mail import _Smtp

MESSAGE = b"From: a@kommune.example\r\nTo: b@bonord.example\r\nSubject: Hei\r\n\r\n.en linje med punktum\r\nslutt\r\n"
SENDER, RECIPIENTS = "a@kommune.example", ["b@bonord.example", "c@bonord.example"]


@dataclass
class Script:
    """The server's replies: one for MAIL, one per RCPT in turn, DATA, and the end of the data."""

    mail: str = "250 2.1.0 Ok"
    rcpt: list[str] = field(default_factory=lambda: ["250 2.1.5 Ok", "250 2.1.5 Ok"])
    data: str = "354 End data with <CR><LF>.<CR><LF>"
    end: str = "250 2.0.0 Ok: queued"


class ScriptedServer:
    """One connection; answers each command line as it reads it (so a client may pipeline or not),
    closes after a 421. `withhold=True`: no reply before the DATA line has been read, which only a
    pipelining client gets past. Keeps what it read: command verbs and the message bodies."""

    def __init__(self, script: Script, pipelining: bool, withhold: bool = False) -> None:
        self.script, self.pipelining, self.withhold = script, pipelining, withhold
        self.commands: list[str] = []
        self.bodies: list[bytes] = []
        self.read_before_first_reply: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        connection, _ = self._listener.accept()
        with connection, connection.makefile("rb") as reader:
            def say(*lines: str) -> None:
                connection.sendall("".join(f"{line}\r\n" for line in lines).encode())

            say("220 scripted ESMTP")
            rcpts = iter(self.script.rcpt)
            held: list[str] = []
            while line := reader.readline():
                verb = line.split(b" ", 1)[0].split(b":", 1)[0].strip().upper().decode()
                self.commands.append(verb)
                if verb == "EHLO":
                    say("250-scripted", *(["250-PIPELINING"] if self.pipelining else []), "250 SIZE 10240000")
                    continue
                reply = {"MAIL": lambda: self.script.mail, "RCPT": lambda: next(rcpts),
                         "DATA": lambda: self.script.data, "RSET": lambda: "250 2.0.0 Ok",
                         "QUIT": lambda: "221 2.0.0 Bye"}.get(verb, lambda: "502 5.5.2 Error")()
                if self.withhold and not self.read_before_first_reply:
                    held.append(reply)
                    if verb != "DATA":
                        continue
                    self.read_before_first_reply = list(self.commands)
                    say(*held)
                else:
                    say(reply)
                if verb == "QUIT":
                    return
                if verb == "DATA" and reply.startswith("354"):
                    body = b""
                    while (chunk := reader.readline()) and chunk != b".\r\n":
                        body += chunk
                    self.bodies.append(body)
                    say(reply := self.script.end)
                if reply.startswith("421"):
                    # Closing as a server does, without resetting what the client sent ahead.
                    connection.shutdown(socket.SHUT_WR)
                    while reader.readline():
                        pass
                    return

    def close(self) -> None:
        self._listener.close()
        self._thread.join(5)


def outcome(client_class: type[smtplib.SMTP], script: Script, pipelining: bool) -> tuple[object, list[str], bool]:
    """What sendmail returned or raised, the commands the server read, and whether the client
    closed its side."""
    server = ScriptedServer(script, pipelining)
    client = client_class("127.0.0.1", server.port, timeout=5)
    try:
        try:
            result: object = client.sendmail(SENDER, RECIPIENTS, MESSAGE)
        except smtplib.SMTPException as error:
            result = (type(error).__name__, error.args)
        closed = client.sock is None
        if not closed:
            client.quit()
    finally:
        client.close()
        server.close()
    return result, server.commands, closed


SCRIPTS = {
    "accepted": Script(),
    "one recipient refused": Script(rcpt=["250 2.1.5 Ok", "550 5.1.1 No such user"]),
    "all recipients refused": Script(rcpt=["550 5.1.1 No such user", "550 5.1.1 No such user"],
                                     data="554 5.5.1 No valid recipients"),
    "all refused, DATA accepted all the same": Script(rcpt=["550 5.1.1 No", "450 4.2.0 Busy"]),
    "sender refused": Script(mail="553 5.7.1 Sender rejected", rcpt=["503 5.5.1 Need MAIL", "503 5.5.1 Need MAIL"],
                             data="503 5.5.1 Need RCPT"),
    "sender refused, DATA accepted all the same": Script(mail="451 4.3.0 Try later"),
    "closing at MAIL": Script(mail="421 4.3.2 Shutting down"),
    "closing at a recipient": Script(rcpt=["250 2.1.5 Ok", "421 4.3.2 Shutting down"]),
    "DATA refused": Script(data="451 4.3.0 Not now"),
    "message refused": Script(end="554 5.7.1 Spam"),
    "closing after the message": Script(end="421 4.3.2 Shutting down"),
}


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_pipelined_transaction_ends_as_smtplibs_does(name: str) -> None:
    """Return value or exception, RSET or close: the same as smtplib talking to a server that
    does not pipeline, whatever the server answers."""
    script = SCRIPTS[name]
    theirs, their_commands, they_closed = outcome(smtplib.SMTP, script, pipelining=False)
    ours, our_commands, we_closed = outcome(_Smtp, script, pipelining=True)
    assert ours == theirs
    assert we_closed == they_closed
    # smtplib stops after a refused sender or all recipients refused; a pipelining client has
    # already sent the rest, so compare what follows: RSET, the message, QUIT.
    assert [verb for verb in our_commands if verb in ("RSET", "QUIT")] == \
        [verb for verb in their_commands if verb in ("RSET", "QUIT")]


def test_with_a_server_that_offers_it_the_envelope_goes_in_one_write() -> None:
    """The server answers nothing until it has read DATA: only a pipelining client gets through
    (smtplib would wait for the answer to MAIL and time out)."""
    server = ScriptedServer(Script(), pipelining=True, withhold=True)
    client = _Smtp("127.0.0.1", server.port, timeout=5)
    try:
        assert client.sendmail(SENDER, RECIPIENTS, MESSAGE) == {}
        client.quit()
    finally:
        client.close()
        server.close()
    assert server.read_before_first_reply == ["EHLO", "MAIL", "RCPT", "RCPT", "DATA"]
    assert server.bodies == [MESSAGE.replace(b"\r\n.en", b"\r\n..en")]  # a leading dot doubled


def test_without_pipelining_offered_the_client_waits_for_each_answer() -> None:
    server = ScriptedServer(Script(), pipelining=False, withhold=True)
    client = _Smtp("127.0.0.1", server.port, timeout=1)
    try:
        with pytest.raises((smtplib.SMTPServerDisconnected, TimeoutError)):
            client.sendmail(SENDER, RECIPIENTS, MESSAGE)
    finally:
        client.close()
        server.close()
    assert server.commands == ["EHLO", "MAIL"]


def test_a_line_break_in_the_envelope_is_refused_as_smtplib_refuses_it() -> None:
    """No command smuggled into the batch: the same ValueError as smtplib's putcmd, raised before
    any of the batch is written (smtplib has sent MAIL by then; the pipelining client nothing)."""
    said = {}
    for client_class, pipelining in ((smtplib.SMTP, False), (_Smtp, True)):
        server = ScriptedServer(Script(rcpt=["250 Ok"]), pipelining)
        client = client_class("127.0.0.1", server.port, timeout=5)
        try:
            with pytest.raises(ValueError, match="prohibited newline"):
                client.sendmail(SENDER, RECIPIENTS[:1], MESSAGE,
                                rcpt_options=["NOTIFY=NEVER\r\nRCPT TO:<smuggled@example.org>"])
            client.quit()
        finally:
            client.close()
            server.close()
        said[client_class] = server.commands
    assert "RCPT" not in said[smtplib.SMTP] and said[_Smtp] == ["EHLO", "QUIT"]


def test_the_message_bytes_are_those_smtplib_sends() -> None:
    """Dot-stuffing and the final CRLF as smtplib's data(): with and without a last line break."""
    sent = []
    for message in (MESSAGE, MESSAGE.rstrip(b"\r\n"), b".\r\n..\r\n"):
        for client_class, pipelining in ((smtplib.SMTP, False), (_Smtp, True)):
            server = ScriptedServer(Script(rcpt=["250 Ok"]), pipelining)
            client = client_class("127.0.0.1", server.port, timeout=5)
            try:
                client.sendmail(SENDER, RECIPIENTS[:1], message)
                client.quit()
            finally:
                client.close()
                server.close()
            sent.append(server.bodies)
    assert sent[0] == sent[1] and sent[2] == sent[3] and sent[4] == sent[5]
    assert sent[4] == [b"..\r\n...\r\n"]


def test_the_notifier_mails_a_real_server_that_pipelines(base_settings):
    """Postfix's smtp-sink offers PIPELINING: the notifier's mailer sends over one connection and
    each e-mail arrives once, to its recipient, with its subject."""
    import time
    from email.message import EmailMessage

    from bench.sink import PostfixSink
    from services.notifier.mail import SmtpMailer

    sink = PostfixSink()
    sink.start()
    mailer = SmtpMailer(base_settings.with_overrides(smtp_host=sink.smtp_host, smtp_port=sink.smtp_port))
    try:
        for n, to in enumerate(["kari@kommune.example", "per@bonord.example", "ase@bonord.example"]):
            message = EmailMessage()
            message["From"], message["To"] = "samhandling@samhandling.example", to
            message["Subject"] = f"Sak {n} – ærlig"
            message.set_content(".punktum først\nHei")
            mailer.send(message)
        assert mailer._smtp is not None and mailer._smtp.has_extn("pipelining")
        deadline = time.monotonic() + 10  # smtp-sink writes a file per message as it receives it
        while len(sink.messages()) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        received = sorted((m.rcpt_tos, m.subject) for m in sink.messages())
    finally:
        mailer.close()
        sink.stop()
    assert received == [(("ase@bonord.example",), "Sak 2 – ærlig"), (("kari@kommune.example",), "Sak 0 – ærlig"),
                        (("per@bonord.example",), "Sak 1 – ærlig")]
