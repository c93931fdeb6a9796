"""Staff see only the agreements their party is in (SPEC §8): another agreement's case or meeting
answers 404 (as if it did not exist), and lists show only the caller's agreements' rows.

Kari Johansen is in agreement 1 (Tromsø–BoNord) only, Siri Eriksen in 2 (Tromsø–Ishavsbo) only, and
Ola Berg in both; a token may be for one of its contact's agreements; a system token sees all.
"""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.intake.tokens import create_token
from shared.db import unit_of_work
from shared.demo import MORE_AGREEMENTS, load_demo
from shared.models import Case, Meeting, utcnow
from tests.support.api import auth
from tests.support.workspace import sign_in_as
from tests.unit.test_routing import route, submit

UTC = dt.UTC


@pytest.fixture
def two(sessions, complaint):
    """A routed complaint in agreement 1 (Prestvannet) and one in agreement 2 (Telegrafbukta), and a
    meeting of each agreement's committee."""
    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)
    first, second = submit(sessions, complaint, "997273354"), submit(sessions, complaint, "914000009")
    route(sessions, first, "e-1")
    route(sessions, second, "e-2")
    with unit_of_work(sessions) as session:
        meetings = []
        for agreement in (1, 2):
            meeting = Meeting(uid=f"m-{agreement}", kind="requested", agreement_id=agreement, title="Møte",
                              held_on=dt.date(2027, 3, 15), starts_at=dt.datetime(2027, 3, 15, 9, tzinfo=UTC),
                              ends_at=dt.datetime(2027, 3, 15, 10, tzinfo=UTC))
            session.add(meeting)
            meetings.append(meeting)
        session.flush()
        references = [session.get_one(Case, first).reference, session.get_one(Case, second).reference]
        return references, [m.id for m in meetings]


def token(sessions, email=None, agreement=None):
    with unit_of_work(sessions) as session:
        secret, row = create_token(session, now=utcnow(), contact_email=email,
                                   system=None if email else "fagsystem")
        row.agreement_id = agreement
    return auth(secret)


def listed(client, headers, path):
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["items"]


def test_a_token_of_agreement_1_gets_404_for_agreement_2_s_case_and_lists_only_its_own(client, sessions, two):
    (mine, other), _ = two
    kari = token(sessions, "kari.johansen@kommune.example")

    assert client.get(f"/api/v1/cases/{mine}", headers=kari).status_code == 200
    assert client.get(f"/api/v1/cases/{other}", headers=kari).status_code == 404
    assert [c["reference"] for c in listed(client, kari, "/api/v1/cases")] == [mine]
    refused = client.post(f"/api/v1/cases/{other}/transitions", headers=kari,
                          json={"action": "acknowledge", "comment": "Sett."})
    assert refused.status_code == 404
    decided = client.post(f"/api/v1/cases/{other}/board-decision", headers=kari,
                          json={"decision": "approved", "comment": ""})
    assert decided.status_code == 404
    with sessions() as session:
        assert session.execute(select(Case.status).where(Case.reference == other)).scalar_one() == "routed"


def test_the_other_agreement_s_contact_sees_the_other_case_only(client, sessions, two):
    (mine, other), _ = two
    siri = token(sessions, "siri.eriksen@kommune.example")

    assert client.get(f"/api/v1/cases/{mine}", headers=siri).status_code == 404
    assert [c["reference"] for c in listed(client, siri, "/api/v1/cases")] == [other]
    assert client.post(f"/api/v1/cases/{other}/transitions", headers=siri,
                       json={"action": "acknowledge", "comment": "Sett."}).status_code == 200


def test_a_token_for_one_of_its_contact_s_agreements_sees_that_one_and_without_one_all_of_them(client, sessions, two):
    (first, second), _ = two
    both = token(sessions, "ola.berg@kommune.example")
    only_second = token(sessions, "ola.berg@kommune.example", agreement=2)
    system, system_of_1 = token(sessions), token(sessions, agreement=1)

    assert {c["reference"] for c in listed(client, both, "/api/v1/cases")} == {first, second}
    assert [c["reference"] for c in listed(client, only_second, "/api/v1/cases")] == [second]
    assert client.get(f"/api/v1/cases/{first}", headers=only_second).status_code == 404
    assert {c["reference"] for c in listed(client, system, "/api/v1/cases")} == {first, second}
    assert [c["reference"] for c in listed(client, system_of_1, "/api/v1/cases")] == [first]


def test_another_agreement_s_meeting_answers_404(client, sessions, two):
    _, (mine, other) = two
    kari = token(sessions, "kari.johansen@kommune.example")

    assert [m["id"] for m in listed(client, kari, "/api/v1/meetings")] == [mine]
    for path in (f"/api/v1/meetings/{other}", f"/api/v1/meetings/{other}.ics"):
        assert client.get(path, headers=kari).status_code == 404, path
    assert client.delete(f"/api/v1/meetings/{other}", headers=kari).status_code == 404
    assert client.get(f"/api/v1/meetings/{mine}", headers=kari).status_code == 200
    with sessions() as session:
        assert session.get_one(Meeting, other).status == "planned"


def test_e_mails_of_another_agreement_are_not_listed(client, sessions, two):
    kari, siri = token(sessions, "kari.johansen@kommune.example"), token(sessions, "siri.eriksen@kommune.example")

    kari_sees = {n["recipient"] for n in listed(client, kari, "/api/v1/notifications?per_page=100")}
    siri_sees = {n["recipient"] for n in listed(client, siri, "/api/v1/notifications?per_page=100")}
    assert "per.hansen@bonord.example" in kari_sees and "jonas.lie@ishavsbo.example" not in kari_sees
    assert "jonas.lie@ishavsbo.example" in siri_sees and "per.hansen@bonord.example" not in siri_sees


def test_the_workspace_shows_another_agreement_s_case_and_meeting_as_not_found(client, sessions, settings, two):
    (mine, other), (my_meeting, other_meeting) = two
    sign_in_as(client, sessions, settings, "kari.johansen@kommune.example")

    assert client.get(f"/arbeid/saker/{mine}").status_code == 200
    assert client.get(f"/arbeid/saker/{other}").status_code == 404
    inbox = client.get("/arbeid?fane=alle").get_data(as_text=True)
    assert mine in inbox and other not in inbox
    assert client.get(f"/arbeid/moter/{other_meeting}").status_code == 404
    assert client.get(f"/arbeid/moter/{my_meeting}").status_code == 200
