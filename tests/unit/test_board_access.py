"""Borettslag boards (party cooperative) never get a case or working action links (issue 10, point 1).

Only contacts of the municipality and the association can be assignees or be sent action links: a
staff reassign refuses anyone else, the handbook refuses a board as primary, and a board copy the
handbook asks for is a summary without the submitter's personal data, action links or staff links.
"""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from services.notifier.case_mail import compose_case_mail
from services.notifier.mail import template_environment
from services.notifier.routing import route_case
from shared.db import unit_of_work
from shared.handbook import DEFAULT_PATH, HandbookError, parse_handbook
from shared.handbook_versions import save_handbook
from shared.models import Case, CaseHistory, HandbookVersion, Notification, OutboxEvent
from tests.support.api import auth
from tests.unit.test_routing import submit

NOW = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)
SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")
BOARD = "styret.prestvannet@borettslag.example"
PRESTVANNET = "997273354"
BOARD_COPY = SHIPPED.replace(
    "    cooperatives: {}\n",
    f'    cooperatives:\n      "{PRESTVANNET}":\n'
    "        copies: [association.case_officer, cooperative.board]\n",
    1,
)


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


# Reassign ----------------------------------------------------------------------------------------

def routed_complaint(client, sessions, complaint) -> str:
    reference = client.post("/api/v1/complaints", json=complaint).get_json()["reference"]
    with unit_of_work(sessions) as session:
        case_id = session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        route_case(session, case_id, "e-route", now=NOW, mail_domain="samhandling.example")
    return reference


@pytest.mark.parametrize("to", [BOARD, "styret.fjellheisen@borettslag.example"])
def test_reassign_to_a_board_is_refused_and_changes_nothing(client, tokens, complaint, sessions, to):
    reference = routed_complaint(client, sessions, complaint)
    url = f"/api/v1/cases/{reference}/transitions"
    response = client.post(url, json={"action": "reassign", "to": to}, headers=auth(tokens["municipality"]))

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert "kommunen eller boligbyggelaget" in " ".join(error["fields"]["to"])
    with sessions() as session:
        case = session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        assert case.assignee == "kari.johansen@kommune.example"
        assert session.execute(select(func.count()).select_from(CaseHistory).where(
            CaseHistory.case_id == case.id, CaseHistory.action == "reassigned")).scalar_one() == 0
        assert session.execute(select(func.count()).select_from(OutboxEvent).where(
            OutboxEvent.event_type == "CaseStatusChanged")).scalar_one() == 0


def test_reassign_to_the_association_still_works(client, tokens, complaint, sessions):
    reference = routed_complaint(client, sessions, complaint)
    moved = client.post(f"/api/v1/cases/{reference}/transitions",
                        json={"action": "reassign", "to": "anne.nilsen@bonord.example"},
                        headers=auth(tokens["municipality"]))
    assert moved.status_code == 200 and moved.get_json()["assignee"] == "anne.nilsen@bonord.example"


def test_reassign_to_a_deactivated_contact_is_refused(app, client, tokens, complaint, sessions):
    reference = routed_complaint(client, sessions, complaint)
    assert app.test_cli_runner().invoke(
        args=["contact", "deactivate", "anne.nilsen@bonord.example"]).exit_code == 0
    moved = client.post(f"/api/v1/cases/{reference}/transitions",
                        json={"action": "reassign", "to": "anne.nilsen@bonord.example"},
                        headers=auth(tokens["municipality"]))
    assert moved.status_code == 422
    assert "ikke lenger aktiv" in " ".join(moved.get_json()["error"]["fields"]["to"])


# A board copy is a summary -----------------------------------------------------------------------

def compose(sessions, settings, case_id: int, recipient: str):
    with sessions() as session:
        notification = session.execute(select(Notification).where(
            Notification.case_id == case_id, Notification.recipient == recipient)).scalar_one()
        message = compose_case_mail(session, notification, settings=settings, env=template_environment())
    text = message.get_body(("plain",)).get_content()
    html = unescape(message.get_body(("html",)).get_content())
    return message, text, html


def test_a_board_copy_is_a_summary_without_personal_data_or_links(sessions, settings, complaint):
    with unit_of_work(sessions) as session:
        save_handbook(session, BOARD_COPY, "kari.johansen@kommune.example", NOW)
    complaint["submitter"]["phone"] = "+47 912 34 567"
    complaint["address"] = "Prestvannetveien 19, H0301"
    case_id = submit(sessions, complaint, orgnr=PRESTVANNET)
    with unit_of_work(sessions) as session:
        route_case(session, case_id, "e-1", now=NOW, mail_domain="samhandling.example")
    with sessions() as session:
        case = session.get_one(Case, case_id)
        assert case.assignee == "kari.johansen@kommune.example"

    message, text, html = compose(sessions, settings, case_id, BOARD)
    assert case.reference in message["Subject"] and case.reference in text and case.reference in html
    assert "Prestvannet borettslag" in text
    for body in (text, html):
        for private in ("Kari Styreleder", "kari@example.org", "912 34 567", "Prestvannetveien 19",
                        "leilighet 3B"):
            assert private not in body, private
        assert "Ta saken" not in body and "Avvis saken" not in body and "Behandle saken" not in body
        assert "/handling/" not in body and "/sak/" not in body and "/arbeid" not in body
        assert case.tracking_token not in body
    # No link but the footer's to the privacy page, which every e-mail has (SPEC §9).
    assert re.findall(r"<a [^>]*>", html) == [f'<a href="{settings.public_base_url}/personvern" style="color:#555;">']

    # The staff copy is unchanged: the full complaint and personal action links.
    _, staff_text, staff_html = compose(sessions, settings, case_id, "per.hansen@bonord.example")
    assert "Kari Styreleder" in staff_text and "/handling/" in staff_text and "Ta saken" in staff_html


# The handbook ------------------------------------------------------------------------------------

def test_a_board_copy_is_allowed_in_the_handbook():
    parse_handbook(BOARD_COPY)


@pytest.mark.parametrize("primary", ["cooperative.board", f"contact:{BOARD}"])
def test_the_handbook_refuses_a_board_as_primary(sessions, primary):
    text = SHIPPED.replace(
        "    cooperatives: {}\n",
        f'    cooperatives:\n      "{PRESTVANNET}":\n        primary: {primary}\n', 1)
    with pytest.raises(HandbookError) as refused, unit_of_work(sessions) as session:
        save_handbook(session, text, "kari.johansen@kommune.example", NOW)
    problem = next(p for p in refused.value.problems if "primary" in p.reason)
    assert problem.line == line_of(text, f"primary: {primary}")
    assert "borettslag" in problem.reason
    with sessions() as session:  # nothing stored
        assert session.execute(select(func.count()).select_from(HandbookVersion)).scalar_one() == 0


def test_the_api_refuses_a_board_as_primary_at_its_line(client, tokens):
    text = SHIPPED.replace("primary: municipality.main_contact\n      copies: [association.case_officer]",
                           "primary: cooperative.board\n      copies: [association.case_officer]", 1)
    response = client.put("/api/v1/handbook", json={"yaml": text}, headers=auth(tokens["municipality"]))
    assert response.status_code == 422
    messages = response.get_json()["error"]["fields"]["yaml"]
    assert any(m.startswith(f"line {line_of(text, 'primary: cooperative.board')}: ") for m in messages)


def test_a_stored_version_naming_a_board_as_primary_still_never_gives_it_the_case(sessions, complaint,
                                                                                    tmp_path):
    """A version saved before the check (or a file) is read as it is; routing refuses the board."""
    text = SHIPPED.replace("primary: municipality.main_contact\n      copies: [association.case_officer]",
                           "primary: cooperative.board\n      copies: [association.case_officer]", 1)
    parse_handbook(text)  # readable: the check is made when a version is saved
    (tmp_path / "handbook.yaml").write_text(text, encoding="utf-8")
    with unit_of_work(sessions) as session:
        session.add(HandbookVersion(id=1, created_at=NOW, created_by="fil", source=text, summary=""))
    case_id = submit(sessions, complaint, orgnr=PRESTVANNET)
    with unit_of_work(sessions) as session:
        route_case(session, case_id, "e-1", now=NOW, mail_domain="samhandling.example",
                   handbook_path=str(tmp_path / "handbook.yaml"))
    with sessions() as session:
        case = session.get_one(Case, case_id)
        assert (case.assignee, case.unrouted) == ("kari.johansen@kommune.example", True)
        sent = session.execute(select(Notification.recipient, Notification.kind)
                               .where(Notification.case_id == case_id)).all()
    assert BOARD not in {recipient for recipient, _ in sent}
