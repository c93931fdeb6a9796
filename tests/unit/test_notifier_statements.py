"""What a notifier task asks of the database: a new case is routed and mailed in a bounded number
of statements, and one more letter costs one more statement (its record), not a lookup per letter.

The notifier's throughput (bench/notifier.py) rests on these round trips; counting them is
exact where timing is not. Transaction control (SQLite's BEGIN) is not counted.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

import pytest
from sqlalchemy import Engine, event, select

from services.notifier.delivery import DeliveryIncomplete, claim_and_compose, of_event
from services.notifier.mail import TransientMailError
from services.notifier.planning import Claimed, Planned, queue_notifications
from services.notifier.runner import CONSUMER, consume
from shared.inbox import is_processed
from shared.models import Case, Notification
from shared.runtime import Resources
from tests.unit.test_delivery import RecordingMailer
from tests.unit.test_notifier_planning import SHIPPED, save, submitted

# In the event's one transaction: the case with its borettslag, its agreement's newest handbook
# version and who is away (1; routing does nothing to a case it routed before, so the runner does
# not first ask whether the event was processed), two contacts (2), the case and its history (2),
# the notifications, inserted already claimed (1), the deadlines (1); the letters are composed from
# what routing loaded and the event itself (0); then a record per letter (3) and
# processed-unless-unsent (1). Was 21 (20 on PostgreSQL) before issue 11's second round, 16 (15)
# before its third, 15 (14) before its fourth.
STATEMENTS_PER_SUBMITTED_CASE = 11
DOMAIN = "samhandling.example"


@contextmanager
def statements() -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def run(settings, sessions, complaint, event_id: str) -> tuple[int, int]:
    """Statements and e-mails of one case_submitted task, the handbook already stored."""
    message = submitted(sessions, complaint, event_id=event_id)
    mailer = RecordingMailer()
    with statements() as seen:
        consume(Resources(settings), message, mailer)
    return len(seen), len(mailer.sent)


def warm(settings, sessions, complaint, name: str) -> None:
    """The handbook file becomes a version, then is found stored: from then on it is not read."""
    run(settings, sessions, complaint, f"{name}-a")
    run(settings, sessions, complaint, f"{name}-b")


def test_a_new_case_is_routed_and_mailed_in_a_bounded_number_of_statements(sessions, settings, complaint):
    warm(settings, sessions, complaint, "e-warm")
    count, mails = run(settings, sessions, complaint, "e-1")
    assert mails == 3
    assert count <= STATEMENTS_PER_SUBMITTED_CASE


def test_one_more_letter_costs_one_more_statement(sessions, settings, complaint):
    warm(settings, sessions, complaint, "e-warm")
    three, mails = run(settings, sessions, complaint, "e-1")
    assert mails == 3
    # The borettslag's board gets a summary copy too: a fourth letter, to a contact.
    save(sessions, SHIPPED.replace("    cooperatives: {}\n", '    cooperatives:\n      "997273354":\n'
                                   "        copies: [association.case_officer, cooperative.board]\n", 1))
    warm(settings, sessions, complaint, "e-warm-2")
    four, mails = run(settings, sessions, complaint, "e-2")
    assert mails == 4
    # Routing looks the board up; sending it is one record more.
    assert four - three == 2


def processed(sessions, event_id: str) -> bool:
    with sessions() as session:
        return is_processed(session, event_id, CONSUMER)


def test_an_event_with_an_e_mail_unsent_is_not_recorded_as_processed(sessions, settings, complaint):
    """The record that ends the event is written by the statement that finds nothing unsent."""
    message = submitted(sessions, complaint, event_id="e-1")
    failing = RecordingMailer([TransientMailError("451 try later")])
    with pytest.raises(DeliveryIncomplete):
        consume(Resources(settings), message, failing)
    assert len(failing.sent) == 2
    assert not processed(sessions, "e-1")
    retry = RecordingMailer()
    assert consume(Resources(settings), message, retry) == {"sent": 1}
    assert processed(sessions, "e-1")
    assert consume(Resources(settings), message, retry) == {}  # a third delivery does nothing
    assert len(retry.sent) == 1


def test_a_letter_planned_before_is_claimed_beside_those_planned_claimed(sessions, complaint):
    """Planning inserts its letters already claimed, so a first delivery has no claim statement.
    A letter of the same event planned before and left pending (a transient failure) adds no
    row: planning is then incomplete, the claim runs as well, and both letters are composed."""
    message = submitted(sessions, complaint, event_id="e-1")
    first = Planned("a@example.org", "A", "receipt", "complaint_receipt")
    second = Planned("b@example.org", "B", "receipt", "complaint_receipt")
    with sessions.begin() as session:
        queue_notifications(session, "e-1", session.get_one(Case, message.case_id), [first], DOMAIN)
    composed: list[Notification] = []

    def compose(_session, notifications):  # type: ignore[no-untyped-def]
        composed.extend(notifications)
        return [EmailMessage() for _ in notifications]

    with sessions.begin() as session:
        claimed = Claimed()
        queue_notifications(session, "e-1", session.get_one(Case, message.case_id), [first, second], DOMAIN,
                            claimed)
        assert [(n.recipient, n.status, n.attempts) for n in claimed.rows] == [("b@example.org", "sending", 1)]
        assert not claimed.complete
        claim_and_compose(session, of_event("e-1"), compose, 60, claimed.rows, claim=not claimed.complete)
    assert sorted((n.recipient, n.status, n.attempts) for n in composed) == [
        ("a@example.org", "sending", 1), ("b@example.org", "sending", 1)]
    with sessions() as session:
        assert sorted(session.scalars(select(Notification.status).where(Notification.event_id == "e-1"))) == [
            "sending", "sending"]
