"""Send an event's notifications, each exactly once as far as SMTP allows.

An event's notifications are claimed (pending → sending) and composed in one committed
transaction before the SMTP conversation, and each is marked sent as soon as the server has
accepted it, so two deliveries of the same event never both send, and a worker killed mid-send
leaves claims that expire and are taken again. Each mark is one statement that commits by
itself (shared.db.autocommit), so the window between a server's 250 and its record is one
round trip.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ColumnElement, Connection, Executable, Update, bindparam, event, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from shared.db import autocommit, built_for, unit_of_work
from shared.models import Notification, utcnow

from .mail import Mailer, PermanentMailError, TransientMailError
from .metrics import count_email

log = logging.getLogger("samhandling.notifier")

# A notification still not sent after this many attempts is given up (failed, listed for staff,
# who may send it again for another round), before the worker's task stops retrying
# (RETRY["max_retries"] in worker.py) and would leave it pending for ever.
ATTEMPTS_PER_ROUND = 10
# After the server's 250 only the row that says "sent" stands between the letter and a second
# copy. While the database is away (a restart, a failover) the worker holds the outcome and tries
# again for up to this long, well inside the claim that keeps other workers off the letter.
RECORD_PATIENCE = 30.0

# Composes claimed notifications, all at once (services/notifier/composers.py compose_letters).
Composer = Callable[[Session, Sequence[Notification]], list[EmailMessage]]


class DeliveryIncomplete(Exception):
    """Some notifications are still pending or held by another worker; try again later."""


@dataclass(frozen=True)
class Letters:
    """Which notifications a delivery is about: a condition, and the values of its bound
    parameters. The statements made from a condition are built once per condition (an event's
    letters, EVENT_LETTERS, are one condition for every event), so a delivery only runs them."""

    where: ColumnElement[bool]
    params: Mapping[str, Any] = field(default_factory=dict)


# An event's notifications, and any sent again with it (a retry asked for by staff).
EVENT_LETTERS = or_(Notification.event_id == bindparam("letters_event"),
                    Notification.id.in_(bindparam("letters_resent", expanding=True)))


def of_event(event_id: str, resent: Sequence[int] = ()) -> Letters:
    return Letters(EVENT_LETTERS, {"letters_event": event_id, "letters_resent": list(resent)})


def _claim_statement(where: ColumnElement[bool]) -> Update:
    claimable = or_(Notification.status == "pending",
                    (Notification.status == "sending") & (Notification.claimed_at < bindparam("claim_stale")))
    return (update(Notification).where(where, claimable)
            .values(status="sending", claimed_at=bindparam("claim_now", type_=Notification.claimed_at.type),
                    attempts=Notification.attempts + 1)
            .returning(*_COLUMNS))


def _claim(session: Session, letters: Letters, now: dt.datetime, claim_timeout: int) -> list[Notification]:
    """pending → sending for the letters nobody else holds; the claimed, by id.

    A Core statement in the session's transaction: the claimed rows come back as plain values,
    made into (transient) Notification objects for the composers, which only read them.
    """
    rows = session.connection().execute(
        built_for("claim", letters.where, _claim_statement),
        {**letters.params, "claim_now": now, "claim_stale": now - dt.timedelta(seconds=claim_timeout)},
    ).mappings().all()
    return sorted((Notification(**row) for row in rows), key=lambda notification: notification.id)


_COLUMNS = list(Notification.__table__.columns)


def _finish_statement(dialect: str) -> Update:
    """UPDATE one notification's status, error and sent_at, built once per dialect."""
    statement = (update(Notification).where(Notification.id == bindparam("notification_id"))
                 .values(status=bindparam("status"), last_error=bindparam("error"),
                         sent_at=func.coalesce(bindparam("sent_at", type_=Notification.sent_at.type),
                                               Notification.sent_at)))
    if dialect == "postgresql":
        # Narrow the gap between the SMTP server's 250 and our record of it: the commit does not
        # wait for its WAL to reach the disk (synchronous_commit off, for this statement's own
        # transaction only, set by the statement itself). A worker killed inside that gap
        # resends; losing this record in a database crash costs the same resend.
        statement = statement.where(func.set_config("synchronous_commit", "off", True) == "off")
    return statement


_FINISH = {dialect: _finish_statement(dialect) for dialect in ("postgresql", "sqlite")}


def _finish(connection: Connection, notification_id: int, status: str, error: str = "") -> None:
    """One statement, committed on its own."""
    with connection.begin():
        connection.execute(_FINISH[connection.dialect.name], {
            "notification_id": notification_id, "status": status, "error": error[:2000],
            "sent_at": utcnow() if status == "sent" else None})


Letter = tuple[int, EmailMessage, dict[str, object]]


def claim_and_compose(
    session: Session, letters: Letters, compose: Composer, claim_timeout: int,
    planned_claimed: Sequence[Notification] = (), claim: bool = True,
) -> list[Letter]:
    """Claim and compose in the session's transaction; the caller commits before any SMTP
    conversation (the runner commits them with the event's planning, in one transaction).

    `planned_claimed`: letters the planning inserted already claimed, composed with the claimed;
    `claim` False when they are all there is to send (the planning inserted every one it planned)."""
    claimed = [*planned_claimed, *(_claim(session, letters, utcnow(), claim_timeout) if claim else [])]
    claimed.sort(key=lambda notification: notification.id)
    messages = compose(session, claimed) if claimed else []
    # What a log line may say about each: never the recipient's address or name.
    return [(notification.id, message,
             {"event_id": notification.event_id, "kind": notification.kind,
              "message_id": notification.message_id, "notification_id": notification.id,
              "attempt": notification.attempts})
            for notification, message in zip(claimed, messages, strict=True)]


def _letters(
    sessions: sessionmaker[Session], letters: Letters, compose: Composer, claim_timeout: int
) -> list[Letter]:
    """Claim and compose in one committed transaction, before any SMTP conversation."""
    with unit_of_work(sessions) as session:
        keep_loaded(session)
        return claim_and_compose(session, letters, compose, claim_timeout)


def keep_loaded(session: Session) -> list[object]:
    """The identity map holds objects weakly: keep all the session loads (the case routed, the
    contacts found, a meeting and its agenda) for the letters composed later in its transaction,
    or they are loaded again."""
    loaded: list[object] = []
    event.listen(session, "loaded_as_persistent", lambda _session, instance: loaded.append(instance))
    return loaded


def _out_of_attempts(about: dict[str, object]) -> bool:
    attempt = about["attempt"]
    return isinstance(attempt, int) and attempt % ATTEMPTS_PER_ROUND == 0


def _record(
    connection: Connection, notification_id: int, result: str, error_text: str, patience: float,
) -> None:
    """Record a letter's outcome; a sent letter's outcome outlasts a short database outage."""
    give_up, pause = time.monotonic() + (patience if result == "sent" else 0.0), 0.2
    while True:
        try:
            _finish(connection, notification_id, result, error_text)
            return
        except OperationalError:
            if time.monotonic() + pause > give_up:
                raise  # the floor: the retry sends this one letter again, with its Message-ID
            log.warning("database unavailable; recording the sent e-mail again shortly")
            time.sleep(pause)
            pause = min(pause * 2, 5.0)


def _deliver(
    connection: Connection, letters: list[Letter],
    mailer: Mailer, claim_timeout: int,
) -> dict[str, int]:
    """Send each, and record each outcome the moment SMTP has answered it."""
    outcome: dict[str, int] = {}
    for notification_id, message, about in letters:
        result, error_text = _send(mailer, message)
        if result == "pending" and _out_of_attempts(about):
            result, error_text = "failed", f"{error_text} (ga opp etter {about['attempt']} forsøk)"
        _record(connection, notification_id, result, error_text,
                patience=min(RECORD_PATIENCE, claim_timeout / 2))
        reported = "deferred" if result == "pending" else result  # pending again: a retry follows
        count_email(str(about["kind"]), reported)
        if result == "sent":
            log.info("e-mail sent", extra=about)
        else:
            log.warning("e-mail %s", reported, extra={**about, "outcome": reported})
        outcome[result] = outcome.get(result, 0) + 1
    return outcome


def _send(mailer: Mailer, message: EmailMessage) -> tuple[str, str]:
    """The notification's next status and the error to record (for staff, not for the log)."""
    try:
        mailer.send(message)
    except TransientMailError as error:
        return "pending", str(error)
    except PermanentMailError as error:
        return "failed", str(error)
    return "sent", ""


# Records that nothing selected is left unsent, in the same statement that finds it so; True if
# recorded (shared.inbox.mark_processed_unless). Given the unsent letters' condition and its values.
Finish = Callable[[Connection, ColumnElement[bool], Mapping[str, Any]], bool]


def _unsent(where: ColumnElement[bool]) -> ColumnElement[bool]:
    return where & Notification.status.in_(["pending", "sending"])


def _count_statement(unsent: ColumnElement[bool]) -> Executable:
    return select(func.count()).select_from(Notification).where(unsent)


def send_claimed(
    sessions: sessionmaker[Session], letters: Letters, claimed: list[Letter],
    mailer: Mailer, claim_timeout: int, finish: Finish | None = None,
) -> dict[str, int]:
    """Send what was claimed over one SMTP connection, each marked sent as soon as the server
    has accepted it; then, if none of `letters` is left unsent, `finish` (in one statement);
    raise DeliveryIncomplete unless every one is final."""
    unsent_where = built_for("unsent", letters.where, _unsent)
    with autocommit(sessions) as connection:
        outcome = _deliver(connection, claimed, mailer, claim_timeout)
        with connection.begin():
            if finish is not None and finish(connection, unsent_where, letters.params):
                return outcome
            unsent = connection.execute(built_for("count", unsent_where, _count_statement),
                                        letters.params).scalar()
    if unsent:  # a transient failure, or another worker still holds a claim
        held = unsent - outcome.get("pending", 0)
        raise DeliveryIncomplete(f"{outcome}" + (f", {held} busy" if held else ""))
    return outcome


def deliver(
    sessions: sessionmaker[Session], letters: Letters, compose: Composer, mailer: Mailer,
    claim_timeout: int,
) -> dict[str, int]:
    """Send what is unsent of the notifications `letters` selects (an event's, and any sent again
    with it); raise DeliveryIncomplete unless every one is final.

    They are claimed and composed in one transaction, then sent over one SMTP connection, each
    marked sent as soon as the server has accepted it.
    """
    return send_claimed(sessions, letters, _letters(sessions, letters, compose, claim_timeout),
                        mailer, claim_timeout)
