"""The handbook and the directory in nynorsk for a contact whose language is nynorsk (SPEC §9): the
pages, their field and line messages and the import's reasons, with real words, and <html lang="nn">."""
from __future__ import annotations

import html
import io

import pytest
from sqlalchemy import update

from shared.db import unit_of_work
from shared.demo import MORE_AGREEMENTS, load_demo
from shared.directory_csv import COOPERATIVE_COLUMNS
from shared.handbook import DEFAULT_PATH
from shared.models import Contact
from tests.support.workspace import csrf, sign_in_as

SIRI = "siri.eriksen@kommune.example"
SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")


@pytest.fixture
def siri(client, sessions, settings):
    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)
        session.execute(update(Contact).where(Contact.email == SIRI).values(language="nn"))
    sign_in_as(client, sessions, settings, SIRI)
    return client


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def test_the_handbook_pages_in_nynorsk(siri):
    read = text(siri.get("/arbeid/handbok"))
    assert '<html lang="nn">' in read
    for words in ("Rutinehandbok", "Handboka for avtalen mellom Tromsø kommune Boligkontoret og Ishavsbo.",
                  "Kven får saka", "kontaktpersonen i kommunen for bustadbyggjelaget", "Fristar og påminningar",
                  "75 % av tida", "Møte i samarbeidsutvalet", "Endre handboka"):
        assert words in read, words
    assert "Hvem får saken" not in read and "håndbok" not in read.lower()
    assert "Versjonar av handboka" in text(siri.get("/arbeid/handbok/versjoner"))
    edit = text(siri.get("/arbeid/handbok/endre"))
    assert "Endre rutinehandboka" in edit and "Vårmøtet blir halde i vindauget" in edit


def test_the_handbook_s_messages_in_nynorsk(siri):
    path = "/arbeid/handbok/endre/yaml"
    broken = SHIPPED.replace("format: 1\n", "format: 1\nformat: 1\n", 1)
    answer = siri.post(path, data={"csrf_token": csrf(siri, "/arbeid/handbok/endre"), "yaml": broken})
    page = text(answer)
    assert answer.status_code == 422 and "Handboka har feil" in page
    assert "nøkkelen 'format' står to gonger" in page
    preview = text(siri.post(path, data={"csrf_token": csrf(siri, "/arbeid/handbok/endre"), "yaml": SHIPPED}))
    assert "Førehandsvising av ny versjon" in preview and "Teksten er lik versjon" in preview


def test_the_directory_in_nynorsk(siri):
    companies = text(siri.get("/arbeid/katalog"))
    assert '<html lang="nn">' in companies
    for words in ("Burettslaga og sameiga i avtalane dine.", "3 burettslag i katalogen.", "Sameige", "Bustadtype",
                  "Importer burettslag frå CSV"):
        assert words in companies, words
    people = text(siri.get("/arbeid/katalog/kontakter?q=Siri"))
    assert "1 kontaktperson passar med «Siri»." in people and "Nynorsk" in people and "Kontaktpersonar" in people
    body = ";".join((*COOPERATIVE_COLUMNS, "agreement")) + \
        "\r\n974760673;Nytt burettslag;Nyvegen 1;9008;Tromsø;40;1;;1\r\n" \
        "942474602;Feil burettslag;Vegen 2;9008;Tromsø;10;0;;2\r\n"
    path = "/arbeid/katalog/borettslag/import"
    preview = text(siri.post(path, data={"csrf_token": csrf(siri, path),
                                         "fil": (io.BytesIO(body.encode()), "b.csv")},
                             content_type="multipart/form-data"))
    assert "Førehandsvising: import av burettslag" in preview
    assert "Avtale 1 er ikkje ein av avtalane dine." in preview and "2 avviste" in preview
    assert "Organisasjonsnummeret «942474602» er ugyldig: det må ha 9 siffer med rett kontrollsiffer." in preview
