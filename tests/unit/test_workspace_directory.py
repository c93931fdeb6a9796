"""/arbeid/katalog in the staff workspace (issue 13): the lists, the import through the browser's
forms, the export, who may do what, and deactivating a contact who holds open cases."""
from __future__ import annotations

import base64
import io
import re

import pytest
from sqlalchemy import select

from shared.db import unit_of_work
from shared.directory_csv import COOPERATIVE_COLUMNS
from shared.models import Case, CaseHistory, Contact, Cooperative
from tests.support.workspace import csrf, sign_in_as

KARI = "kari.johansen@kommune.example"
PER = "per.hansen@bonord.example"
ANNE = "anne.nilsen@bonord.example"
BOARD_MEMBER = "styret.fjellheisen@borettslag.example"
UPLOAD = "/arbeid/katalog/borettslag/import"
GOOD_AND_BAD = ("\ufeff" + ";".join(COOPERATIVE_COLUMNS) + "\r\n"
                "974760673;Nytt borettslag;Nyveien 1;9008;Tromsø;40;1;\r\n"
                "942474602;Feil borettslag;Veien 2;9008;Tromsø;10;0;\r\n").encode()


@pytest.fixture
def kari(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    return client


def upload(client, data: bytes, path: str = UPLOAD):
    return client.post(path, data={"csrf_token": csrf(client, path), "fil": (io.BytesIO(data), "fil.csv")},
                       content_type="multipart/form-data")


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


def test_the_lists_show_the_directory_search_and_page(kari):
    page = kari.get("/arbeid/katalog").get_data(as_text=True)
    assert "Prestvannet borettslag" in page and "997273354" in page and 'href="/arbeid/katalog"' in page
    found = kari.get("/arbeid/katalog?q=prestvann").get_data(as_text=True)
    assert "Prestvannet borettslag" in found and "Fjellheisen borettslag" not in found
    assert "1 borettslag passer med «prestvann»" in found
    second = kari.get("/arbeid/katalog?side=2").get_data(as_text=True)  # 20 borettslag, 25 a page
    assert "Side 2" not in second and "Fjellheisen borettslag" in second
    contacts = kari.get("/arbeid/katalog/kontakter?q=per").get_data(as_text=True)
    assert "Per Hansen" in contacts and "Saksbehandler" in contacts and "Aktiv" in contacts


def test_a_committee_member_from_a_board_gets_403_and_no_nav_link(client, sessions, settings):
    sign_in_as(client, sessions, settings, BOARD_MEMBER)
    for path in ("/arbeid/katalog", "/arbeid/katalog/kontakter", "/arbeid/katalog/kontakter.csv", UPLOAD):
        assert client.get(path).status_code == 403, path
    assert "/arbeid/katalog" not in client.get("/arbeid").get_data(as_text=True)


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/arbeid/katalog/kontakter")
    assert response.status_code == 303 and "/logg-inn?neste=/arbeid/katalog/kontakter" in response.headers["Location"]


def test_upload_shows_the_preview_writes_nothing_then_imports_the_good_row(kari, sessions):
    response = upload(kari, GOOD_AND_BAD)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Ingenting er lagret ennå." in page
    assert "1 nye" in page and "1 avviste" in page and "kontrollsiffer" in page
    with sessions() as session:
        assert session.scalar(select(Cooperative).where(Cooperative.orgnr == "974760673")) is None
    done = kari.post("/arbeid/katalog/borettslag/import/bekreft", data={
        "csrf_token": hidden(page, "csrf_token"), "kvittering": hidden(page, "kvittering"), "fil": hidden(page, "fil")})
    assert done.status_code == 303 and done.headers["Location"] == "/arbeid/katalog"
    assert "Importen er fullført: 1 rad skrevet." in kari.get("/arbeid/katalog").get_data(as_text=True)
    with sessions() as session:
        orgnrs = set(session.scalars(select(Cooperative.orgnr)))
    assert "974760673" in orgnrs and "942474602" not in orgnrs


def test_an_import_of_another_file_than_the_previewed_one_is_refused(kari, sessions):
    page = upload(kari, GOOD_AND_BAD).get_data(as_text=True)
    other = GOOD_AND_BAD.replace(b"Nytt borettslag", b"Annet borettslag")
    response = kari.post("/arbeid/katalog/borettslag/import/bekreft", data={
        "csrf_token": hidden(page, "csrf_token"), "kvittering": hidden(page, "kvittering"),
        "fil": base64.b64encode(other).decode()})
    assert response.status_code == 400 and "ikke den samme" in response.get_data(as_text=True)
    forged = kari.post("/arbeid/katalog/borettslag/import/bekreft", data={
        "csrf_token": hidden(page, "csrf_token"), "kvittering": "x" + hidden(page, "kvittering"),
        "fil": hidden(page, "fil")})
    assert forged.status_code == 400
    with sessions() as session:
        assert session.scalar(select(Cooperative).where(Cooperative.name == "Annet borettslag")) is None


@pytest.mark.parametrize("data, status, message", [
    (b"", 400, "Velg en CSV-fil."),
    ("orgnr;name\n1;Bøler\n".encode("latin-1"), 422, "UTF-8"),
    (b"orgnr;name;homes\n942474601;X;1\n", 422, "Filen mangler kolonnene"),
    (b"x" * 50_000, 413, "Filen er for stor"),
])
def test_a_bad_file_is_a_field_message(kari, data, status, message):
    response = upload(kari, data) if data else kari.post(UPLOAD, data={"csrf_token": csrf(kari, UPLOAD)},
                                                          content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == status and message in page and 'aria-invalid="true"' in page


def test_an_upload_without_the_csrf_token_is_refused(kari):
    response = kari.post(UPLOAD, data={"fil": (io.BytesIO(GOOD_AND_BAD), "fil.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 400


def test_the_export_is_excel_csv_and_imports_back_with_no_changes(kari):
    exported = kari.get("/arbeid/katalog/kontakter.csv")
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert exported.data.startswith("\ufeff".encode()) and exported.data.decode("utf-8-sig").startswith("email;name;")
    page = upload(kari, exported.data, "/arbeid/katalog/kontakter/import").get_data(as_text=True)
    assert "0 nye" in page and "0 endrede" in page and "0 avviste" in page and "Importer</button>" not in page


def open_case_for(client, complaint, sessions, email: str) -> str:
    reference = client.post("/api/v1/complaints", json=complaint).get_json()["reference"]
    with unit_of_work(sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        case.status, case.assignee = "routed", email
    return reference


def test_deactivating_a_contact_with_open_cases_asks_where_they_go_and_records_each_move(
        client, sessions, settings, complaint):
    first, second = open_case_for(client, complaint, sessions, PER), open_case_for(client, complaint, sessions, PER)
    sign_in_as(client, sessions, settings, ANNE)
    with sessions() as session:
        per_id = session.scalars(select(Contact.id).where(Contact.email == PER)).one()
    path = f"/arbeid/katalog/kontakter/{per_id}/deaktiver"
    page = client.get(path).get_data(as_text=True)
    assert first in page and second in page and "Overfør sakene til" in page
    assert "bare deaktivere kontaktpersoner i din egen part" in page
    assert 'value="kari.johansen@kommune.example"' not in page  # another party's contact
    unchosen = client.post(path, data={"csrf_token": csrf(client, path), "til-1": ""})
    assert unchosen.status_code == 422 and "Velg hvem sakene skal gå til." in unchosen.get_data(as_text=True)
    done = client.post(path, data={"csrf_token": csrf(client, path), "til-1": ANNE})
    assert done.status_code == 303
    assert "Per Hansen er deaktivert. 2 saker er overført." in client.get("/arbeid/katalog/kontakter").get_data(
        as_text=True)
    with sessions() as session:
        assert session.scalars(select(Contact).where(Contact.email == PER)).one().deactivated_at is not None
        for reference in (first, second):
            case = session.scalars(select(Case).where(Case.reference == reference)).one()
            assert case.assignee == ANNE
            moved = session.scalars(select(CaseHistory).where(CaseHistory.case_id == case.id,
                                                              CaseHistory.action == "reassigned")).one()
            assert moved.actor == ANNE and "Per Hansen er deaktivert" in moved.comment


def test_a_party_deactivates_only_its_own_contacts(kari, sessions):
    with sessions() as session:
        per_id = session.scalars(select(Contact.id).where(Contact.email == PER)).one()
    path = f"/arbeid/katalog/kontakter/{per_id}/deaktiver"
    page = kari.get(path)
    assert page.status_code == 403 and "din egen part" in page.get_data(as_text=True)
    refused = kari.post(path, data={"csrf_token": csrf(kari, "/arbeid/katalog/kontakter")})
    assert refused.status_code == 403
    with sessions() as session:
        assert session.scalars(select(Contact).where(Contact.email == PER)).one().deactivated_at is None
