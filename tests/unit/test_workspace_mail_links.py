"""The staff's case mails link to the case in the workspace; the submitter's and a board's never do
(SPEC §7, issue 12). A public comment from the case page is mailed to the submitter."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from services.intake.case_actions import change_case
from services.notifier.routing import route_case
from services.notifier.runner import consume
from shared.db import unit_of_work
from shared.deadlines import fire_due
from shared.handbook_versions import save_handbook
from shared.messages import CaseStatusChanged, DeadlineMissed, DeadlineReminderDue
from shared.models import Case, Deadline, OutboxEvent, utcnow
from shared.runtime import Resources
from tests.support.workspace import sign_in_as
from tests.unit.test_board_access import BOARD, BOARD_COPY, NOW, PRESTVANNET, compose
from tests.unit.test_delivery import RecordingMailer
from tests.unit.test_routing import submit
from tests.unit.test_workspace_cases import KARI, PER, new_case, post_action

LEADER = "leder.boligkontoret@kommune.example"
LINE = "Åpne saken i arbeidsflaten: "


def bodies(message) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def sent_to(mailer: RecordingMailer, email: str):
    return next(m for m in mailer.sent if m["To"].addresses[0].addr_spec == email)


def consume_events(settings, sessions, event_type, message_type) -> RecordingMailer:
    mailer = RecordingMailer()
    with sessions() as session:
        payloads = list(session.scalars(select(OutboxEvent.payload).where(OutboxEvent.event_type == event_type)))
    for payload in payloads:
        consume(Resources(settings), message_type.from_payload(payload), mailer)
    return mailer


def test_the_notification_links_staff_to_the_case_page_and_not_the_receipt_or_board(sessions, settings,
                                                                                       complaint):
    with unit_of_work(sessions) as session:
        save_handbook(session, BOARD_COPY, KARI, NOW)  # Prestvannet's board gets a summary copy
    case_id = submit(sessions, complaint, orgnr=PRESTVANNET)
    with unit_of_work(sessions) as session:
        route_case(session, case_id, "e-1", now=NOW, mail_domain="samhandling.example")
        reference = session.get_one(Case, case_id).reference
    url = f"{settings.public_base_url}/arbeid/saker/{reference}"
    for staff in (KARI, PER):
        _, text, html = compose(sessions, settings, case_id, staff)
        assert LINE + url in text, staff
        assert f'<a href="{url}">{url}</a>' in html, staff
    for outsider in (BOARD, complaint["submitter"]["email"]):
        _, text, html = compose(sessions, settings, case_id, outsider)
        assert "/arbeid" not in text and "/arbeid" not in html, outsider


def test_reminder_escalation_and_assigned_mails_link_to_the_case_page(sessions, settings, complaint):
    reference = new_case(sessions, complaint)
    url = f"{settings.public_base_url}/arbeid/saker/{reference}"
    with unit_of_work(sessions) as session:
        session.execute(update(Deadline).where(Deadline.kind == "acknowledge")
                        .values(remind_at=utcnow() - dt.timedelta(hours=2), due_at=utcnow() - dt.timedelta(hours=1)))
    assert fire_due(sessions, utcnow())["escalations"] == 1
    reminded = consume_events(settings, sessions, "DeadlineReminderDue", DeadlineReminderDue)
    escalated = consume_events(settings, sessions, "DeadlineMissed", DeadlineMissed)
    for mail in (sent_to(reminded, KARI), sent_to(escalated, LEADER)):
        text, html = bodies(mail)
        assert LINE + url in text and f'href="{url}"' in html

    with unit_of_work(sessions) as session:
        case = session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        change_case(session, case, "reassign", actor=KARI, now=utcnow(), to=PER)
    assigned = consume_events(settings, sessions, "CaseStatusChanged", CaseStatusChanged)
    assert LINE + url in bodies(sent_to(assigned, PER))[0]


def test_a_public_comment_is_mailed_to_the_submitter_without_a_staff_link(client, sessions, settings, complaint):
    reference = new_case(sessions, complaint)
    sign_in_as(client, sessions, settings, KARI)
    assert post_action(client, reference, "comment", offentlig="Vi har kontaktet styret.").status_code == 303
    assert post_action(client, reference, "note", notat="Bare for oss.").status_code == 303
    mailer = consume_events(settings, sessions, "CaseStatusChanged", CaseStatusChanged)
    (mail,) = mailer.sent  # the note is mailed to nobody
    assert mail["To"].addresses[0].addr_spec == complaint["submitter"]["email"]
    assert mail["Subject"] == f"Ny kommentar i saken din ({reference})"
    text, html = bodies(mail)
    assert f"Saksbehandleren har skrevet en kommentar i saken din {reference}." in text
    assert "Vi har kontaktet styret." in text and "Vi har kontaktet styret." in html
    assert "Status: Sendt til kontaktperson" in text
    assert "/arbeid" not in text and "/arbeid" not in html and "/sak/" in text
