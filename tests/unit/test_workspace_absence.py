"""The workspace's absence page (issue 12): my periods, my deputy, and that my new cases go to the
deputy while I am away."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from services.notifier.routing import route_case
from shared.calendar import local_today
from shared.db import unit_of_work
from shared.models import Absence, Case, utcnow
from tests.support.workspace import sign_in_as
from tests.support.workspace_forms import FORM_ID, form, text

KARI, OLA, PER = "kari.johansen@kommune.example", "ola.berg@kommune.example", "per.hansen@bonord.example"
TODAY = local_today("Europe/Oslo")


@pytest.fixture
def kari(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    return client


def periods(sessions, email: str) -> list[tuple[dt.date, dt.date, str]]:
    with sessions() as session:
        rows = session.execute(select(Absence).where(Absence.contact_email == email).order_by(Absence.starts_on))
        return [(row.starts_on, row.ends_on, row.note) for row in rows.scalars()]


def add(client, starts_on: dt.date | str, ends_on: dt.date | str, note: str = ""):
    return client.post("/arbeid/fravaer", data={**form(client, "/arbeid/fravaer"), "starts_on": str(starts_on),
                                                "ends_on": str(ends_on), "note": note})


def test_add_list_and_delete_my_absence(kari, sessions):
    assert "Du har ikke registrert noe fravær." in text(kari.get("/arbeid/fravaer"))
    added = add(kari, TODAY, TODAY + dt.timedelta(days=13), "Ferie")
    assert added.status_code == 303 and added.headers["Location"] == "/arbeid/fravaer"
    page = text(kari.get("/arbeid/fravaer"))
    assert "Fraværet er registrert." in page and "Ferie" in page and ">Nå</span>" in page
    assert periods(sessions, KARI) == [(TODAY, TODAY + dt.timedelta(days=13), "Ferie")]
    with sessions() as session:
        absence_id = session.execute(select(Absence.id)).scalar_one()
    hidden = form(kari, "/arbeid/fravaer")
    deleted = kari.post(f"/arbeid/fravaer/{absence_id}/slett", data={"csrf_token": hidden["csrf_token"]})
    assert deleted.status_code == 303
    assert "Fraværsperioden er slettet." in text(kari.get("/arbeid/fravaer"))
    assert periods(sessions, KARI) == []


def test_the_same_form_posted_twice_registers_one_absence(kari, sessions):
    data = {**form(kari, "/arbeid/fravaer"), "starts_on": str(TODAY), "ends_on": str(TODAY), "note": ""}
    assert kari.post("/arbeid/fravaer", data=data).status_code == 303
    assert kari.post("/arbeid/fravaer", data=data).status_code == 303
    assert periods(sessions, KARI) == [(TODAY, TODAY, "")]


def test_someone_elses_absence_cannot_be_deleted(kari, sessions):
    with unit_of_work(sessions) as session:
        theirs = Absence(contact_email=PER, starts_on=TODAY, ends_on=TODAY, note="")
        session.add(theirs)
        session.flush()
        absence_id = theirs.id
    token = {"csrf_token": form(kari, "/arbeid/fravaer")["csrf_token"]}
    response = kari.post(f"/arbeid/fravaer/{absence_id}/slett", data=token)
    assert response.status_code == 303
    assert "Fant ikke fraværsperioden." in text(kari.get("/arbeid/fravaer"))
    assert periods(sessions, PER) == [(TODAY, TODAY, "")]
    assert kari.post("/arbeid/fravaer/99999999999/slett", data=token).status_code == 303


def test_absence_field_errors(kari, sessions):
    backwards = add(kari, TODAY, TODAY - dt.timedelta(days=1), "Ferie")
    assert backwards.status_code == 422
    page = text(backwards)
    assert '<a class="ds-link" href="#ends_on">Siste fraværsdag: Siste fraværsdag kan ikke være før første.</a>' in page
    assert f'value="{TODAY}"' in page and 'value="Ferie"' in page
    missing = add(kari, "", "2027-13-01", "x" * 501)
    assert missing.status_code == 422
    page = text(missing)
    assert "Skriv første fraværsdag." in page and "Datoen må skrives som ÅÅÅÅ-MM-DD." in page
    assert "Kan ikke være lengre enn 500 tegn." in page
    assert periods(sessions, KARI) == []


def test_my_deputy_is_shown_and_who_to_ask_when_i_have_none(kari, app, sessions, settings):
    assert "stedfortrederen din <strong>Ola Berg</strong>" in text(kari.get("/arbeid/fravaer"))
    ola = app.test_client()
    sign_in_as(ola, sessions, settings, OLA)
    page = text(ola.get("/arbeid/fravaer"))
    assert "Du har ingen stedfortreder i kontaktregisteret." in page
    assert "Be Ingrid Solberg (leder.boligkontoret@kommune.example) om å få registrert en stedfortreder." in page


def routed_complaint(client, sessions, complaint) -> str:
    """Submit a complaint for Stakkevollan (a noise complaint goes to Kari) and route it now."""
    complaint["cooperative_orgnr"] = "942581521"
    reference = client.post("/api/v1/complaints", json=complaint).get_json()["reference"]
    with unit_of_work(sessions) as session:
        case = session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        route_case(session, case.id, "e-1", now=utcnow(), mail_domain="samhandling.example")
    with sessions() as session:
        return session.execute(select(Case.assignee).where(Case.reference == reference)).scalar_one()


def test_a_complaint_during_my_absence_goes_to_my_deputy(kari, client, sessions, complaint):
    assert add(kari, TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1), "Kurs").status_code == 303
    assert routed_complaint(client, sessions, complaint) == OLA


def test_without_an_absence_the_complaint_comes_to_me(client, sessions, complaint):
    assert routed_complaint(client, sessions, complaint) == KARI


def test_the_nav_shows_only_what_i_may_do(kari):
    page = text(kari.get("/arbeid/fravaer"))
    for link in ('href="/arbeid/erverv/ny"', 'href="/arbeid/framleie/ny"', 'href="/arbeid/moter/ny"',
                 'href="/arbeid/fravaer"'):
        assert link in page
    assert PER not in page and FORM_ID.search(page)
