"""/arbeid/personvern: export everything held about an address (JSON, PDF) and erase it on request,
except from open cases; only for the municipality's main contact and the leaders; both audited."""
from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlalchemy import select

from shared.models import AuditEvent, Case
from tests.support.workspace import csrf, sign_in_as
from tests.unit.test_deadlines import routed_case
from tests.unit.test_meeting_documents import pdf_text
from tests.unit.test_retention import close
from tests.unit.test_routing import route, submit

KARI = "kari.johansen@kommune.example"  # the municipality's main contact
PAGE = "/arbeid/personvern"


def words(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def two_cases(sessions, complaint) -> tuple[int, int]:
    """Two complaints from kari@example.org: one closed with comments, one still open."""
    complaint["submitter"]["phone"] = "+47 912 34 567"
    closed = routed_case(sessions, complaint)
    close(sessions, closed)
    still_open = submit(sessions, {**complaint, "description": "Nå bråker det igjen fra 3B."})
    route(sessions, still_open, event_id="e-2")
    return closed, still_open


def post(client, path: str, **data: str):
    return client.post(PAGE + path, data={"csrf_token": csrf(client, PAGE), **data})


def test_the_export_as_json_holds_the_cases_their_history_and_the_mails(client, sessions, settings, two_cases):
    sign_in_as(client, sessions, settings, KARI)
    answer = post(client, "/eksport", epost="  Kari@Example.org ", format="json")
    assert answer.status_code == 200 and answer.headers["Content-Disposition"].startswith("attachment;")
    held = json.loads(answer.get_data(as_text=True))
    assert held["email"] == "kari@example.org"
    assert [c["reference"] for c in held["cases"]] == ["KL-2027-0001", "KL-2027-0002"]
    first = held["cases"][0]
    assert first["submitter"] == {"name": "Kari Styreleder", "email": "kari@example.org",
                                  "phone": "+47 912 34 567", "role": "board"}
    assert first["status"] == "resolved" and first["cooperative"] == "Prestvannet borettslag"
    assert "Ola Nordmann har lovet ro etter klokken 23." in [h["comment"] for h in first["history"]]
    assert [(n["reference"], n["kind"]) for n in held["notifications"]] == [("KL-2027-0001", "receipt"),
                                                                          ("KL-2027-0002", "receipt")]


def test_the_export_as_pdf(client, sessions, settings, two_cases):
    sign_in_as(client, sessions, settings, KARI)
    answer = post(client, "/eksport", epost="kari@example.org", format="pdf")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    text = pdf_text(answer.data)
    assert "Personopplysninger om kari@example.org" in text
    for expected in ("KL-2027-0001", "KL-2027-0002", "Kari Styreleder", "+47 912 34 567",
                     "Ola Nordmann har lovet ro etter klokken 23.", "Nå bråker det igjen fra 3B.",
                     "E-poster sendt til adressen (2)", "complaint_receipt"):
        assert expected in text, expected


def test_erasing_leaves_open_cases_and_says_why(client, sessions, settings, two_cases):
    closed, still_open = two_cases
    sign_in_as(client, sessions, settings, KARI)
    answer = post(client, "/slett", epost="kari@example.org", bekreft="ja")
    assert answer.status_code == 303 and answer.headers["Location"] == PAGE
    said = words(client.get(PAGE))
    assert "slettet fra 1 avsluttet(e) sak(er): KL-2027-0001." in said
    assert "Ikke slettet fra åpne saker: KL-2027-0002. Saken trenger innsenderen mens den behandles" in said
    with sessions() as session:
        erased, kept = session.get_one(Case, closed), session.get_one(Case, still_open)
        assert (erased.submitter_email, erased.submitter_phone, erased.description) == (None, None, "")
        assert erased.anonymised_at is not None and erased.reference == "KL-2027-0001"
        assert (kept.submitter_email, kept.anonymised_at) == ("kari@example.org", None)
    held = json.loads(post(client, "/eksport", epost="kari@example.org", format="json").get_data(as_text=True))
    assert [c["reference"] for c in held["cases"]] == ["KL-2027-0002"]  # the erased case holds nothing of her


def test_both_are_in_the_audit_log(client, sessions, settings, two_cases):
    sign_in_as(client, sessions, settings, KARI)
    post(client, "/eksport", epost="kari@example.org", format="pdf")
    post(client, "/slett", epost="kari@example.org", bekreft="ja")
    with sessions() as session:
        rows = session.execute(select(AuditEvent.action, AuditEvent.actor, AuditEvent.subject)
                               .order_by(AuditEvent.id)).all()
    assert rows == [("personal_data.export", KARI, "kari@example.org"), ("personal_data.erase", KARI,
                                                                          "kari@example.org")]
    log = words(client.get("/arbeid/tilgang"))
    assert f"Personopplysninger hentet ut om kari@example.org (PDF: 2 sak(er), 2 e-post(er)) {KARI}" in log
    assert "Personopplysninger slettet om kari@example.org (1 sak(er) anonymisert; åpne saker urørt: KL-2027-0002)" \
        in log


def test_bad_input_is_a_400_with_field_messages_and_the_input_kept(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    answer = post(client, "/eksport", epost="ikke-en-adresse", format="json")
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert 'href="#epost">Skriv en gyldig e-postadresse' in html and 'value="ikke-en-adresse"' in html
    answer = post(client, "/slett", epost="kari@example.org")
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert 'href="#bekreft">Bekreft at personen har bedt om sletting.' in html
    assert 'id="slett-epost" name="epost" type="email" autocomplete="off" value="kari@example.org"' in html
    with sessions() as session:
        assert session.execute(select(AuditEvent)).first() is None


@pytest.mark.parametrize("email, allowed", [(KARI, True), ("leder.boligkontoret@kommune.example", True),
                                            ("direktor@bonord.example", True),
                                            ("per.hansen@bonord.example", False),
                                            ("ola.berg@kommune.example", False)])
def test_only_the_main_contact_and_the_leaders(client, sessions, settings, email, allowed):
    sign_in_as(client, sessions, settings, email)
    assert client.get(PAGE).status_code == (200 if allowed else 403)
    token = csrf(client, "/arbeid/tilgang" if allowed else "/arbeid")
    answer = client.post(PAGE + "/eksport", data={"csrf_token": token, "epost": "kari@example.org", "format": "json"})
    assert answer.status_code == (200 if allowed else 403)
    nav = client.get("/arbeid/tilgang" if allowed else "/arbeid", follow_redirects=True).get_data(as_text=True)
    assert (f'href="{PAGE}">Personvern</a>' in nav) == allowed
