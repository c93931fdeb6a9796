"""Compose e-mails (plain text and HTML) and send them over SMTP: bokmål, and the submitter's in
their language (shared.i18n; the templates' _() texts are the catalogs' message ids)."""
from __future__ import annotations

import base64
import binascii
import io
import re
import secrets
import smtplib
import time
from collections.abc import Callable, Sequence
from email.generator import BytesGenerator
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage, Message, MIMEPart
from email.policy import EmailPolicy
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, FileSystemLoader, StrictUndefined, meta, nodes, pass_eval_context, select_autoescape
from jinja2.nodes import EvalContext
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

from shared.i18n import DEFAULT_LANGUAGE, LANGUAGES, gettext_for, known_language
from shared.models import utcnow
from shared.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"


class TransientMailError(Exception):
    """Worth trying again later: connection refused, timeouts, 4xx replies."""


class PermanentMailError(Exception):
    """The server said no for good (5xx): mark the notification failed, do not loop."""


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Attachment(Protocol):
    """A file an e-mail carries (shared.documents.Document is one)."""

    @property
    def filename(self) -> str: ...
    @property
    def content(self) -> bytes: ...
    @property
    def content_type(self) -> str: ...


# What a mail client would turn into a link: a scheme (https://), www., a host name with a path,
# or a bare host name whose first label has two characters or more (so "f.eks." stays as written).
_LABEL, _TOP = r"[^\W_][\w-]*", r"[^\W\d_]{2,}"
_LINKABLE = re.compile(
    rf"\b[a-z][a-z0-9+.-]*:/+\S*"
    rf"|\bwww\.\S*"
    rf"|\b{_LABEL}(?:\.{_LABEL})*\.{_TOP}/\S*"
    rf"|\b[^\W_][\w-]+(?:\.{_LABEL})*\.{_TOP}\b\S*",
    re.IGNORECASE,
)


def defang(text: str | None) -> str:
    """Break the URLs in someone else's text so no mail client links them: https[:]//x[.]no/.

    For the submitter's words in staff e-mails, which could imitate our action links. Dates,
    times and abbreviations ("23.30", "f.eks.") are left as written.
    """
    return _LINKABLE.sub(lambda m: m.group().replace("://", "[:]//").replace(".", "[.]"), text or "")


def quote(text: str | None) -> str:
    """Every line with "> " in front, as mail quotes it, so quoted text cannot pass for ours."""
    return "\n".join(f"> {line}" if line.strip() else ">" for line in (text or "").splitlines() or [""])


def quick_gettext(translate: Callable[[str], str]) -> Callable[..., str]:
    """Jinja's new-style gettext (escaped, then `%`-formatted with its keywords) with two steps
    fewer for each of the ~100 texts a case e-mail has: `_` is it, not an alias that looks it up
    by name, and a text without a `%` is not formatted (which returns it unchanged: "%%" is the
    only thing the formatting would change, and that has a `%`)."""

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
        text = translate(string)
        if eval_ctx.autoescape:
            text = Markup(text)
        return text % variables if "%" in text else text

    return gettext


class _FixedTexts(NodeTransformer):
    """`_("text")` with nothing to fill in, translated once when the template is compiled: what
    quick_gettext would give each time it is rendered (the translation, safe where autoescaped,
    "%%" read as "%")."""

    def __init__(self, translate: Callable[[str], str]) -> None:
        self.translate = translate

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        self.generic_visit(node)
        if not (isinstance(node.node, nodes.Name) and node.node.name in ("_", "gettext")
                and len(node.args) == 1 and isinstance(node.args[0], nodes.Const)
                and isinstance(node.args[0].value, str)
                and not node.kwargs and node.dyn_args is None and node.dyn_kwargs is None):
            return node
        text = self.translate(node.args[0].value)
        if "%" in text:
            try:
                text = text % {}
            except (KeyError, TypeError, ValueError):
                return node  # a text that wants values: left to fail as it would when rendered
        return nodes.MarkSafeIfAutoescape(nodes.Const(text, lineno=node.lineno), lineno=node.lineno)


class TranslatedEnvironment(Environment):
    """An environment with one language's texts: `_` and `gettext` (quick_gettext, also for
    {% trans %}), and the texts that fill in nothing translated at compile time, so a rendering
    does not call gettext for each of the ~100 fixed texts of an e-mail."""

    def __init__(self, language: str = DEFAULT_LANGUAGE, **options: Any) -> None:
        super().__init__(**{"extensions": ["jinja2.ext.i18n"], **options})
        translations = gettext_for(language)
        self.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        self.globals.update(_=(quick := quick_gettext(translations.gettext)), gettext=quick)
        self._fixed_texts = _FixedTexts(translations.gettext)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        self._fixed_texts.visit(tree)
        return tree


def template_environment(language: str = DEFAULT_LANGUAGE) -> Environment:
    env = TranslatedEnvironment(
        language,
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # a worker's templates change with a new deployment, which restarts it
    )
    env.globals["language"] = known_language(language)
    env.filters.update(defang=defang, quote=quote)
    return env


@lru_cache(maxsize=len(LANGUAGES))
def language_environment(language: str) -> Environment:
    """The templates in nynorsk or English, one environment per language and process."""
    return template_environment(language)


def compile_all(env: Environment) -> None:
    """Compile every template of `env` and of the other languages' environments now: in a
    worker's main process before the pool forks, so its processes share them instead of each
    compiling them during its first e-mails."""
    for environment in (env, *(language_environment(language) for language in LANGUAGES
                               if language != DEFAULT_LANGUAGE)):
        for name in environment.list_templates():
            environment.get_template(name)


def environment_for(env: Environment, language: str) -> Environment:
    """`env` (the bokmål one the caller was given, perhaps a test's) for bokmål, else the language's."""
    return env if language == DEFAULT_LANGUAGE else language_environment(language)


@lru_cache(maxsize=128)
def template_variables(env: Environment, template: str) -> frozenset[str]:
    """The variables a template's subject, text and HTML use, with what they include or extend."""
    assert env.loader is not None
    found: set[str] = set()
    pending, seen = [f"{template}.subject.txt", f"{template}.txt", f"{template}.html"], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        parsed = env.parse(env.loader.get_source(env, name)[0])
        found |= meta.find_undeclared_variables(parsed)
        pending += [ref for ref in meta.find_referenced_templates(parsed) if ref]
    return frozenset(found)


def mail_domain(settings: Settings) -> str:
    return _domain_of(settings.mail_from)


@lru_cache(maxsize=8)
def _domain_of(mail_from: str) -> str:
    return parseaddr(mail_from)[1].rpartition("@")[2] or "samhandling.invalid"


class _HeaderClasses(HeaderRegistry):
    """The standard registry of header classes, each built once instead of once per header parsed."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        if key not in self._built:
            self._built[key] = super().__getitem__(key)
        return self._built[key]


class _MailPolicy(EmailPolicy):
    """email.policy.default, with a header value parsed once per process rather than once per
    e-mail: most of an e-mail's headers (From, its parts' Content-Type and -Transfer-Encoding,
    MIME-Version, Auto-Submitted) are the same in every one. Parsed headers are immutable, so
    e-mails can share them; the bytes on the wire are the default policy's."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if isinstance(value, str):
            return _parsed(self, name, value)
        return super().header_store_parse(name, value)

    def _fold(self, name: str, value: Any, refold_binary: bool = False) -> str:
        """A shared parsed header is folded once per process for each way of writing it (the
        generator clones the policy for SMTP's CRLF); anything else as the default policy does."""
        if not hasattr(value, "name"):
            folded: str = super()._fold(name, value, refold_binary)  # type: ignore[misc]
            return folded
        key = (id(value), self.linesep, self.max_line_length, self.utf8)
        found = _FOLDED.get(key)
        if found is None or found[0] is not value:
            if len(_FOLDED) >= _FOLDED_LIMIT:
                _FOLDED.clear()
            found = _FOLDED[key] = (value, value.fold(policy=self))
        return found[1]


# Folded headers by the header object's identity; the object is kept with its folding, so its
# id cannot be reused by another while the entry stands.
_FOLDED: dict[tuple[int, str, int | None, bool], tuple[Any, str]] = {}
_FOLDED_LIMIT = 2048


@lru_cache(maxsize=512)
def _parsed(policy: EmailPolicy, name: str, value: str) -> tuple[str, Any]:
    return EmailPolicy.header_store_parse(policy, name, value)


POLICY = _MailPolicy(header_factory=_HeaderClasses())
_MAX_LINE = POLICY.max_line_length or 78  # the longest line a text part may carry unencoded (7bit)


@lru_cache(maxsize=8)
def _sender(mail_from: str) -> str:
    """The From header's text for the configured MAIL_FROM, worked out once."""
    return _address(*parseaddr(mail_from))


def _address(name: str, email: str) -> str:
    # Names are validated without line breaks at intake; strip them again so no header can break.
    safe_name = " ".join(name.split())
    username, _, domain = email.partition("@")
    # As text (quoted where it must be), so the parsed header can be shared like any other.
    return str(Address(display_name=safe_name, username=username, domain=domain))


# An encoded word is at most 75 characters (RFC 2047 §2); the first also shares its line with
# "Subject: " within 78. 42 bytes of UTF-8 are 56 characters of base64, 68 with the markers.
_WORD_BYTES = 42


def _encoded_words(text: str) -> list[str]:
    """`text` as RFC 2047 base64 words, split between characters, never inside one (a split
    point that falls on a UTF-8 continuation byte moves back to the character's first byte)."""
    data, words, start = text.encode(), [], 0
    while True:
        end = min(start + _WORD_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:
            end -= 1
        words.append(data[start:end])
        if end >= len(data):
            return [f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words]
        start = end


def _set_subject(message: EmailMessage, subject: str) -> None:
    """Non-ASCII subjects go in as RFC 2047 encoded words we fold ourselves.

    The default policy's folder can drop the space before an encoded word when it folds a long
    header (CPython gh-92081: "for å løse" arrives as "forå løse"), and email.header.Header,
    which folds correctly, spends milliseconds measuring its chunks. Here every space is inside
    a base64 word, and the whitespace between adjacent encoded words is not part of the text
    (RFC 2047 §6.2); set_raw keeps the policy from folding it again.
    """
    if subject.isascii():
        _set_token(message, "Subject", subject)  # a case's reference makes each one new
    else:
        message.set_raw("Subject", "\n ".join(_encoded_words(subject)))


_TOKEN = re.compile(r"[\x21-\x7e]+(?: [\x21-\x7e]+)*")


def _set_token(message: EmailMessage, name: str, value: str) -> None:
    """A printable-ASCII value of our own making (a Message-ID, a Date, an ASCII subject) that
    fits on the header's line, as written: parsed only when read, never when sent (each e-mail's
    is new, so no parse would be shared); folding would leave it as it is."""
    if len(name) + 2 + len(value) <= _MAX_LINE and _TOKEN.fullmatch(value):
        message.set_raw(name, value)
    else:
        message[name] = value


def compose(
    env: Environment,
    template: str,
    context: dict[str, Any],
    *,
    settings: Settings,
    to_name: str,
    to_email: str,
    message_id: str,
    calendar: tuple[bytes, str] | None = None,
    attachments: Sequence[Attachment] = (),
    language: str = DEFAULT_LANGUAGE,
) -> EmailMessage:
    """Render `<template>.subject.txt`, `.txt` and `.html` into one multipart/alternative message.

    A calendar (iCalendar bytes, method) goes in as a text/calendar alternative whose `method`
    parameter matches the one inside (RFC 6047), and again as an .ics file for other clients.
    Attachments follow as files, in their order (the message becomes multipart/mixed).
    """
    # Every e-mail's footer links the privacy page (SPEC §9), whoever composed it.
    context = {**context, "privacy_url": f"{settings.public_base_url}/personvern"}
    subject = " ".join(env.get_template(f"{template}.subject.txt").render(context).split())
    message = EmailMessage(policy=POLICY)
    message["From"] = _sender(settings.mail_from)
    message["To"] = _address(to_name, to_email)
    _set_subject(message, subject)
    _set_token(message, "Message-ID", message_id)
    _set_token(message, "Date", format_datetime(utcnow()))
    message["Auto-Submitted"] = "auto-generated"
    message["MIME-Version"] = "1.0"
    message["Content-Type"] = "multipart/alternative"  # its boundary is set last (_set_boundaries)
    message.set_payload([_text_part(env.get_template(f"{template}.txt").render(context), "plain"),
                         _text_part(env.get_template(f"{template}.html").render(context), "html")])
    if calendar is not None:
        ics, method = calendar
        message.add_alternative(ics, maintype="text", subtype="calendar", params={"method": method, "charset": "utf-8"})
        message.add_attachment(ics, maintype="application", subtype="ics", filename="invitasjon.ics")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename)
    message["Content-Language"] = language  # after the body: set_content clears Content-* headers
    _set_boundaries(message)
    return message


def _text_part(text: str, subtype: str) -> MIMEPart:
    """A UTF-8 text part, as set_content writes one (7bit when the text is ASCII in short lines,
    else quoted-printable), encoded by binascii's C encoder rather than the email package's
    per-character one, which set_content runs one and a half times over each text (a sample, then
    the whole). Line breaks become the generator's, as set_content's do."""
    lines = text.encode("utf-8").splitlines()
    body = b"\n".join(lines) + b"\n"
    part = MIMEPart(policy=POLICY)
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    if body.isascii() and max(map(len, lines), default=0) <= _MAX_LINE:
        part["Content-Transfer-Encoding"] = "7bit"
        part.set_payload(body.decode("ascii"))
    else:
        part["Content-Transfer-Encoding"] = "quoted-printable"
        part.set_payload(binascii.b2a_qp(body, istext=True).decode("ascii"))  # lines of at most 76
    return part


# The boundaries of this process's multiparts, one per nesting depth: the same in every e-mail,
# so their Content-Type headers are parsed and folded once (mail.POLICY). A boundary must only
# not occur in what it encloses (RFC 2046 §5.1.1); text that has it gets a fresh one.
_BOUNDARY = f"=_{secrets.token_hex(12)}"


def _set_boundaries(message: EmailMessage) -> None:
    """What the generator would do per e-mail (a random boundary, a regular expression compiled
    to look for it, the header parsed again), done once."""
    leaves = [str(part.get_payload()) for part in message.walk() if not part.is_multipart()]
    for depth, part in enumerate(part for part in message.walk() if part.is_multipart()):
        boundary = f"{_BOUNDARY}_{depth}"
        if any(boundary in leaf for leaf in leaves):
            boundary = f"=_{secrets.token_hex(16)}"
        part.replace_header("Content-Type", f'{part.get_content_type()}; boundary="{boundary}"')


def _classify(error: Exception) -> Exception:
    if isinstance(error, smtplib.SMTPNotSupportedError) and "SMTPUTF8" in str(error):
        # A non-ASCII address and a relay without SMTPUTF8: no retry can change that.
        return PermanentMailError(str(error))
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        permanent = bool(codes) and all(code >= 500 for code in codes)
        return (PermanentMailError if permanent else TransientMailError)(str(error))
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500:
        return PermanentMailError(f"{error.smtp_code} {error.smtp_error!r}")
    return TransientMailError(f"{type(error).__name__}: {error}")


_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as email.generator splits lines
_CRLF = "\r\n"


def wire(message: Message) -> bytes:
    """The e-mail as BytesGenerator writes it for SMTP (CRLF line breaks), written directly for
    the trees compose builds (ASCII payloads: 7bit, quoted-printable and base64 parts, multiparts
    with their boundaries set, no preamble or epilogue), where the generator clones itself and its
    policy, a buffer and a dispatch per part; anything else by BytesGenerator. The same bytes
    (tests/unit/test_mail.py compares them)."""
    policy = _wire_policy(message.policy)
    out: list[bytes] = []
    if policy is None or not _write_part(message, policy, out):
        with io.BytesIO() as flattened:
            BytesGenerator(flattened).flatten(message, linesep=_CRLF)
            return flattened.getvalue()
    return b"".join(out)


@lru_cache(maxsize=4)
def _wire_policy(policy: Any) -> EmailPolicy | None:
    """The generator's own clone of an e-mail's policy for CRLF; None for the old Compat32."""
    return policy.clone(linesep=_CRLF) if isinstance(policy, EmailPolicy) and not policy.mangle_from_ else None


def _boundary(part: Message) -> str | None:
    """get_boundary, read from the Content-Type header as parsed when it was set (and shared:
    _set_boundaries gives every e-mail the same) rather than parsed again for its parameters."""
    content_type = part.get("Content-Type")
    params = getattr(content_type, "params", None)
    if params is None:
        return part.get_boundary()
    boundary = params.get("boundary")
    return boundary if isinstance(boundary, str) else None


def _write_part(part: Message, policy: EmailPolicy, out: list[bytes]) -> bool:
    """Append the part's bytes to `out`; False for a part this writer leaves to the generator."""
    payload = part._payload  # type: ignore[attr-defined]
    if part.preamble is not None or part.epilogue is not None:
        return False
    if isinstance(payload, list):
        boundary = _boundary(part)
        if not boundary or not payload or part.get_content_type() in ("multipart/signed", "message/rfc822"):
            return False  # an empty multipart, a signed one (written unfolded), a message in a message
    elif not isinstance(payload, str) or not payload.isascii():
        return False  # bytes kept from a parsed message (surrogates), or no payload at all
    out.extend(policy.fold_binary(name, value) for name, value in part.raw_items())
    out.append(b"\r\n")
    if isinstance(payload, str):
        out.append(_LINE_BREAK.sub(_CRLF, payload).encode("ascii"))
        return True
    for index, subpart in enumerate(payload):
        out.append(f"{_CRLF if index else ''}--{boundary}{_CRLF}".encode("ascii"))
        if not _write_part(subpart, policy, out):
            return False
    out.append(f"{_CRLF}--{boundary}--{_CRLF}".encode("ascii"))
    return True


def _transmit(smtp: smtplib.SMTP, message: EmailMessage) -> None:
    """smtplib's send_message, with the envelope taken from the From and To headers as parsed
    (mail.POLICY shares them) rather than parsed again from their text, and the same bytes.
    Anything else (Cc, Bcc, Resent-*, a non-ASCII address that needs SMTPUTF8) goes through
    send_message itself."""
    if any(name in message for name in ("Cc", "Bcc", "Resent-From", "Resent-To", "Resent-Date")):
        smtp.send_message(message)
        return
    senders, recipients = message["From"].addresses, message["To"].addresses
    envelope = [address.addr_spec for address in (*senders, *recipients)]
    if len(senders) != 1 or not recipients or not all(part.isascii() for part in envelope):
        smtp.send_message(message)
        return
    smtp.sendmail(envelope[0], envelope[1:], wire(message))


@lru_cache(maxsize=1024)
def _quoted(address: str) -> str:
    return smtplib.quoteaddr(address)


class _Smtp(smtplib.SMTP):
    """smtplib.SMTP quoting each envelope address once per process (a contact gets many e-mails):
    smtplib quotes by parsing the address with the email package's parser at every MAIL and
    RCPT. The same commands; SMTPUTF8 (a non-ASCII address) as smtplib handles it."""

    def mail(self, sender: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        if any(option.lower() == "smtputf8" for option in options):
            return super().mail(sender, options)
        self.putcmd("mail", self._envelope("FROM", sender, options))
        return self.getreply()

    def rcpt(self, recip: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        self.putcmd("rcpt", self._envelope("TO", recip, options))
        return self.getreply()

    def _envelope(self, field: str, address: str, options: Sequence[str]) -> str:
        """MAIL's or RCPT's arguments as smtplib writes them (options only to an ESMTP server)."""
        extra = " " + " ".join(options) if options and self.does_esmtp else ""
        return f"{field}:{_quoted(address)}{extra}"

    def sendmail(  # type: ignore[override]
        self, from_addr: str, to_addrs: Sequence[str], msg: bytes,
        mail_options: Sequence[str] = (), rcpt_options: Sequence[str] = (),
    ) -> dict[str, tuple[int, bytes]]:
        """smtplib's sendmail; to a server that offers PIPELINING (RFC 2920) MAIL, every RCPT
        and DATA are written at once and their replies read in order, one round trip where
        smtplib waits for each (two plus one per recipient). The same outcomes and exceptions as
        smtplib's: a refused sender or all recipients refused is answered with RSET (or a close
        on 421), a partial refusal returned; should a server accept DATA after refusing the
        envelope, an empty body ends it."""
        self.ehlo_or_helo_if_needed()
        if (not self.has_extn("pipelining") or not isinstance(msg, bytes) or isinstance(to_addrs, str)
                or any(option.lower() == "smtputf8" for option in mail_options)):
            return super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)
        sender_options = ([f"size={len(msg)}"] if self.has_extn("size") else []) + list(mail_options)
        self.send("".join([_command_line("mail", self._envelope("FROM", from_addr, sender_options)),
                           *(_command_line("rcpt", self._envelope("TO", recipient, rcpt_options))
                             for recipient in to_addrs),
                           _command_line("data")]))
        sender = self.getreply()
        if sender[0] == 421:  # closing: the other replies may never come
            self.close()
            raise smtplib.SMTPSenderRefused(*sender, from_addr)
        refused: dict[str, tuple[int, bytes]] = {}
        for recipient in to_addrs:
            reply = self.getreply()
            if reply[0] not in (250, 251):
                refused[recipient] = reply
            if reply[0] == 421:
                self.close()
                if sender[0] != 250:
                    raise smtplib.SMTPSenderRefused(*sender, from_addr)
                raise smtplib.SMTPRecipientsRefused(refused)
        data = self.getreply()
        envelope_refused = sender[0] != 250 or len(refused) == len(to_addrs)
        if data[0] == 354 and envelope_refused:
            self.send(b".\r\n")  # accepted DATA for nobody: end it empty (RFC 2920 §3.1)
            data = self.getreply()
        if envelope_refused:
            if data[0] == 421:
                self.close()
            else:
                self._reset()
            if sender[0] != 250:
                raise smtplib.SMTPSenderRefused(*sender, from_addr)
            raise smtplib.SMTPRecipientsRefused(refused)
        if data[0] != 354:
            raise smtplib.SMTPDataError(*data)  # as smtplib's data(): no RSET
        self.send(_dot_stuffed(msg))
        code, response = self.getreply()
        if code != 250:
            if code == 421:
                self.close()
            else:
                self._reset()
            raise smtplib.SMTPDataError(code, response)
        return refused

    def _reset(self) -> None:
        """RSET, a connection already gone left as it is (smtplib's private _rset)."""
        try:
            self.rset()
        except smtplib.SMTPServerDisconnected:
            pass


def _command_line(command: str, args: str = "") -> str:
    """One command as smtplib's putcmd writes it, refusing a line break inside it as putcmd does
    (no command can be smuggled into a pipelined batch), for a batch sent in one write."""
    line = f"{command} {args}" if args else command
    if "\r" in line or "\n" in line:
        shown = line.replace("\n", "\\n").replace("\r", "\\r")
        raise ValueError(f"command and arguments contain prohibited newline characters: {shown}")
    return f"{line}\r\n"


_LEADING_DOT = re.compile(rb"(?m)^\.")


def _dot_stuffed(message: bytes) -> bytes:
    """The message as smtplib's data() sends it: a line's leading dot doubled, ended by CRLF.CRLF."""
    quoted = _LEADING_DOT.sub(b"..", message)
    return quoted + (b"" if quoted.endswith(b"\r\n") else b"\r\n") + b".\r\n"


class SmtpMailer:
    """One SMTP connection, opened on first use and kept for the tasks that follow.

    A connection left idle longer than `idle_limit`, or that has carried `per_connection`
    e-mails (relays cap a session's messages), is closed and opened again rather than trusted;
    one that the server has closed meanwhile is reopened once, at the first command.
    """

    idle_limit = 20.0  # seconds; servers drop idle clients after minutes (RFC 5321 §4.5.3.2.7)
    per_connection = 100

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._last_used = 0.0
        self._carried = 0

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is None:
            smtp = _Smtp(
                self.settings.smtp_host, self.settings.smtp_port, timeout=self.settings.smtp_timeout
            )
            if self.settings.smtp_starttls:
                smtp.starttls()
            if self.settings.smtp_user:
                smtp.login(self.settings.smtp_user, self.settings.smtp_password)
            self._smtp = smtp
            self._carried = 0
        return self._smtp

    def send(self, message: EmailMessage) -> None:
        worn = self._carried >= self.per_connection
        if self._smtp is not None and (worn or time.monotonic() - self._last_used > self.idle_limit):
            self.close()
        reused = self._smtp is not None
        try:
            _transmit(self._connection(), message)
        except smtplib.SMTPServerDisconnected as error:
            self.close()
            if not reused:
                raise _classify(error) from error
            self._send_on_new_connection(message)  # the server had closed the kept connection
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            self.close()
            raise _classify(error) from error
        self._last_used = time.monotonic()
        self._carried += 1

    def _send_on_new_connection(self, message: EmailMessage) -> None:
        try:
            _transmit(self._connection(), message)
        except (TimeoutError, smtplib.SMTPException, OSError) as error:
            self.close()
            raise _classify(error) from error

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass  # the connection is already gone; nothing to tidy up
            self._smtp = None
