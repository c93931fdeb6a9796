"""A closed case past its retention is anonymised once by the scheduler, and its figures remain."""
from __future__ import annotations

import dataclasses
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select, update

from services.intake.case_actions import change_case
from services.intake.compliance import compliance_report
from shared.agreement import RETENTION_DAYS
from shared.db import unit_of_work
from shared.handbook import HandbookError, load_handbook, parse_handbook
from shared.models import Case, CaseHistory, Deadline, HandbookVersion, Notification, OutboxEvent, utcnow
from shared.retention import ANONYMISED_RECIPIENT, anonymise_due
from tests.support.database import at_once
from tests.unit.test_deadlines import at, routed_case

OSLO = ZoneInfo("Europe/Oslo")
KARI = "kari.johansen@kommune.example"
CLOSED_ON = "2027-04-12"  # the complaint is resolved on this day; its retention is 730 days


def close(sessions, case_id: int, day: str = CLOSED_ON) -> None:
    with unit_of_work(sessions) as session:
        case = session.get_one(Case, case_id)
        change_case(session, case, "acknowledge", actor=KARI, now=at("2027-03-25", 10),
                    comment="Vi har snakket med Ola Nordmann i 3B.")
        change_case(session, case, "resolve", actor=KARI, now=at(day, 10),
                    comment="Ola Nordmann har lovet ro etter klokken 23.")


def mail_the_submitter(sessions, case_id: int) -> None:
    """The receipt routing recorded for the submitter, failed with an error that names the address."""
    with unit_of_work(sessions) as session:
        session.execute(update(Notification).where(Notification.case_id == case_id, Notification.kind == "receipt")
                        .values(status="failed", last_error="550 kari@example.org: no such mailbox"))


def figures(sessions) -> dict:
    with sessions() as session:
        report = compliance_report(session, 2027, now=at("2029-06-01"), tz_name="Europe/Oslo")
        return dataclasses.asdict(report)


def anonymise_on(sessions, day: str) -> dict[str, int]:
    with time_machine.travel(at(day, 3), tick=False):
        return anonymise_due(sessions, utcnow())


@pytest.fixture
def closed_case(sessions, complaint) -> int:
    complaint["submitter"]["phone"] = "+47 912 34 567"
    complaint["address"] = "Prestvannvegen 3B"
    case_id = routed_case(sessions, complaint)
    close(sessions, case_id)
    mail_the_submitter(sessions, case_id)
    return case_id


def test_a_case_closed_past_its_retention_is_anonymised_and_its_figures_remain(sessions, complaint, closed_case):
    open_one = routed_case(sessions, {**complaint, "description": "Fortsatt bråk fra 3B hver natt."})
    before = figures(sessions)
    assert before["deadlines"], "the year has deadline figures to keep"

    assert anonymise_on(sessions, "2029-04-11") == {"anonymised": 0}  # 729 days after closing
    with sessions() as session:
        assert session.get_one(Case, closed_case).submitter_email == "kari@example.org"

    assert anonymise_on(sessions, "2029-04-13") == {"anonymised": 1, "complaint": 1}
    with sessions() as session:
        case = session.get_one(Case, closed_case)
        assert (case.submitter_name, case.submitter_email, case.submitter_phone, case.address) == (
            None, None, None, None)
        assert case.description == "" and case.anonymised_at is not None
        assert (case.reference, case.type, case.category, case.status) == ("KL-2027-0001", "complaint", "noise",
                                                                          "resolved")
        history = session.execute(select(CaseHistory).where(CaseHistory.case_id == closed_case)).scalars().all()
        assert [h.to_status for h in history][-2:] == ["acknowledged", "resolved"]
        assert all(h.comment == "" for h in history)
        mails = {n.kind: n for n in session.execute(select(Notification).where(
            Notification.case_id == closed_case)).scalars()}
        assert (mails["receipt"].recipient, mails["receipt"].recipient_name, mails["receipt"].last_error) == (
            ANONYMISED_RECIPIENT, "", "")
        assert mails["case_notification"].recipient.endswith(".example")  # staff keep their names
        events = session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "CaseStatusChanged")).scalars().all()
        assert events and not any("Nordmann" in str(payload) for payload in events)
        assert session.execute(select(Deadline).where(Deadline.case_id == closed_case)).scalars().all()
        still_open = session.get_one(Case, open_one)
        assert still_open.submitter_email == "kari@example.org" and "3B" in still_open.description
    assert figures(sessions) == before


def test_once_only_and_safe_with_two_schedulers(sessions, base_settings, complaint):
    for _ in range(3):
        close(sessions, routed_case(sessions, complaint))
    with time_machine.travel(at("2029-05-01", 3), tick=False):
        now = utcnow()
        results = at_once(base_settings.database_url, [lambda own: anonymise_due(own, now)] * 4)
    assert sum(result["anonymised"] for result in results) == 3
    assert anonymise_on(sessions, "2029-05-02") == {"anonymised": 0}
    with sessions() as session:
        stamps = session.execute(select(Case.anonymised_at)).scalars().all()
    assert len(stamps) == 3 and all(stamp == now for stamp in stamps)


def test_the_handbook_in_force_decides_the_retention(sessions, closed_case):
    with unit_of_work(sessions) as session:
        newest = session.execute(select(HandbookVersion).order_by(HandbookVersion.id.desc())).scalars().first()
        assert newest is not None
        session.add(HandbookVersion(id=newest.id + 1, created_by=KARI,
                                    source=newest.source.replace("complaint: 730", "complaint: 30")))
    assert anonymise_on(sessions, "2027-05-11") == {"anonymised": 0}  # 29 days
    assert anonymise_on(sessions, "2027-05-13") == {"anonymised": 1, "complaint": 1}


def test_a_reopened_case_is_not_anonymised(sessions, closed_case):
    with unit_of_work(sessions) as session:
        change_case(session, session.get_one(Case, closed_case), "reopen", actor=KARI, now=at("2027-05-02"),
                    comment="Bråket er tilbake.")
    assert anonymise_on(sessions, "2030-01-01") == {"anonymised": 0}


def test_the_job_logs_counts_not_data(sessions, closed_case, caplog):
    caplog.set_level("INFO", logger="samhandling.retention")
    anonymise_on(sessions, "2029-05-01")
    logged = " ".join(f"{record.getMessage()} {getattr(record, 'counts', '')}" for record in caplog.records)
    assert "anonymised 1 closed case" in logged
    assert "kari@example.org" not in logged and "Kari" not in logged and "KL-2027" not in logged


def test_retention_in_the_handbook_and_the_defaults_for_an_older_version():
    shipped = load_handbook()
    assert dict(shipped.retention) == {"complaint": 730, "acquisition": 3650, "sublet": 1825,
                                       "meeting_request": 730}
    older = parse_handbook(shipped.source.split("\nretention:")[0])
    assert older.retention == RETENTION_DAYS
    with pytest.raises(HandbookError, match=r"retention.sublet: must be a whole number of days"):
        parse_handbook(shipped.source.replace("sublet: 1825", "sublet: 0"))
    with pytest.raises(HandbookError, match=r"unknown key 'complaints'"):
        parse_handbook(shipped.source.replace("  complaint: 730", "  complaints: 730"))
