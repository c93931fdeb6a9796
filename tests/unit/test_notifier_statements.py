"""What a notifier task asks of the database: a new case is routed and mailed in a bounded number
of statements, and one more letter costs one more statement (its record), not a lookup per letter.

The notifier's throughput (bench/notifier.py) rests on these round trips; counting them is
exact where timing is not. Transaction control (SQLite's BEGIN) is not counted.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from services.notifier.runner import consume
from shared.runtime import Resources
from tests.unit.test_delivery import RecordingMailer
from tests.unit.test_notifier_planning import SHIPPED, save, submitted

# processed?, the case with its borettslag, the handbook (2), two contacts (2), who is away (1),
# the case and its history (2), the notifications (1), the deadlines (2 on SQLite, 1 on
# PostgreSQL); the claim (1), what the letters are composed from (3); a record per letter (3);
# any unsent? (1), processed (1).
STATEMENTS_PER_SUBMITTED_CASE = 21


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


def test_a_new_case_is_routed_and_mailed_in_a_bounded_number_of_statements(sessions, settings, complaint):
    run(settings, sessions, complaint, "e-warm")  # the handbook file becomes version 1
    count, mails = run(settings, sessions, complaint, "e-1")
    assert mails == 3
    assert count <= STATEMENTS_PER_SUBMITTED_CASE


def test_one_more_letter_costs_one_more_statement(sessions, settings, complaint):
    run(settings, sessions, complaint, "e-warm")
    three, mails = run(settings, sessions, complaint, "e-1")
    assert mails == 3
    # The borettslag's board gets a summary copy too: a fourth letter, to a contact.
    save(sessions, SHIPPED.replace("    cooperatives: {}\n", '    cooperatives:\n      "997273354":\n'
                                   "        copies: [association.case_officer, cooperative.board]\n", 1))
    run(settings, sessions, complaint, "e-warm-2")
    four, mails = run(settings, sessions, complaint, "e-2")
    assert mails == 4
    # Routing looks the board up; sending it is one record more.
    assert four - three == 2
