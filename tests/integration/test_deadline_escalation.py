"""Two schedulers against one database: one reminder and one escalation e-mail, never two."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import update

from shared.db import unit_of_work
from shared.models import Deadline, utcnow
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration


def test_a_missed_deadline_reminds_once_and_escalates_once(stack, complaint, sessions):
    stack.start_scheduler("scheduler-2")  # a second beat + relay on the same database
    _, body = stack.post_complaint(complaint)
    stack.wait_for_mail(3, timeout=30)

    # Time travel for the database clock: the acknowledge deadline's reminder point and the
    # deadline itself are now behind us.
    now = utcnow()
    with unit_of_work(sessions) as session:
        session.execute(update(Deadline).where(Deadline.kind == "acknowledge").values(
            remind_at=now - dt.timedelta(hours=5), due_at=now - dt.timedelta(minutes=1)))
    stack.wait_for_mail(5, timeout=60)
    time.sleep(4)  # four more beat ticks from each scheduler: nothing more may come

    later = stack.sink.messages()[3:]
    assert len(later) == 2, [m.subject for m in later]
    reminder = next(m for m in later if m.subject.startswith("Påminnelse"))
    escalation = next(m for m in later if m.subject.startswith("Frist oversittet"))
    assert reminder.rcpt_tos == ["kari.johansen@kommune.example"]
    assert body["reference"] in reminder.subject and "/handling/" in reminder.text
    assert escalation.rcpt_tos == ["leder.boligkontoret@kommune.example"]
    assert "kari.johansen@kommune.example" in escalation.text
    wait_until(lambda: all(s.running for s in stack.services.values()), 5, "both schedulers alive")
