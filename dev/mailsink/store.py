"""A message the sink received, parsed once on arrival, with what the viewer and tests read."""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import AddressHeader
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Self

from markupsafe import Markup

SNIPPET_LENGTH = 250
Addresses = list[tuple[str, str]]  # (display name, address)
_INVISIBLE = re.compile(r"(?is)<(script|style|head|title)\b.*?</\1\s*>")


def _leaves(part: Any, path: str = "") -> Iterator[tuple[str, EmailMessage]]:
    """(Mailpit's part ID such as "1.2", part) for every leaf part."""
    if not part.is_multipart() or part.get_content_type() == "message/rfc822":
        yield path or "1", part
        return
    for index, child in enumerate(part.iter_parts(), start=1):
        yield from _leaves(child, f"{path}.{index}" if path else str(index))


def part_bytes(part: Any) -> bytes:
    if part.get_content_type() == "message/rfc822":
        return bytes(part.get_payload(0))
    return part.get_payload(decode=True) or b""  # type: ignore[no-any-return]


@dataclass(frozen=True)
class StoredMessage:
    """One message received by the sink."""

    id: str
    message_id: str  # Message-ID header without angle brackets ("" if absent)
    mail_from: str  # envelope sender (MAIL FROM)
    rcpt_tos: list[str]  # envelope recipients (RCPT TO)
    subject: str
    created: datetime  # time received, timezone-aware UTC
    raw: bytes
    parsed: EmailMessage

    @classmethod
    def receive(cls, mail_from: str, rcpt_tos: list[str], raw: bytes) -> Self:
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        message_id = str(parsed.get("Message-ID") or "").strip().removeprefix("<").removesuffix(">")
        subject = str(parsed.get("Subject") or "").strip()
        return cls(uuid.uuid4().hex, message_id, mail_from, list(rcpt_tos), subject,
                   datetime.now(UTC), raw, parsed)

    def _body(self, subtype: str) -> str:
        part = self.parsed.get_body(preferencelist=(subtype,))
        if part is None:
            return ""
        payload = part_bytes(part)
        try:
            text = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            text = payload.decode("utf-8", errors="replace")
        return text.replace("\r\n", "\n")  # SMTP carries CRLF; tests and the viewer want "\n"

    def addresses(self, header: str) -> Addresses:
        return [(a.display_name, a.addr_spec) for h in self.parsed.get_all(header, [])
                if isinstance(h, AddressHeader) for a in h.addresses]

    @property
    def text(self) -> str:
        return self._body("plain")

    @property
    def html(self) -> str:
        return self._body("html")

    @property
    def to(self) -> Addresses:
        return self.addresses("To")

    @property
    def senders(self) -> Addresses:  # the From header's, else the envelope sender
        return self.addresses("From") or [("", self.mail_from)]

    @property
    def bcc(self) -> Addresses:  # envelope recipients named in neither To nor Cc
        visible = {address.lower() for _, address in self.to + self.addresses("Cc")}
        return [("", rcpt) for rcpt in self.rcpt_tos if rcpt.lower() not in visible]

    @property
    def parts(self) -> dict[str, EmailMessage]:
        return dict(_leaves(self.parsed))

    @property
    def attachment_parts(self) -> dict[str, EmailMessage]:
        return {pid: part for pid, part in self.parts.items()
                if part.get_content_disposition() == "attachment"
                or (part.get_content_disposition() is None and part.get_filename() is not None)}

    @property
    def attachments(self) -> list[tuple[str, str, bytes]]:  # (filename, content type, bytes)
        return [(part.get_filename() or "", part.get_content_type(), part_bytes(part))
                for part in self.attachment_parts.values()]

    @property
    def snippet(self) -> str:
        text = " ".join((self.text or Markup(_INVISIBLE.sub(" ", self.html)).striptags()).split())
        return text if len(text) <= SNIPPET_LENGTH else text[:SNIPPET_LENGTH] + "..."

