"""Absence: a contact away on the routing date is replaced by the deputy; no contact → flagged."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from services.intake.cases import open_case
from services.intake.tokens import create_token
from services.notifier.routing import route_case
from shared.db import unit_of_work
from shared.models import Absence, Case, CaseHistory, Contact, Cooperative, Notification, utcnow
from tests.support.api import auth

# 23:30 UTC on 1 March is already 2 March in Oslo: absences are by the local date.
NOW = dt.datetime(2027, 3, 1, 23, 30, tzinfo=dt.UTC)
TODAY = dt.date(2027, 3, 2)
KARI, OLA, LEADER = "kari.johansen@kommune.example", "ola.berg@kommune.example", "leder.boligkontoret@kommune.example"
ANNE, PER = "anne.nilsen@bonord.example", "per.hansen@bonord.example"


def away(sessions, email, starts_on=TODAY, ends_on=TODAY) -> None:
    with unit_of_work(sessions) as session:
        session.add(Absence(contact_email=email, starts_on=starts_on, ends_on=ends_on, note="Ferie"))


def route_new(sessions, case_type="complaint", orgnr="942581521") -> Case:
    """Stakkevollan: case officer Anne Nilsen, whose deputy is Per Hansen (and his is Anne)."""
    with unit_of_work(sessions) as session:
        cooperative = session.execute(select(Cooperative).where(Cooperative.orgnr == orgnr)).scalar_one()
        case_id = open_case(session, case_type, actor="test", now=NOW, tz_name="Europe/Oslo",
                            cooperative_id=cooperative.id, category="noise" if case_type == "complaint" else None).id
    with unit_of_work(sessions) as session:
        route_case(session, case_id, f"e-{case_id}", now=NOW, mail_domain="samhandling.example")
    with sessions() as session:
        return session.get_one(Case, case_id)


def notes(sessions, case: Case) -> list[tuple[str, str, bool]]:
    with sessions() as session:
        rows = session.execute(select(CaseHistory).where(
            CaseHistory.case_id == case.id, CaseHistory.action.in_(["handed_over", "unrouted"]))).scalars()
        return [(row.action, row.comment, row.public) for row in rows]


def mailed(sessions, case: Case) -> set[str]:
    with sessions() as session:
        return set(session.execute(select(Notification.recipient).where(Notification.case_id == case.id)).scalars())


def test_an_absent_primary_is_replaced_by_the_deputy(sessions):
    away(sessions, KARI)
    case = route_new(sessions)
    assert (case.assignee, case.unrouted) == (OLA, False)
    assert mailed(sessions, case) == {OLA, ANNE}
    assert notes(sessions, case) == [
        ("handed_over", "Kari Johansen er fraværende; sendt til stedfortreder Ola Berg.", False)]


@pytest.mark.parametrize(("starts_on", "ends_on"), [
    (TODAY - dt.timedelta(days=10), TODAY - dt.timedelta(days=1)),
    (TODAY + dt.timedelta(days=1), TODAY + dt.timedelta(days=5)),
])
def test_an_absence_on_other_days_changes_nothing(sessions, starts_on, ends_on):
    away(sessions, KARI, starts_on, ends_on)
    case = route_new(sessions)
    assert case.assignee == KARI and notes(sessions, case) == []


def test_both_absent_goes_to_the_deputys_deputy(sessions):
    with unit_of_work(sessions) as session:
        session.execute(update(Contact).where(Contact.email == OLA).values(deputy=LEADER))
    away(sessions, KARI, TODAY - dt.timedelta(days=3), TODAY + dt.timedelta(days=3))
    away(sessions, OLA)
    case = route_new(sessions)
    assert (case.assignee, case.unrouted) == (LEADER, False)
    assert notes(sessions, case) == [
        ("handed_over", "Kari Johansen og Ola Berg er fraværende; sendt til stedfortreder Ingrid Solberg.", False)]


def test_main_contact_and_deputy_absent_with_no_one_further_is_flagged(sessions):
    away(sessions, KARI)
    away(sessions, OLA)  # Ola has no deputy
    case = route_new(sessions)
    assert (case.assignee, case.unrouted) == (KARI, True)  # someone must have it: the main contact
    assert [action for action, _, _ in notes(sessions, case)] == ["handed_over", "unrouted"]


@pytest.mark.timeout(20)
def test_deputies_that_point_at_each_other_do_not_hang(sessions):
    away(sessions, ANNE)
    away(sessions, PER)  # Anne's deputy is Per, and Per's is Anne
    case = route_new(sessions, "sublet")
    assert (case.assignee, case.unrouted) == (KARI, True)
    assert notes(sessions, case) == [
        ("handed_over", "Anne Nilsen og Per Hansen er fraværende; ingen stedfortreder er til stede.", False),
        ("unrouted", "Fant ingen tilgjengelig kontaktperson for rollen association.case_officer; saken er "
                     "sendt til kommunens hovedkontakt Kari Johansen og merket for fordeling.", False)]


def test_an_absent_copy_goes_to_the_copys_deputy(sessions):
    away(sessions, ANNE)
    case = route_new(sessions)
    assert case.assignee == KARI and mailed(sessions, case) == {KARI, PER}


def test_no_contact_for_the_role_goes_to_the_main_contact_and_is_flagged(sessions, client):
    with unit_of_work(sessions) as session:
        session.execute(update(Cooperative).where(Cooperative.orgnr == "942581521").values(association_contact=None))
        token, _ = create_token(session, now=utcnow(), system="test", party="system")
    case = route_new(sessions, "acquisition")
    assert (case.assignee, case.unrouted) == (KARI, True)
    items = client.get("/api/v1/cases?type=acquisition", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [(i["reference"], i["unrouted"]) for i in items["items"]] == [(case.reference, True)]


def test_the_routing_history_on_the_public_page_does_not_name_the_absence(sessions, client):
    away(sessions, KARI)
    case = route_new(sessions)
    page = client.get(f"/sak/{case.tracking_token}").get_data(as_text=True)
    assert "Ola Berg" in page and "fraværende" not in page


# API ----------------------------------------------------------------------------------------------

ABSENCE = {"starts_on": "2027-07-05", "ends_on": "2027-07-30", "note": "Sommerferie"}


def test_register_and_list_absences(client, tokens):
    url = f"/api/v1/contacts/{OLA}/absences"
    created = client.post(url, json=ABSENCE, headers=auth(tokens["municipality"]))
    assert created.status_code == 201
    assert created.get_json() == {**ABSENCE, "id": created.get_json()["id"], "contact_email": OLA}
    client.post(url, json={"starts_on": "2027-02-01", "ends_on": "2027-02-01"}, headers=auth(tokens["system"]))
    listed = client.get(url, headers=auth(tokens["association"])).get_json()["items"]
    assert [(a["starts_on"], a["note"]) for a in listed] == [("2027-02-01", ""), ("2027-07-05", "Sommerferie")]


def test_absence_input_is_checked(client, tokens):
    headers = auth(tokens["system"])
    backwards = client.post(f"/api/v1/contacts/{OLA}/absences", headers=headers,
                            json={"starts_on": "2027-07-05", "ends_on": "2027-07-04"})
    assert backwards.status_code == 422 and "ends_on" in backwards.get_json()["error"]["fields"]
    assert client.post(f"/api/v1/contacts/{OLA}/absences", headers=headers,
                       json={"starts_on": "5. juli"}).status_code == 422
    assert client.post("/api/v1/contacts/nobody@kommune.example/absences", json=ABSENCE,
                       headers=headers).status_code == 404
    assert client.get("/api/v1/contacts/nobody@kommune.example/absences", headers=headers).status_code == 404


def test_absences_need_a_token_of_the_contacts_own_party(client, tokens):
    url = f"/api/v1/contacts/{OLA}/absences"
    assert client.get(url).status_code == 401
    assert client.post(url, json=ABSENCE).status_code == 401
    assert client.post(url, json=ABSENCE, headers=auth("shd_wrong")).status_code == 401
    assert client.get(url, headers=auth(tokens["cooperative"])).status_code == 403
    assert client.post(url, json=ABSENCE, headers=auth(tokens["cooperative"])).status_code == 403
    assert client.post(url, json=ABSENCE, headers=auth(tokens["association"])).status_code == 403


def test_delete_an_absence(client, tokens, sessions):
    url = f"/api/v1/contacts/{OLA}/absences"
    absence_id = client.post(url, json=ABSENCE, headers=auth(tokens["municipality"])).get_json()["id"]
    assert client.delete(f"{url}/{absence_id}", headers=auth(tokens["association"])).status_code == 403
    assert client.delete(f"/api/v1/contacts/{KARI}/absences/{absence_id}",
                         headers=auth(tokens["system"])).status_code == 404
    assert client.delete(f"{url}/{absence_id}", headers=auth(tokens["municipality"])).status_code == 204
    assert client.delete(f"{url}/{absence_id}", headers=auth(tokens["municipality"])).status_code == 404
    assert client.get(url, headers=auth(tokens["system"])).get_json()["items"] == []
