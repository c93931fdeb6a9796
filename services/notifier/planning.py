"""Planning a notification: one row per (event, recipient, kind), with its template chosen here, once.

A case's e-mails are of the kinds the handbook may name a template for (shared.handbook
TEMPLATE_KINDS: notification, receipt, status_changed, reminder, escalation); the case's handbook
version names it, else the default below. The summary copy to a borettslag board and the
meeting mails have templates of their own that no handbook names.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from shared.handbook import Rule
from shared.handbook_versions import rule_for_case
from shared.models import Case, Notification, utcnow
from shared.settings import Settings

from .mail import mail_domain

# Notification kinds a routed case starts with, besides shared.access.CASE_NOTIFICATION. A summary
# copy goes to someone who may not hold the case (a borettslag board): without the submitter's
# personal data, action links or staff links.
SUMMARY_COPY = "summary_copy"
RECEIPT = "receipt"
SUMMARY_TEMPLATE = "case_summary"

DEFAULT_TEMPLATES = {
    "summary": SUMMARY_TEMPLATE,  # never one the handbook names: those carry the submitter's data
    "receipt": "complaint_receipt",
    "status_changed": "status_changed",
    "reminder": "deadline_reminder",
    "escalation": "deadline_escalation",
}


def choose_template(mail: str, case_type: str, rule: Rule | None) -> str:
    """The template of one kind of case mail: the one the rule names, else the default."""
    named = rule.templates.get(mail) if rule is not None else None
    if named:
        return named
    return f"{case_type}_notification" if mail == "notification" else DEFAULT_TEMPLATES[mail]


def message_id_for(event_id: str, recipient: str, kind: str, domain: str) -> str:
    """Derived from the notification's unique key, so a resend carries the same Message-ID."""
    digest = hashlib.sha256(f"{event_id}|{recipient}|{kind}".encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


@dataclass(frozen=True)
class Planned:
    """One notification to plan: who gets which kind of e-mail, in which template."""

    email: str
    name: str
    kind: str
    template: str


@dataclass
class Claimed:
    """Notifications planned already claimed (sending, one attempt) by the statement that planned
    them, so the runner need not claim them in a statement of its own; and how many were planned.
    A key planned before adds no row here, and `complete` is then False: the runner claims as
    usual, and finds that one if it is still to be sent."""

    rows: list[Notification] = field(default_factory=list)
    planned: int = 0

    @property
    def complete(self) -> bool:
        return self.planned > 0 and len(self.rows) == self.planned


def _queue_statement(dialect: str, claimed: bool) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING of one notification, built once per dialect; claimed, with
    RETURNING the rows it inserted."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(Notification).on_conflict_do_nothing()
    return statement.returning(*Notification.__table__.columns) if claimed else statement


_QUEUE = {(dialect, claimed): _queue_statement(dialect, claimed)
          for dialect in ("postgresql", "sqlite") for claimed in (False, True)}


def queue_notifications(
    session: Session, event_id: str, case: Case | None, planned: Sequence[Planned], mail_domain: str,
    claimed: Claimed | None = None,
) -> None:
    """One row per (event, recipient, kind), in one statement (executemany); a key planned before
    adds nothing. On the session's connection without an autoflush: the ORM's pending changes
    (the case, its history, its deadlines) go in one flush at commit, not in two.

    With `claimed`, the rows are inserted as the runner's claim would leave them (sending, now,
    one attempt) and the inserted ones are added to it."""
    if not planned:
        return
    now, connection = utcnow(), session.connection()
    state = ({"status": "sending", "claimed_at": now, "attempts": 1} if claimed is not None
             else {"status": "pending", "attempts": 0})
    result = connection.execute(_QUEUE[connection.dialect.name, claimed is not None], [
        {"event_id": event_id, "case_id": case.id if case is not None else None,
         "recipient": letter.email, "recipient_name": letter.name, "kind": letter.kind,
         "template": letter.template, "created_at": now, "last_error": "", **state,
         "message_id": message_id_for(event_id, letter.email, letter.kind, mail_domain)}
        for letter in planned
    ])
    if claimed is not None:
        claimed.planned += len(planned)
        claimed.rows += [Notification(**row) for row in result.mappings()]


@dataclass
class Deps:
    """What an event handler works with: the event's transaction, the settings, and its e-mails."""

    session: Session
    settings: Settings
    event_id: str
    resent: list[int] = field(default_factory=list)  # earlier notifications sent with this event
    claimed: Claimed = field(default_factory=Claimed)  # what it planned, claimed as it planned it

    @property
    def domain(self) -> str:
        return mail_domain(self.settings)

    def queue(self, email: str, name: str, kind: str, template: str, case: Case | None = None) -> None:
        queue_notifications(self.session, self.event_id, case, [Planned(email, name, kind, template)],
                            self.domain, self.claimed)

    def queue_case_mail(self, case: Case, email: str, name: str, kind: str, mail: str) -> None:
        """A case mail, in the template the handbook version that routed the case names for `mail`."""
        self.queue(email, name, kind, choose_template(mail, case.type, rule_for_case(self.session, case)), case)

    def resend(self, notification_id: int) -> None:
        self.resent.append(notification_id)
