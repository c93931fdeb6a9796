"""Routing by the default handbook: main contact primary, case officer copy, receipt."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select

from services.intake.complaints import submit_complaint
from services.notifier.routing import route_case
from shared.db import unit_of_work
from shared.models import Case, CaseHistory, Contact, Notification, utcnow

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def submit(sessions, complaint, orgnr="997273354", now=NOW) -> int:
    with unit_of_work(sessions) as session:
        submitted = submit_complaint(
            session, {**complaint, "cooperative_orgnr": orgnr}, tz_name="Europe/Oslo", now=now
        )
    with sessions() as session:
        return session.execute(select(Case.id).where(Case.reference == submitted.reference)).scalar_one()


def route(sessions, case_id, event_id="e-1") -> None:
    with unit_of_work(sessions) as session:
        route_case(session, case_id, event_id, now=utcnow(), mail_domain="samhandling.example")


def notifications(sessions) -> list[tuple[str, str]]:
    with sessions() as session:
        rows = session.execute(select(Notification).order_by(Notification.id)).scalars()
        return [(n.recipient, n.kind) for n in rows]


def test_complaint_goes_to_main_contact_with_copy_to_case_officer(sessions, complaint):
    case_id = submit(sessions, complaint)  # Prestvannet: case officer Per Hansen
    route(sessions, case_id)

    assert notifications(sessions) == [
        ("kari.johansen@kommune.example", "case_notification"),
        ("per.hansen@bonord.example", "case_notification"),
        ("kari@example.org", "receipt"),
    ]
    with sessions() as session:
        case = session.get(Case, case_id)
        assert (case.status, case.assignee, case.unrouted) == (
            "routed", "kari.johansen@kommune.example", False)
        routed = session.execute(
            select(CaseHistory).where(CaseHistory.action == "routed")).scalar_one()
        assert (routed.from_status, routed.to_status) == ("received", "routed")
        assert "Kari Johansen (ansvarlig)" in routed.comment and "Per Hansen (kopi)" in routed.comment


def test_case_officer_follows_the_borettslag(sessions, complaint):
    route(sessions, submit(sessions, complaint, orgnr="942474601"))  # Fjellheisen: Anne Nilsen
    assert ("anne.nilsen@bonord.example", "case_notification") in notifications(sessions)


def test_routing_twice_changes_nothing(sessions, complaint):
    case_id = submit(sessions, complaint)
    route(sessions, case_id)
    route(sessions, case_id)  # a redelivered event
    assert len(notifications(sessions)) == 3
    with sessions() as session:
        actions = session.execute(select(CaseHistory.action).where(CaseHistory.case_id == case_id))
        assert list(actions.scalars()) == ["received", "routed"]


def test_without_a_main_contact_the_case_is_flagged(sessions, complaint):
    with unit_of_work(sessions) as session:
        session.execute(delete(Contact).where(Contact.role == "main_contact"))
    case_id = submit(sessions, complaint)
    route(sessions, case_id)
    with sessions() as session:
        assert session.get(Case, case_id).unrouted is True
    assert ("per.hansen@bonord.example", "case_notification") in notifications(sessions)


def open_staff_case(sessions, case_type: str, **fields) -> int:
    from services.intake.cases import open_case

    with unit_of_work(sessions) as session:
        case = open_case(session, case_type, actor="kari.johansen@kommune.example", now=NOW,
                         tz_name="Europe/Oslo", **fields)
        return case.id


def test_acquisition_and_sublet_go_to_the_case_officer_first(sessions):
    from shared.models import Cooperative

    with sessions() as session:
        stakkevollan = session.execute(select(Cooperative.id).where(Cooperative.orgnr == "942581521")).scalar_one()
    for case_type in ("acquisition", "sublet"):
        case_id = open_staff_case(sessions, case_type, cooperative_id=stakkevollan, share_number="7")
        route(sessions, case_id, event_id=f"e-{case_type}")
        with sessions() as session:
            case = session.get(Case, case_id)
            assert case.assignee == "anne.nilsen@bonord.example"
            sent = session.execute(select(Notification.recipient).where(Notification.case_id == case_id))
            assert set(sent.scalars()) == {"anne.nilsen@bonord.example", "kari.johansen@kommune.example"}


def test_meeting_request_reaches_both_leaders(sessions):
    case_id = open_staff_case(sessions, "meeting_request", details={"party": "association", "topics": ["x"]})
    route(sessions, case_id, event_id="e-meeting")
    with sessions() as session:
        sent = set(session.execute(
            select(Notification.recipient).where(Notification.case_id == case_id)).scalars())
    assert sent == {"kari.johansen@kommune.example", "leder.boligkontoret@kommune.example",
                    "direktor@bonord.example"}


def test_a_deactivated_contact_gets_neither_the_case_nor_a_copy(sessions, complaint):
    """Deactivating a contact (flask contact deactivate) ends their part in new cases too: the
    deputy takes the case, as for an absence, and a deactivated case officer gets no copy."""
    with unit_of_work(sessions) as session:
        for email in ("kari.johansen@kommune.example", "per.hansen@bonord.example"):
            session.execute(select(Contact).where(Contact.email == email)).scalar_one().deactivated_at = NOW
    case_id = submit(sessions, complaint)
    route(sessions, case_id)

    recipients = [recipient for recipient, _ in notifications(sessions)]
    assert "kari.johansen@kommune.example" not in recipients
    assert "per.hansen@bonord.example" not in recipients
    with sessions() as session:
        case = session.get(Case, case_id)
        assert (case.assignee, case.unrouted) == ("ola.berg@kommune.example", False)
