"""Compliance per agreement (SPEC §8): the API, the staff's page and the public page each report one
agreement's meetings and deadlines.

Kari Johansen is in agreement 1 only, Siri Eriksen in 2 only, Ola Berg in 1 and 2.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from services.intake.cases import open_case
from services.scheduler.booking import BookingRules, try_book
from shared.db import unit_of_work
from shared.demo import MORE_AGREEMENTS, load_demo
from tests.support.workspace import sign_in_as
from tests.unit.test_agreement_visibility import token

OSLO = ZoneInfo("Europe/Oslo")
KARI, SIRI, OLA = "kari.johansen@kommune.example", "siri.eriksen@kommune.example", "ola.berg@kommune.example"


@pytest.fixture
def two(sessions) -> dict[int, str]:
    """A meeting request in 2027 in agreement 1 and one in agreement 2, and agreement 2's spring meeting."""
    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)
        references = {}
        for agreement, day in ((1, 8), (2, 9)):
            at = dt.datetime(2027, 2, day, 9, tzinfo=OSLO)
            case = open_case(session, "meeting_request", actor="system:test", now=at, tz_name="Europe/Oslo",
                             description="Vi trenger et møte.", created_by="system:test", agreement_id=agreement,
                             details={"party": "municipality", "topics": ["Erverv"]})
            references[agreement] = case.reference
        try_book(session, dt.date(2027, 3, 9), kind="annual", title="Vårmøte i samarbeidsutvalget 2027",
                 rules=BookingRules(), tz_name="Europe/Oslo", now=dt.datetime(2026, 10, 5, tzinfo=OSLO),
                 annual_slot="2027-spring", agreement_id=2)
    return references


def reported(answer) -> tuple[int, list[str], int]:
    body = answer.get_json()
    return body["agreement"], [row["reference"] for row in body["meeting_requests"]], \
        len(body["fixed_meetings"]["meetings"])


@pytest.mark.parametrize(("email", "query", "agreement"), [
    (KARI, "", 1), (SIRI, "", 2), (OLA, "&agreement=2", 2), (OLA, "&agreement=1", 1), (None, "&agreement=2", 2),
])
def test_the_api_reports_the_callers_agreement(client, sessions, two, email, query, agreement):
    answer = client.get(f"/api/v1/compliance?year=2027{query}", headers=token(sessions, email))
    assert answer.status_code == 200, answer.get_json()
    assert reported(answer) == (agreement, [two[agreement]], 1 if agreement == 2 else 0)


@pytest.mark.parametrize(("email", "query", "status"), [
    (OLA, "", 422), (None, "", 422),  # several agreements and none named
    (KARI, "&agreement=2", 404), (OLA, "&agreement=3", 404), (KARI, "&agreement=99", 404),
    (KARI, "&agreement=to", 422),
])
def test_the_api_refuses_an_ambiguous_or_foreign_agreement(client, sessions, two, email, query, status):
    answer = client.get(f"/api/v1/compliance?year=2027{query}", headers=token(sessions, email))
    assert answer.status_code == status
    if status == 422:
        assert "agreement" in answer.get_json()["error"]["fields"]


def test_the_workspace_page_has_a_select_for_a_user_in_several_agreements(client, sessions, settings, two):
    sign_in_as(client, sessions, settings, OLA)
    first = client.get("/arbeid/samsvar/2027").get_data(as_text=True)
    assert '<select class="ds-input" id="avtale" name="avtale">' in first
    assert '<option value="1" selected>' in first and '<option value="2">Tromsø kommune og Ishavsbo</option>' in first
    assert two[1] in first and two[2] not in first

    second = client.get("/arbeid/samsvar/2027?avtale=2").get_data(as_text=True)
    assert "Avtalen mellom Tromsø kommune Boligkontoret og Ishavsbo." in second
    assert two[2] in second and two[1] not in second
    assert "/arbeid/samsvar/2026?avtale=2" in second and "/arbeid/samsvar/2027.csv?avtale=2" in second
    csv = client.get("/arbeid/samsvar/2027.csv?avtale=2")
    assert two[2] in csv.get_data(as_text=True) and "avtale-2" in csv.headers["Content-Disposition"]
    assert client.get("/arbeid/samsvar/2027?avtale=3").status_code == 404


def test_a_user_in_one_agreement_sees_only_it(client, sessions, settings, two):
    sign_in_as(client, sessions, settings, SIRI)
    page = client.get("/arbeid/samsvar/2027").get_data(as_text=True)
    assert 'id="avtale"' not in page and two[2] in page and two[1] not in page
    assert client.get("/arbeid/samsvar/2027?avtale=1").status_code == 404
    assert client.get("/arbeid/samsvar/2027.csv?avtale=1").status_code == 404


def test_the_public_page_shows_one_agreement_agreement_1_by_default(client, two):
    first = client.get("/samsvar/2027").get_data(as_text=True)
    assert two[1] in first and two[2] not in first
    assert "Ingen faste møter er booket for 2027." in first
    assert 'href="/samsvar/2027?avtale=2">Tromsø kommune og Ishavsbo</a>' in first

    second = client.get("/samsvar/2027?avtale=2")
    page = second.get_data(as_text=True)
    assert second.status_code == 200 and two[2] in page and two[1] not in page
    assert "Avtalen mellom Tromsø kommune Boligkontoret og Ishavsbo." in page
    assert "<strong>0 holdt</strong> og <strong>1 planlagt</strong>" in page
    assert 'href="/samsvar/2028?avtale=2"' in page
    for unknown in ("9", "to", "1" * 12):
        assert client.get(f"/samsvar/2027?avtale={unknown}").status_code == 404
