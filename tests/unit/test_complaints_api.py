"""POST /api/v1/complaints as SPEC §4 says: what a caller sends and what it gets back."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from shared.calendar import local_today
from shared.models import Case, CaseHistory, OutboxEvent
from tests.support.database import count

URL = "/api/v1/complaints"


def error_fields(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]["fields"]


def test_valid_complaint_is_created_with_reference_and_tracking_link(client, complaint, sessions):
    response = client.post(URL, json=complaint)

    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"reference", "status", "tracking_url"}
    assert body["status"] == "received"
    year = local_today("Europe/Oslo").year
    assert body["reference"] == f"KL-{year}-0001"
    token = body["tracking_url"].rsplit("/sak/", 1)[1]
    assert len(token) >= 43  # 256 bits in url-safe base64
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
        assert case.reference == body["reference"]
        assert case.cooperative.orgnr == "997273354"
        assert case.submitter_email == "kari@example.org"
        history = session.execute(select(CaseHistory)).scalars().all()
        assert [(h.action, h.to_status) for h in history] == [("received", "received")]
        event = session.execute(select(OutboxEvent)).scalar_one()
        assert event.payload["reference"] == body["reference"]
        assert event.published_at is None  # the request never talks to the broker


def test_tracking_page_shows_status_without_contact_addresses(client, complaint):
    body = client.post(URL, json=complaint).get_json()
    page = client.get(body["tracking_url"].split("127.0.0.1:8000", 1)[1])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert body["reference"] in html and "Mottatt" in html
    assert 'lang="nb"' in html
    assert "@" not in html


def test_unknown_tracking_token_is_404(client):
    assert client.get("/sak/" + "x" * 43).status_code == 404


def test_optional_fields_are_kept(client, complaint, sessions):
    complaint.update(share_number="17", address="Prestvannetveien 19, H0203", occurred_on="2026-01-05")
    complaint["submitter"]["phone"] = "+47 900 00 000"
    assert client.post(URL, json=complaint).status_code == 201
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
        assert (case.share_number, case.occurred_on) == ("17", dt.date(2026, 1, 5))
        assert case.submitter_phone == "+47 900 00 000"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"cooperative_orgnr": "997273355"}, "cooperative_orgnr"),  # bad check digit
        ({"cooperative_orgnr": "12345"}, "cooperative_orgnr"),
        ({"category": "loud"}, "category"),
        ({"description": "kort"}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"occurred_on": "31.12.2025"}, "occurred_on"),
        ({"unexpected": True}, "unexpected"),
        ({"submitter": {"name": "A", "email": "not-an-address", "role": "board"}}, "submitter.email"),
        ({"submitter": {"name": "A", "email": "a@example.org", "role": "king"}}, "submitter.role"),
        ({"submitter": {"name": "A\r\nBcc: x@evil.example", "email": "a@example.org", "role": "board"}},
         "submitter.name"),
        ({"submitter": "Kari"}, "submitter"),
    ],
)
def test_bad_fields_get_422_with_field_messages(client, complaint, sessions, change, field):
    response = client.post(URL, json={**complaint, **change})
    assert response.status_code == 422
    fields = error_fields(response)
    assert field in fields and fields[field]
    assert count(sessions, Case) == 0


def test_missing_fields_are_named(client):
    response = client.post(URL, json={})
    assert response.status_code == 422
    assert {"cooperative_orgnr", "category", "description", "submitter"} <= set(error_fields(response))


def test_unknown_cooperative_is_422(client, complaint):
    response = client.post(URL, json={**complaint, "cooperative_orgnr": "923609016"})  # valid, not ours
    assert response.status_code == 422
    assert "cooperative_orgnr" in error_fields(response)


@pytest.mark.parametrize(
    ("data", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ("[1, 2]", "application/json", 422),  # valid JSON, not an object
        ("cooperative_orgnr=997273354", "application/x-www-form-urlencoded", 415),
        ('{"cooperative_orgnr": "997273354"}', "text/plain", 415),
    ],
)
def test_unreadable_bodies_get_json_errors(client, data, content_type, status):
    response = client.post(URL, data=data, content_type=content_type)
    assert response.status_code == status
    error_fields(response)


INVISIBLE = ["\u200b", "\u200e", "\u202e", "\u2066", "\u2060", "\ufeff", "\u00ad"]


@pytest.mark.parametrize("char", INVISIBLE)
def test_a_name_of_only_invisible_characters_is_missing(client, complaint, sessions, char):
    complaint["submitter"]["name"] = char * 3
    response = client.post(URL, json=complaint)
    assert response.status_code == 422
    assert error_fields(response)["submitter.name"] == ["Feltet må fylles ut."]
    assert count(sessions, Case) == 0


@pytest.mark.parametrize("char", [*INVISIBLE, "\t", "\x85"])
def test_invisible_and_control_characters_in_one_line_fields_are_refused(client, complaint, sessions,
                                                                         char):
    complaint["submitter"]["name"] = f"Kari{char}Nordmann"
    complaint["address"] = f"Storgata{char} 1"
    response = client.post(URL, json=complaint)
    assert response.status_code == 422
    fields = error_fields(response)
    for field in ("submitter.name", "address"):
        assert "usynlige tegn" in fields[field][0]
    assert count(sessions, Case) == 0


def test_free_text_loses_invisible_characters_and_all_text_is_nfc(client, complaint, sessions):
    complaint["description"] = "Det br\u200baker \u202eom natten\u202c fra 3B.\ufeff\nOgså i helgene."
    complaint["submitter"]["name"] = "A\u030ase Nilsen"  # Å as A and a combining ring, as macOS may send
    response = client.post(URL, json=complaint)
    assert response.status_code == 201
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
    assert case.description == "Det braker om natten fra 3B.\nOgså i helgene."
    assert case.submitter_name == "\u00c5se Nilsen"


def test_free_text_of_only_invisible_characters_is_missing(client, complaint, sessions):
    complaint["description"] = "\u200b" * 20
    response = client.post(URL, json=complaint)
    assert response.status_code == 422
    assert error_fields(response)["description"] == ["Feltet må fylles ut."]


@pytest.mark.parametrize("email", ["kåre@eksempel.no", "ØYSTEIN@example.org", "ola.nordmanné@bøler.no"])
def test_an_address_with_a_non_ascii_local_part_is_refused(client, complaint, sessions, email):
    complaint["submitter"]["email"] = email
    response = client.post(URL, json=complaint)
    assert response.status_code == 422
    (message,) = error_fields(response)["submitter.email"]
    assert "foran @" in message and "æ, ø, å" in message
    assert count(sessions, Case) == 0


def test_an_international_domain_is_stored_as_punycode(client, complaint, sessions):
    complaint["submitter"]["email"] = "ola@bøler.no"
    assert client.post(URL, json=complaint).status_code == 201
    with sessions() as session:
        stored = session.execute(select(Case.submitter_email)).scalar_one()
    assert stored == "ola@" + "bøler.no".encode("idna").decode("ascii")
    assert stored.isascii()


def nested(depth: int, kind: str) -> str:
    if kind == "list":
        return '{"description": ' + "[" * depth + "]" * depth + "}"
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [1000, 5000])
@pytest.mark.parametrize("kind", ["list", "object"])
@pytest.mark.parametrize("party", [None, "municipality"])
def test_deeply_nested_json_is_a_400_without_a_traceback(client, tokens, caplog, depth, kind, party):
    from tests.support.api import auth

    url, headers = (URL, {}) if party is None else ("/api/v1/sublets", auth(tokens[party]))
    response = client.post(url, data=nested(depth, kind), content_type="application/json",
                           headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"
    error_fields(response)
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL") or r.exc_info]


def test_ordinary_nesting_is_still_read(client):
    response = client.post(URL, data=nested(20, "object"), content_type="application/json")
    assert response.status_code == 422 and "a" in error_fields(response)


def test_giant_body_is_413(client, complaint):
    complaint["description"] = "x" * (200 * 1024)
    response = client.post(URL, data=json.dumps(complaint), content_type="application/json")
    assert response.status_code == 413
    error_fields(response)


def test_wrong_method_and_unknown_path_are_json(client):
    assert client.get(URL).status_code == 405
    assert client.get("/api/v1/nothing-here").status_code == 404
    error_fields(client.get("/api/v1/nothing-here"))


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.get_json()["checks"]["database"] == "ok"
