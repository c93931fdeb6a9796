"""A complaint that arrives after 16:00 or on a non-working day counts from the next working day.

Public offices treat what arrives after closing as received the next working day; the deadlines
count from that day, and the receipt (page and e-mail) says so when it applies.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from services.notifier.runner import consume
from shared.messages import CaseSubmitted
from shared.models import Case, Deadline
from shared.runtime import Resources
from tests.unit.test_delivery import RecordingMailer
from tests.unit.test_web_form import post, text

OSLO = ZoneInfo("Europe/Oslo")
AFTER_HOURS = "Klagen kom inn etter kl. 16.00 og regnes som mottatt mandag 7. desember 2026."
ON_SATURDAY = "Klagen kom inn på en lørdag og regnes som mottatt mandag 7. desember 2026."


def oslo(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=OSLO)


@pytest.mark.parametrize(
    ("arrived", "acknowledge_due", "resolve_due", "note"),
    [
        # Friday 4 December 2026 after closing: received Monday 7th, which is not counted; 2 working
        # days → Wednesday 9th; 20 → 6 January (Christmas Day, Boxing Day, New Year's Day skipped).
        (oslo("2026-12-04", 16, 30), "2026-12-09 16:00", "2027-01-06 16:00", AFTER_HOURS),
        # A minute before closing it counts from Friday: Monday and Tuesday.
        (oslo("2026-12-04", 15, 59), "2026-12-08 16:00", "2027-01-05 16:00", None),
        # Saturday: received Monday, like the Friday evening.
        (oslo("2026-12-05", 11, 0), "2026-12-09 16:00", "2027-01-06 16:00", ON_SATURDAY),
    ],
)
def test_deadlines_count_from_the_day_the_complaint_counts_as_received(
    client, sessions, settings, arrived, acknowledge_due, resolve_due, note,
):
    mailer = RecordingMailer()
    with time_machine.travel(arrived, tick=False):
        assert post(client).status_code == 303
        receipt_page = text(client.get("/klage/kvittering"))
        with sessions() as session:
            case = session.execute(select(Case)).scalar_one()
        consume(Resources(settings), CaseSubmitted(
            event_id="e-late", case_id=case.id, reference=case.reference, case_type="complaint"), mailer)
    with sessions() as session:
        due = {d.kind: d.due_at.astimezone(OSLO).strftime("%Y-%m-%d %H:%M")
               for d in session.execute(select(Deadline).where(Deadline.case_id == case.id)).scalars()}
    assert due == {"acknowledge": acknowledge_due, "resolve": resolve_due}

    [receipt_mail] = [m for m in mailer.sent if m["To"].addresses[0].addr_spec == "kari@example.org"]
    mail_text = receipt_mail.get_body(("plain",)).get_content()
    mail_html = receipt_mail.get_body(("html",)).get_content()
    if note is None:
        assert "regnes som mottatt" not in receipt_page + mail_text + mail_html
    else:
        assert note in " ".join(receipt_page.split())
        assert note in " ".join(mail_text.split()) and note in " ".join(mail_html.split())
