"""The directory per agreement (SPEC §8): the lists, the export, the import and deactivation stay
within the signed-in user's agreements; a contact outside them answers 404; a contact's language
(SPEC §9) is a column of the list, the export and the import, and can be changed.

Kari Johansen is in agreement 1 only, Siri Eriksen in 2 only, Ola Berg and Ingrid Solberg in 1 and 2.
"""
from __future__ import annotations

import html
import io
import re

import pytest
from sqlalchemy import select

from shared.db import unit_of_work
from shared.demo import MORE_AGREEMENTS, load_demo
from shared.directory_csv import CONTACT_COLUMNS, COOPERATIVE_COLUMNS
from shared.models import Case, CaseHistory, Contact, Cooperative
from tests.support.workspace import csrf, sign_in_as

KARI, SIRI, OLA = "kari.johansen@kommune.example", "siri.eriksen@kommune.example", "ola.berg@kommune.example"
INGRID, PER = "leder.boligkontoret@kommune.example", "per.hansen@bonord.example"


@pytest.fixture
def two(sessions):
    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def contact_id(sessions, email: str) -> int:
    with sessions() as session:
        return session.scalars(select(Contact.id).where(Contact.email == email)).one()


def upload(client, kind: str, body: str):
    path = f"/arbeid/katalog/{kind}/import"
    return client.post(path, data={"csrf_token": csrf(client, path),
                                   "fil": (io.BytesIO(body.encode()), f"{kind}.csv")},
                       content_type="multipart/form-data")


def confirm(client, kind: str, preview):
    page = preview.get_data(as_text=True)
    fields = {name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1) for name in ("kvittering", "fil")}
    return client.post(f"/arbeid/katalog/{kind}/import/bekreft",
                       data={"csrf_token": csrf(client, f"/arbeid/katalog/{kind}/import"), **fields})


def row_of(page: str, key: str) -> str:
    """The preview's table row of this orgnr or e-mail address, as text."""
    found = re.search(rf"<tr>\s*<td>\d+</td>\s*<td>{re.escape(key)}</td>(.*?)</tr>", page, re.DOTALL)
    assert found, f"no row for {key}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1)))


def test_the_lists_show_only_the_users_agreements(client, sessions, settings, two):
    sign_in_as(client, sessions, settings, SIRI)
    companies = text(client.get("/arbeid/katalog"))
    assert "Telegrafbukta borettslag" in companies and "Sjøgata sameie" in companies
    assert "Prestvannet borettslag" not in companies and "Nordkjosbotn" not in companies
    assert re.search(r"Sjøgata sameie</th>\s*<td>Sameie</td>", companies)
    assert "3 borettslag i katalogen." in companies and 'id="avtale"' not in companies

    people = text(client.get("/arbeid/katalog/kontakter"))
    assert "Jonas Lie" in people and "Ola Berg" in people and "Siri Eriksen" in people
    assert "Kari Johansen" not in people and "Per Hansen" not in people and "Marit Moe" not in people
    assert re.search(r"Siri Eriksen<br>.*?<td>Bokmål<br><a class=\"ds-link\" "
                     r"href=\"/arbeid/katalog/kontakter/\d+/sprak\">Endre språk", people, re.DOTALL)


def test_a_user_in_two_agreements_sees_both_and_may_narrow_to_one(client, sessions, settings, two):
    sign_in_as(client, sessions, settings, OLA)
    both = text(client.get("/arbeid/katalog"))
    assert "Telegrafbukta borettslag" in both and "Prestvannet borettslag" in both and "Nordkjosbotn" not in both
    assert '<option value="2">Tromsø kommune og Ishavsbo</option>' in both
    assert re.search(r"Telegrafbukta borettslag</th>\s*<td>Borettslag</td>\s*<td>Tromsø kommune og Ishavsbo</td>", both)
    one = text(client.get("/arbeid/katalog?avtale=2"))
    assert "Telegrafbukta borettslag" in one and "Prestvannet borettslag" not in one
    assert '<option value="2" selected>' in one
    assert client.get("/arbeid/katalog?avtale=3").status_code == 404
    assert client.get("/arbeid/katalog/kontakter?avtale=3").status_code == 404


def test_another_agreement_s_contact_is_404_to_deactivate_and_to_change(client, sessions, settings, two):
    sign_in_as(client, sessions, settings, SIRI)
    for email in (KARI, PER):
        number = contact_id(sessions, email)
        assert client.get(f"/arbeid/katalog/kontakter/{number}/deaktiver").status_code == 404
        token = csrf(client, "/arbeid/katalog/kontakter")
        assert client.post(f"/arbeid/katalog/kontakter/{number}/deaktiver",
                           data={"csrf_token": token}).status_code == 404
        assert client.post(f"/arbeid/katalog/kontakter/{number}/sprak",
                           data={"csrf_token": token, "sprak": "nn"}).status_code == 404
    with sessions() as session:
        kari = session.scalars(select(Contact).where(Contact.email == KARI)).one()
        assert kari.deactivated_at is None and kari.language == "nb"


def test_the_export_holds_the_users_agreements_with_agreement_kind_and_language(client, sessions, settings, two):
    sign_in_as(client, sessions, settings, SIRI)
    companies = client.get("/arbeid/katalog/borettslag.csv").data.decode("utf-8-sig").splitlines()
    assert companies[0] == ";".join((*COOPERATIVE_COLUMNS, "agreement", "kind", "sections", "bylaws_public_cap",
                                     "bylaws_public_cap_unit"))
    assert [line.split(";")[0] for line in companies[1:]] == ["914000009", "926345672", "938691347"]
    assert companies[2].endswith(";2;sameie;24;;")
    people = client.get("/arbeid/katalog/kontakter.csv").data.decode("utf-8-sig").splitlines()
    assert people[0] == ";".join((*CONTACT_COLUMNS, "agreements", "language"))
    assert not any(line.startswith(KARI) for line in people)
    ola = next(line for line in people if line.startswith(OLA))
    assert ola.endswith(";2;nb")  # Ola works in agreement 1 too, which Siri does not see


def test_importing_companies_stays_within_the_users_agreement(client, sessions, settings, two):
    sign_in_as(client, sessions, settings, SIRI)
    body = ";".join((*COOPERATIVE_COLUMNS, "agreement", "kind", "sections")) + "\r\n" + "\r\n".join([
        "997273354;Prestvannet borettslag;Prestvannetveien 19;9006;Tromsø;150;6;per.hansen@bonord.example;;;",
        "974760673;Nytt borettslag;Nyveien 1;9008;Tromsø;40;1;jonas.lie@ishavsbo.example;1;borettslag;",
        "914000025;Nytt sameie;Nyveien 2;9008;Tromsø;12;1;jonas.lie@ishavsbo.example;;sameie;12",
        "916000006;Feil saksbehandler;Nyveien 3;9008;Tromsø;12;1;per.hansen@bonord.example;2;;",
    ]) + "\r\n"
    preview = upload(client, "borettslag", body)
    page = text(preview)
    assert preview.status_code == 200
    assert "Borettslaget hører til en avtale du ikke er med i." in row_of(page, "997273354")
    assert "Avtale 1 er ikke en av avtalene dine." in row_of(page, "974760673")
    assert row_of(page, "914000025").strip() == "Nytt sameie Ny"
    assert "Saksbehandleren per.hansen@bonord.example er ikke med i avtale 2." in row_of(page, "916000006")
    assert confirm(client, "borettslag", preview).status_code == 303
    with sessions() as session:
        new = session.scalars(select(Cooperative).where(Cooperative.orgnr == "914000025")).one()
        assert (new.agreement_id, new.kind, new.sections) == (2, "sameie", 12)
        assert session.scalars(select(Cooperative.agreement_id).where(Cooperative.orgnr == "997273354")).one() == 1


def test_a_user_in_several_agreements_names_a_new_company_s_agreement(client, sessions, settings, two):
    sign_in_as(client, sessions, settings, OLA)
    body = ";".join(COOPERATIVE_COLUMNS) + "\r\n974760673;Nytt borettslag;Nyveien 1;9008;Tromsø;40;1;\r\n"
    page = text(upload(client, "borettslag", body))
    assert ("Skriv avtalen borettslaget hører til i kolonnen agreement: du er med i flere avtaler."
            in row_of(page, "974760673"))


def test_importing_contacts_with_agreements_and_language(client, sessions, settings, two):
    sign_in_as(client, sessions, settings, SIRI)
    header = ";".join((*CONTACT_COLUMNS, "agreements", "language"))
    body = header + "\r\n" + "\r\n".join([
        f"{KARI};Kari Johansen;municipality;main_contact;Tromsø kommune Boligkontoret;;;yes;;nn",
        f"{OLA};Ola Berg;municipality;deputy_contact;Tromsø kommune Boligkontoret;;{INGRID};no;2;nn",
        "ny.person@kommune.example;Ny Person;municipality;case_officer;Tromsø kommune Boligkontoret;;;no;;",
        "ny.annen@kommune.example;Ny Annen;municipality;case_officer;Tromsø kommune Boligkontoret;;;no;3;",
        "ny.engelsk@kommune.example;Ny Engelsk;municipality;case_officer;Tromsø kommune Boligkontoret;;;no;2;en",
    ]) + "\r\n"
    preview = upload(client, "kontakter", body)
    page = text(preview)
    assert "Kontaktpersonen er ikke med i noen av avtalene dine." in row_of(page, KARI)
    assert "Språk: «nb» → «nn»" in row_of(page, OLA) and "Avtaler" not in row_of(page, OLA)
    assert row_of(page, "ny.person@kommune.example").strip() == "Ny Person Ny"
    assert "Avtale 3 er ikke en av avtalene dine." in row_of(page, "ny.annen@kommune.example")
    assert ("Språk må være «nb» (bokmål) eller «nn» (nynorsk), ikke «en»."
            in row_of(page, "ny.engelsk@kommune.example"))
    assert confirm(client, "kontakter", preview).status_code == 303
    with sessions() as session:
        ola = session.scalars(select(Contact).where(Contact.email == OLA)).one()
        assert ola.language == "nn" and [a.id for a in ola.agreements] == [1, 2]  # agreement 1 kept
        new = session.scalars(select(Contact).where(Contact.email == "ny.person@kommune.example")).one()
        assert [a.id for a in new.agreements] == [2] and new.language == "nb"
        kari = session.scalars(select(Contact).where(Contact.email == KARI)).one()
        assert kari.language == "nb"


def test_the_language_is_changed_on_its_own_page(client, sessions, settings, two):
    sign_in_as(client, sessions, settings, SIRI)
    path = f"/arbeid/katalog/kontakter/{contact_id(sessions, OLA)}/sprak"
    form = text(client.get(path))
    assert "Språket til Ola Berg" in form and 'value="nb" checked' in form
    wrong = client.post(path, data={"csrf_token": csrf(client, path), "sprak": "en"})
    assert wrong.status_code == 422 and "Velg bokmål eller nynorsk." in text(wrong)
    done = client.post(path, data={"csrf_token": csrf(client, path), "sprak": "nn"})
    assert done.status_code == 303
    assert "Språket til Ola Berg er nå nynorsk." in text(client.get("/arbeid/katalog/kontakter"))
    with sessions() as session:
        assert session.scalars(select(Contact.language).where(Contact.email == OLA)).one() == "nn"
    other_party = f"/arbeid/katalog/kontakter/{contact_id(sessions, 'jonas.lie@ishavsbo.example')}/sprak"
    assert client.get(other_party).status_code == 403


def open_case(client, complaint, sessions, orgnr: str, email: str) -> str:
    answer = client.post("/api/v1/complaints", json={**complaint, "cooperative_orgnr": orgnr})
    reference = answer.get_json()["reference"]
    with unit_of_work(sessions) as session:
        case = session.scalars(select(Case).where(Case.reference == reference)).one()
        case.status, case.assignee = "routed", email
    return reference


def test_deactivation_moves_each_agreement_s_cases_within_that_agreement(client, sessions, settings, two, complaint):
    first = open_case(client, complaint, sessions, "997273354", OLA)  # agreement 1
    second = open_case(client, complaint, sessions, "914000009", OLA)  # agreement 2
    sign_in_as(client, sessions, settings, INGRID)
    path = f"/arbeid/katalog/kontakter/{contact_id(sessions, OLA)}/deaktiver"
    page = text(client.get(path))
    assert "Sakene blir i sin avtale, så du velger for hver avtale." in page
    one = page.split('id="til-1"', 1)[1].split("</select>", 1)[0]
    two_ = page.split('id="til-2"', 1)[1].split("</select>", 1)[0]
    assert KARI in one and SIRI not in one
    assert SIRI in two_ and KARI not in two_
    assert "Overfør sakene i Tromsø kommune og Ishavsbo til" in page

    crossed = client.post(path, data={"csrf_token": csrf(client, path), "til-1": SIRI, "til-2": SIRI})
    assert crossed.status_code == 422 and "Velg hvem sakene skal gå til." in text(crossed)
    with sessions() as session:
        assert session.scalars(select(Contact.deactivated_at).where(Contact.email == OLA)).one() is None

    done = client.post(path, data={"csrf_token": csrf(client, path), "til-1": KARI, "til-2": SIRI})
    assert done.status_code == 303
    assert "Ola Berg er deaktivert. 2 saker er overført." in text(client.get("/arbeid/katalog/kontakter"))
    with sessions() as session:
        moved = {c.reference: c.assignee for c in session.scalars(select(Case).where(Case.reference.in_([first,
                                                                                                        second])))}
        assert moved == {first: KARI, second: SIRI}
        assert session.scalar(select(CaseHistory.comment).join(Case).where(Case.reference == second,
                                                                           CaseHistory.action == "reassigned")) \
            == "Ola Berg er deaktivert i katalogen; saken er overført til Siri Eriksen."


def test_a_user_cannot_deactivate_a_contact_with_cases_in_an_agreement_they_are_not_in(
        client, sessions, settings, two, complaint):
    open_case(client, complaint, sessions, "914000009", OLA)  # agreement 2, which Kari is not in
    sign_in_as(client, sessions, settings, KARI)
    path = f"/arbeid/katalog/kontakter/{contact_id(sessions, OLA)}/deaktiver"
    page = client.get(path)
    assert page.status_code == 409
    assert "Ola Berg har åpne saker i en avtale du ikke er med i." in text(page)
    assert client.post(path, data={"csrf_token": csrf(client, path), "til-2": SIRI}).status_code == 409
    with sessions() as session:
        assert session.scalars(select(Contact.deactivated_at).where(Contact.email == OLA)).one() is None
