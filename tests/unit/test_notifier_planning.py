"""What the notifier decides when it plans a notification, and decides once: the template, the
routing rule (from a handbook parsed once per version), and where an escalation goes."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from services.notifier.case_mail import compose_case_mail
from services.notifier.mail import template_environment
from services.notifier.routing import route_case
from services.notifier.runner import consume
from shared import handbook_versions
from shared.db import unit_of_work
from shared.deadlines import fire_due
from shared.handbook import DEFAULT_PATH
from shared.handbook_versions import save_handbook
from shared.messages import CaseStatusChanged, CaseSubmitted, DeadlineMissed, record_event
from shared.models import Absence, Case, Contact, Notification, OutboxEvent, utcnow
from shared.runtime import Resources
from tests.unit.test_deadlines import SUBMITTED, at
from tests.unit.test_delivery import RecordingMailer
from tests.unit.test_routing import NOW, route, submit

SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")


def templates(sessions) -> list[tuple[str, str, str]]:
    with sessions() as session:
        rows = session.execute(select(Notification).order_by(Notification.id)).scalars()
        return [(n.recipient, n.kind, n.template) for n in rows]


def save(sessions, text: str) -> None:
    with unit_of_work(sessions) as session:
        save_handbook(session, text, "kari.johansen@kommune.example", NOW)


def submitted(sessions, complaint, event_id="e-1", **kwargs) -> CaseSubmitted:
    case_id = submit(sessions, complaint, **kwargs)
    with sessions() as session:
        return CaseSubmitted(event_id=event_id, case_id=case_id,
                             reference=session.get_one(Case, case_id).reference)


def test_the_template_is_stored_when_the_notification_is_planned(sessions, complaint):
    route(sessions, submit(sessions, complaint))
    assert templates(sessions) == [
        ("kari.johansen@kommune.example", "case_notification", "complaint_notification"),
        ("per.hansen@bonord.example", "case_notification", "complaint_notification"),
        ("kari@example.org", "receipt", "complaint_receipt"),
    ]


def test_a_board_copy_is_planned_with_the_summary_template(sessions, complaint):
    save(sessions, SHIPPED.replace("    cooperatives: {}\n", '    cooperatives:\n      "997273354":\n'
                                   "        copies: [association.case_officer, cooperative.board]\n", 1))
    route(sessions, submit(sessions, complaint))
    assert ("styret.prestvannet@borettslag.example", "summary_copy", "case_summary") in templates(sessions)


def test_the_template_the_handbook_names_is_the_one_stored(sessions, complaint):
    save(sessions, SHIPPED.replace("receipt: complaint_receipt", "receipt: status_changed", 1))
    route(sessions, submit(sessions, complaint))
    assert ("kari@example.org", "receipt", "status_changed") in templates(sessions)


def test_composing_reads_the_stored_template(sessions, settings, complaint):
    route(sessions, submit(sessions, complaint))
    with unit_of_work(sessions) as session:
        session.execute(update(Notification).where(Notification.kind == "case_notification")
                        .values(template="complaint_receipt"))
    with sessions() as session:
        notification = session.execute(select(Notification).where(
            Notification.kind == "case_notification").limit(1)).scalar_one()
        message = compose_case_mail(session, notification, settings=settings, env=template_environment())
    assert message["Subject"].startswith("Kvittering")


def test_status_mails_and_handovers_get_their_templates(sessions, settings, complaint):
    route(sessions, submit(sessions, complaint))
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
        case_id, reference = case.id, case.reference
    with unit_of_work(sessions) as session:
        session.get_one(Case, case_id).assignee = "per.hansen@bonord.example"
    for event_id, action in (("e-ack", "acknowledge"), ("e-re", "reassign")):
        event = CaseStatusChanged(event_id=event_id, case_id=case_id, reference=reference, action=action)
        with unit_of_work(sessions) as session:
            record_event(session, event)
        consume(Resources(settings), event, RecordingMailer())
    planned = templates(sessions)
    assert ("kari@example.org", "status_acknowledge", "status_changed") in planned
    assert ("per.hansen@bonord.example", "assigned", "complaint_notification") in planned


def test_routing_returns_the_rule_it_used(sessions, complaint):
    save(sessions, SHIPPED.replace("acknowledge_days: 2", "acknowledge_days: 3", 1))
    case_id = submit(sessions, complaint)
    with unit_of_work(sessions) as session:
        routed = route_case(session, case_id, "e-1", now=utcnow(), mail_domain="samhandling.example")
        assert (routed.version, routed.rule.acknowledge_days) == (2, 3)
        assert routed.case.id == case_id
        assert route_case(session, case_id, "e-1", now=utcnow(), mail_domain="x.example") is None


def test_the_handbook_is_parsed_once_per_version(sessions, settings, complaint, monkeypatch):
    parsed = []
    parse = handbook_versions.parse_handbook
    monkeypatch.setattr(handbook_versions, "parse_handbook", lambda text, **kw: parsed.append(1) or parse(text, **kw))
    mailer = RecordingMailer()
    for number in range(3):  # route, open deadlines and compose each case's mails
        consume(Resources(settings), submitted(sessions, complaint, event_id=f"e-{number}"), mailer)
    assert len(mailer.sent) == 9
    assert len(parsed) == 1


@pytest.mark.parametrize(("escalate_to", "expected"), [
    ("leader", "leder.boligkontoret@kommune.example"),  # the assignee's leader, as before
    ("association.leader", "direktor@bonord.example"),
    ("contact:per.hansen@bonord.example", "per.hansen@bonord.example"),
])
def test_a_missed_deadline_goes_where_the_handbook_escalates_to(
        sessions, settings, complaint, escalate_to, expected):
    save(sessions, SHIPPED.replace("  escalate_to: leader\n", f"  escalate_to: {escalate_to}\n", 1))
    event = submitted(sessions, complaint, now=SUBMITTED)
    consume(Resources(settings), event, RecordingMailer())
    fire_due(sessions, at("2027-03-31"))  # the acknowledge deadline is missed
    with sessions() as session:
        [payload] = session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "DeadlineMissed")).scalars().all()
    mailer = RecordingMailer()
    consume(Resources(settings), DeadlineMissed.from_payload(payload), mailer)
    [mail] = mailer.sent
    assert mail["To"].addresses[0].addr_spec == expected
    assert "skal meldes til deg" in mail.get_body(("plain",)).get_content()
    assert ("escalation_acknowledge", "deadline_escalation") in [(k, t) for _, k, t in templates(sessions)]


@pytest.mark.parametrize(("away", "expected"), [
    ("absent", "anne.nilsen@bonord.example"),  # Per Hansen's deputy stands in
    ("deactivated", "leder.boligkontoret@kommune.example"),  # no one to stand in: the leader
])
def test_an_escalation_to_a_contact_who_is_away_goes_to_the_stand_in_or_the_leader(
        sessions, settings, complaint, away, expected):
    save(sessions, SHIPPED.replace("  escalate_to: leader\n",
                                   "  escalate_to: contact:per.hansen@bonord.example\n", 1))
    with unit_of_work(sessions) as session:
        per = session.execute(select(Contact).where(Contact.email == "per.hansen@bonord.example")).scalar_one()
        today = dt.date.today()
        if away == "absent":
            session.add(Absence(contact_email=per.email, starts_on=today - dt.timedelta(days=2),
                                ends_on=today + dt.timedelta(days=2)))
        else:
            per.deactivated_at, per.deputy = utcnow(), None
    event = submitted(sessions, complaint, now=SUBMITTED)
    consume(Resources(settings), event, RecordingMailer())
    fire_due(sessions, at("2027-03-31"))
    with sessions() as session:
        [payload] = session.execute(select(OutboxEvent.payload).where(
            OutboxEvent.event_type == "DeadlineMissed")).scalars().all()
    mailer = RecordingMailer()
    consume(Resources(settings), DeadlineMissed.from_payload(payload), mailer)
    assert [m["To"].addresses[0].addr_spec for m in mailer.sent] == [expected]
