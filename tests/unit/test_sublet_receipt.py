"""The workspace's sublet receipt per housing type (SPEC §8): in a borettslag the board approves the
new user (burettslagslova § 5-6); in a sameie no board approval is needed and the notice informs the
committee. Both in the contact's language."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from shared.db import unit_of_work
from shared.demo import MORE_AGREEMENTS, load_demo
from shared.models import Contact
from tests.support.workspace import sign_in_as
from tests.support.workspace_forms import form, text

SIRI = "siri.eriksen@kommune.example"
SJOGATA, TELEGRAFBUKTA = "926345672", "914000009"  # agreement 2: a sameie and a borettslag


def sublet(orgnr: str) -> dict[str, str]:
    return {"cooperative_orgnr": orgnr, "share_number": "7", "move_in_date": "2030-01-01",
            "tenant_household": "To voksne", "question": "Ny kommunal leietaker flytter inn."}


@pytest.fixture
def siri(client, sessions, settings):
    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)
    sign_in_as(client, sessions, settings, SIRI)
    return client


def receipt(client, orgnr: str) -> str:
    sent = client.post("/arbeid/framleie/ny", data={**form(client, "/arbeid/framleie/ny"), **sublet(orgnr)})
    assert sent.status_code == 303
    return text(client.get(sent.headers["Location"]))


def test_a_sameie_s_receipt_says_no_board_approval_and_that_the_committee_is_informed(siri):
    page = receipt(siri, SJOGATA)
    assert "Varselet om framleie er sendt" in page and "Seksjonsnummer" in page
    assert ("Sjøgata sameie er et eierseksjonssameie. Der trengs ingen godkjenning fra styret: "
            "burettslagslova § 5-6 gjelder bare borettslag. Varselet informerer samarbeidsutvalget.") in page
    assert "Styret svarer innen" not in page


def test_a_borettslag_s_receipt_says_the_board_approves(siri):
    page = receipt(siri, TELEGRAFBUKTA)
    assert "Spørsmålet om framleie er sendt" in page and "Andelsnummer" in page
    assert "Styret i borettslaget må godkjenne brukeren (burettslagslova § 5-6). Styret svarer innen 20 arbeidsdager." \
        in page
    assert "eierseksjonssameie" not in page


def test_the_sameie_s_receipt_in_nynorsk(siri, sessions):
    with unit_of_work(sessions) as session:
        session.execute(update(Contact).where(Contact.email == SIRI).values(language="nn"))
    page = receipt(siri, SJOGATA)
    assert '<html lang="nn">' in page
    assert "Varselet om framleige er sendt" in page
    assert ("Sjøgata sameie er eit eigarseksjonssameige. Der trengst inga godkjenning frå styret: "
            "burettslagslova § 5-6 gjeld berre burettslag. Varselet informerer samarbeidsutvalet.") in page
