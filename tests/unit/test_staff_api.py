"""The staff API: tokens and scopes, notices, cases, transitions, Idempotency-Key, the CLI."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from shared.calendar import local_today
from shared.db import unit_of_work
from shared.models import ApiToken, Case, Contact, OutboxEvent, utcnow
from tests.support.api import auth
from tests.support.database import count


def in_days(days: int) -> str:
    return (local_today("Europe/Oslo") + dt.timedelta(days=days)).isoformat()


def acquisition(orgnr="997273354") -> dict:
    return {"cooperative_orgnr": orgnr, "share_number": "42", "address": "Prestvannetveien 19, H0301",
            "planned_date": in_days(30), "note": "Familie på fem."}


SUBLET = {"cooperative_orgnr": "942581521", "share_number": "7", "move_in_date": "2030-01-01",
          "tenant_household": "To voksne, ett barn", "question": "Kan styret godkjenne ny leietaker?"}
MEETING = {"party": "municipality", "reason": "Vi trenger å drøfte nye erverv i Prestvannet.",
           "topics": ["Erverv i Prestvannet", "Framleie i Stakkevollan"]}

# endpoint, body, parties allowed
MATRIX = [
    ("POST", "/api/v1/acquisitions", acquisition(), {"municipality", "system"}),
    ("POST", "/api/v1/sublets", SUBLET, {"municipality", "system"}),
    ("POST", "/api/v1/meeting-requests", MEETING, {"municipality", "system"}),
    ("GET", "/api/v1/cases", None, {"municipality", "association", "system"}),
    ("GET", "/api/v1/cases/KL-2026-0001", None, {"municipality", "association", "system"}),
    ("POST", "/api/v1/cases/KL-2026-0001/transitions", {"action": "acknowledge"},
     {"municipality", "association", "system"}),
    ("POST", "/api/v1/cases/ER-2026-0001/board-decision", {"decision": "approved"},
     {"municipality", "association", "system"}),
    ("POST", "/api/v1/meetings/9999/minutes/confirm", {}, {"municipality", "association"}),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), MATRIX)
def test_authorization_matrix(client, tokens, method, path, body, allowed):
    kwargs = {"json": body} if body is not None else {}
    assert client.open(path, method=method, **kwargs).status_code == 401
    assert client.open(path, method=method, headers=auth("shd_wrong"), **kwargs).status_code == 401
    for party, token in tokens.items():
        status = client.open(path, method=method, headers=auth(token), **kwargs).status_code
        if party in allowed:
            assert status not in (401, 403), (party, status)
        else:
            assert status == 403, (party, status)


def test_a_revoked_token_is_refused(client, tokens, sessions):
    with unit_of_work(sessions) as session:
        row = session.execute(select(ApiToken).where(ApiToken.party == "system")).scalar_one()
        row.revoked_at = utcnow()
    assert client.get("/api/v1/cases", headers=auth(tokens["system"])).status_code == 401


def test_a_token_stops_working_when_its_contact_leaves_the_directory_or_is_deactivated(client, tokens, sessions):
    """The token's own row may still be unrevoked (a directory import, a direct edit): the
    contact behind it decides."""
    assert client.get("/api/v1/cases", headers=auth(tokens["association"])).status_code == 200
    with unit_of_work(sessions) as session:
        session.execute(select(Contact).where(Contact.email == "anne.nilsen@bonord.example")
                        ).scalar_one().deactivated_at = utcnow()
    assert client.get("/api/v1/cases", headers=auth(tokens["association"])).status_code == 401
    with unit_of_work(sessions) as session:
        session.execute(select(Contact).where(Contact.email == "kari.johansen@kommune.example")
                        ).scalar_one().email = "kari.johansen@ny-kommune.example"  # no longer this address
    assert client.get("/api/v1/cases", headers=auth(tokens["municipality"])).status_code == 401
    assert client.get("/api/v1/cases", headers=auth(tokens["system"])).status_code == 200


def test_tokens_are_stored_hashed(tokens, sessions):
    with sessions() as session:
        stored = session.execute(select(ApiToken.token_hash)).scalars().all()
    assert not set(tokens.values()) & set(stored)


def test_acquisition_reports_share_before_and_after(client, tokens):
    response = client.post("/api/v1/acquisitions", json=acquisition("997273354"),  # 6 of 150, cap 15
                           headers=auth(tokens["municipality"]))
    assert response.status_code == 201
    body = response.get_json()
    assert body["reference"].startswith("ER-")
    assert body["before"] == {"municipality_owned": 6, "percent": 4.0}
    assert body["after"] == {"municipality_owned": 7, "percent": 4.7}
    assert (body["cap"], body["warning"]) == (15, None)


def test_acquisition_past_the_cap_warns(client, tokens):
    # Tomasjord Hage: 15 of 150 already, the cap is 15.
    body = client.post("/api/v1/acquisitions", json=acquisition("946291684"),
                       headers=auth(tokens["municipality"])).get_json()
    assert body["after"]["municipality_owned"] == 16
    assert "§ 4-2" in body["warning"]


def test_small_borettslag_may_always_have_one(client, tokens):
    body = client.post("/api/v1/acquisitions", json=acquisition("942474601"),  # 0 of 12
                       headers=auth(tokens["municipality"])).get_json()
    assert (body["cap"], body["after"]["municipality_owned"], body["warning"]) == (1, 1, None)
    second = client.post("/api/v1/acquisitions", json={**acquisition("942474601"), "share_number": "9"},
                         headers=auth(tokens["municipality"])).get_json()
    assert second["before"]["municipality_owned"] == 1 and second["warning"]


def test_sublet_and_meeting_request(client, tokens, sessions):
    sublet = client.post("/api/v1/sublets", json=SUBLET, headers=auth(tokens["municipality"]))
    assert sublet.status_code == 201 and sublet.get_json()["reference"].startswith("FR-")
    meeting = client.post("/api/v1/meeting-requests", json={**MEETING, "party": "association"},
                          headers=auth(tokens["association"]))
    assert meeting.status_code == 201
    body = meeting.get_json()
    assert body["reference"].startswith("MO-") and body["meeting"] is None
    assert body["deadline"] == in_days(21)
    with sessions() as session:
        events = session.execute(select(OutboxEvent.event_type, OutboxEvent.payload)).all()
    assert {p["case_type"] for t, p in events if t == "CaseSubmitted"} == {"sublet", "meeting_request"}
    assert [t for t, _ in events].count("MeetingRequested") == 1  # for the scheduler to book


def test_a_party_cannot_ask_for_a_meeting_on_the_others_behalf(client, tokens):
    response = client.post("/api/v1/meeting-requests", json=MEETING, headers=auth(tokens["association"]))
    assert response.status_code == 403


def test_cases_list_filters_and_pages(client, tokens, complaint):
    for _ in range(3):
        client.post("/api/v1/complaints", json=complaint)
    client.post("/api/v1/sublets", json=SUBLET, headers=auth(tokens["municipality"]))
    headers = auth(tokens["association"])
    everything = client.get("/api/v1/cases", headers=headers).get_json()
    assert everything["total"] == 4
    complaints = client.get("/api/v1/cases?type=complaint&per_page=2&page=2", headers=headers).get_json()
    assert (complaints["total"], len(complaints["items"]), complaints["page"]) == (3, 1, 2)
    assert client.get("/api/v1/cases?status=resolved", headers=headers).get_json()["total"] == 0
    bad = client.get("/api/v1/cases?status=happy&per_page=1000", headers=headers)
    assert bad.status_code == 422
    assert {"status", "per_page"} <= set(bad.get_json()["error"]["fields"])


def route(sessions, reference: str) -> None:
    from shared import lifecycle

    with unit_of_work(sessions) as session:
        case = session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        case.assignee = "kari.johansen@kommune.example"
        lifecycle.apply(session, case, "route", actor="samhandling", now=utcnow())


def test_transitions_follow_the_lifecycle(client, tokens, complaint, sessions):
    reference = client.post("/api/v1/complaints", json=complaint).get_json()["reference"]
    url, headers = f"/api/v1/cases/{reference}/transitions", auth(tokens["municipality"])
    assert client.post(url, json={"action": "resolve"}, headers=headers).status_code == 409
    route(sessions, reference)
    acknowledged = client.post(url, json={"action": "acknowledge", "comment": "Ser på det."}, headers=headers)
    assert acknowledged.status_code == 200
    assert acknowledged.get_json()["status"] == "acknowledged"
    resolved = client.post(url, json={"action": "resolve", "comment": "Ordnet med leietaker."}, headers=headers)
    assert resolved.get_json()["status"] == "resolved"
    assert client.post(url, json={"action": "resolve"}, headers=headers).status_code == 409

    detail = client.get(f"/api/v1/cases/{reference}", headers=headers).get_json()
    assert [h["action"] for h in detail["history"]] == ["received", "routed", "acknowledged", "resolved"]
    assert detail["history"][-1]["actor"] == "kari.johansen@kommune.example"
    assert detail["allowed_actions"] == ["reopen"]
    with sessions() as session:
        changes = session.execute(select(OutboxEvent.payload).where(OutboxEvent.event_type == "CaseStatusChanged"))
        assert [p["action"] for p in changes.scalars()] == ["acknowledge", "resolve"]


def test_reassign_needs_a_known_contact(client, tokens, complaint, sessions):
    reference = client.post("/api/v1/complaints", json=complaint).get_json()["reference"]
    route(sessions, reference)
    url, headers = f"/api/v1/cases/{reference}/transitions", auth(tokens["municipality"])
    assert client.post(url, json={"action": "reassign"}, headers=headers).status_code == 422
    assert client.post(url, json={"action": "reassign", "to": "nobody@kommune.example"},
                       headers=headers).status_code == 422
    moved = client.post(url, json={"action": "reassign", "to": "ola.berg@kommune.example"}, headers=headers)
    assert moved.status_code == 200 and moved.get_json()["assignee"] == "ola.berg@kommune.example"


def test_unknown_case_is_404(client, tokens):
    headers = auth(tokens["system"])
    assert client.get("/api/v1/cases/KL-1999-0001", headers=headers).status_code == 404
    assert client.post("/api/v1/cases/KL-1999-0001/transitions", json={"action": "acknowledge"},
                       headers=headers).status_code == 404


def test_idempotency_key_replays_the_first_answer(client, complaint, sessions):
    headers = {"Idempotency-Key": "3f0c7a1e-klage-1"}
    first = client.post("/api/v1/complaints", json=complaint, headers=headers)
    again = client.post("/api/v1/complaints", json=complaint, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(sessions, Case) == 1
    # Anonymous: another body with the same key is a new complaint (tests/unit/test_proxy_and_idempotency.py).
    changed = client.post("/api/v1/complaints", json={**complaint, "category": "pests"}, headers=headers)
    assert changed.status_code == 201
    assert client.post("/api/v1/complaints", json=complaint).status_code == 201  # no key: new case
    assert count(sessions, Case) == 3


def test_idempotency_key_after_a_failed_request_is_free_again(client, complaint, sessions):
    headers = {"Idempotency-Key": "k-2"}
    assert client.post("/api/v1/complaints", json={**complaint, "category": "x"}, headers=headers).status_code == 422
    assert client.post("/api/v1/complaints", json=complaint, headers=headers).status_code == 201


def test_token_cli_prints_a_working_token(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["token", "create", "--contact", "anne.nilsen@bonord.example"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    assert token.startswith("shd_")
    assert client.get("/api/v1/cases", headers=auth(token)).status_code == 200
    unknown = runner.invoke(args=["token", "create", "--contact", "nobody@example.org"])
    assert unknown.exit_code != 0 and "nobody@example.org" in unknown.output


def test_openapi_document_lists_every_operation(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    operations = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    assert {("POST", "/api/v1/complaints"), ("POST", "/api/v1/acquisitions"), ("POST", "/api/v1/sublets"),
            ("POST", "/api/v1/meeting-requests"), ("GET", "/api/v1/cases"),
            ("GET", "/api/v1/cases/{reference}"), ("POST", "/api/v1/cases/{reference}/transitions")} <= operations
    assert "bearerAuth" in spec["components"]["securitySchemes"]


def test_docs_page_lists_the_operations(client):
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'lang="nb"' in html
    assert "POST /api/v1/acquisitions" in html and "/api/openapi.json" in html


def test_staff_text_is_cleaned_like_the_public_form(client, tokens, sessions):
    headers = auth(tokens["municipality"])
    refused = client.post("/api/v1/acquisitions", headers=headers,
                          json={**acquisition(), "share_number": "\u200b", "address": "Gata\u202e 19"})
    assert refused.status_code == 422
    fields = refused.get_json()["error"]["fields"]
    assert fields["share_number"] == ["Feltet må fylles ut."]
    assert "usynlige tegn" in fields["address"][0]

    question = "Kan styret\u200b godkjenne \u2066ny\u2069 leietaker?"
    created = client.post("/api/v1/sublets", headers=headers, json={**SUBLET, "question": question})
    assert created.status_code == 201
    with sessions() as session:
        case = session.execute(select(Case).where(Case.type == "sublet")).scalar_one()
    assert case.description == "Kan styret godkjenne ny leietaker?"
