"""The workspace's notice forms (issue 12): acquisition in steps with the figures and the cap, a sublet
question, a meeting request for my own party, each with field messages, CSRF and one case per form."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from shared.agreement import meeting_deadline
from shared.calendar import local_today
from shared.formats import long_date_nb
from shared.models import Case, utcnow
from tests.support.workspace import csrf, sign_in_as
from tests.support.workspace_forms import form, text

KARI = "kari.johansen@kommune.example"
PER = "per.hansen@bonord.example"
PRESTVANNET = "997273354"  # 150 homes, the municipality owns 6: cap 15
KROKEN = "961998492"  # 12 homes, the municipality owns 1: cap 1, so one more is over it


def in_days(days: int) -> str:
    return (local_today("Europe/Oslo") + dt.timedelta(days=days)).isoformat()


def acquisition(**changes: str) -> dict[str, str]:
    return {"cooperative_orgnr": PRESTVANNET, "share_number": "42", "address": "Prestvannetveien 19, H0301",
            "planned_date": in_days(30), "note": "Familie på fem.", **changes}


def cases(sessions, case_type: str) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Case).where(Case.type == case_type)) or 0


@pytest.fixture
def kari(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    return client


@pytest.fixture
def per(client, sessions, settings):
    sign_in_as(client, sessions, settings, PER)
    return client


def test_acquisition_through_both_steps_to_a_receipt(kari, sessions):
    hidden = form(kari, "/arbeid/erverv/ny")
    shown = kari.post("/arbeid/erverv/ny", data={**hidden, **acquisition(), "handling": "vis"})
    assert shown.status_code == 200
    page = text(shown)
    assert "Kommunens andel i Prestvannet borettslag" in page
    assert "6 (4,0 %)" in page and "7 (4,7 %)" in page and "15 boliger" in page
    assert "Kjøpet holder seg innenfor grensen." in page and "Over grensen" not in page
    assert 'value="Prestvannetveien 19, H0301"' in page  # the input is kept

    confirm = kari.post("/arbeid/erverv/ny", data={**hidden, **acquisition(), "handling": "kontroller"})
    assert confirm.status_code == 200
    assert "Send varsel" in text(confirm) and "7 (4,7 %)" in text(confirm)
    assert cases(sessions, "acquisition") == 0  # nothing is sent before "Send varsel"

    sent = kari.post("/arbeid/erverv/ny", data={**hidden, **acquisition(), "handling": "send"})
    assert sent.status_code == 303
    receipt_path = sent.headers["Location"]
    receipt = kari.get(receipt_path)
    reference = re.search(r"<strong>(ER-\d{4}-\d{4})</strong>", text(receipt)).group(1)
    assert receipt_path == f"/arbeid/erverv/kvittering/{reference}"
    assert f'href="/arbeid/saker/{reference}"' in text(receipt)
    assert "6 (4,0 %)" in text(receipt) and "7 (4,7 %)" in text(receipt)

    # A double click or a resend of the same form, and a reload of the receipt: still one case.
    again = kari.post("/arbeid/erverv/ny", data={**hidden, **acquisition(), "handling": "send"})
    assert again.headers["Location"] == receipt_path
    assert kari.get(receipt_path).status_code == 200
    assert cases(sessions, "acquisition") == 1
    with sessions() as session:
        case = session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        assert (case.share_number, case.created_by) == ("42", KARI)


def test_a_borettslag_near_the_cap_warns_on_every_step(kari):
    hidden = form(kari, "/arbeid/erverv/ny")
    data = {**hidden, **acquisition(cooperative_orgnr=KROKEN)}
    for step in ("vis", "kontroller"):
        page = text(kari.post("/arbeid/erverv/ny", data={**data, "handling": step}))
        assert "Over grensen:" in page
        assert "Ervervet vil gi offentlige eiere 2 av 12 boliger, over grensen på 1" in page
    receipt = kari.get(kari.post("/arbeid/erverv/ny", data={**data, "handling": "send"}).headers["Location"])
    assert "Over grensen:" in text(receipt)


def test_show_figures_without_a_borettslag_or_with_an_unknown_one(kari):
    hidden = form(kari, "/arbeid/erverv/ny")
    empty = kari.post("/arbeid/erverv/ny", data={**hidden, "share_number": "9", "handling": "vis"})
    assert empty.status_code == 422
    assert '<a class="ds-link" href="#cooperative_orgnr">Borettslag: Velg borettslaget.</a>' in text(empty)
    assert 'value="9"' in text(empty)
    unknown = kari.post("/arbeid/erverv/ny", data={**hidden, **acquisition(cooperative_orgnr="123456785"),
                                                   "handling": "send"})
    assert unknown.status_code == 422
    assert "Fant ikke borettslaget" in text(unknown)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"share_number": ""}, "share_number", "Skriv andelsnummeret."),
    ({"planned_date": in_days(-1)}, "planned_date", "Datoen kan ikke være tilbake i tid."),
    ({"planned_date": "31.12.2030"}, "planned_date", "Datoen må skrives som ÅÅÅÅ-MM-DD."),
    ({"address": "x" * 201}, "address", "Må være mellom 1 og 200 tegn."),
    ({"note": "x" * 5001}, "note", "Kan ikke være lengre enn 5000 tegn."),
])
def test_acquisition_field_errors(kari, sessions, changes, field, message):
    hidden = form(kari, "/arbeid/erverv/ny")
    for step in ("kontroller", "send"):
        response = kari.post("/arbeid/erverv/ny", data={**hidden, **acquisition(**changes), "handling": step})
        assert response.status_code == 422
        page = text(response)
        assert f'<a class="ds-link" href="#{field}">' in page and 'class="ds-error-summary"' in page
        assert f'id="{field}-feil"><span class="ds-sr-only">Feil: </span>{message}' in page
        assert 'aria-invalid="true"' in page
        assert 'value="Prestvannetveien 19, H0301"' in page or field == "address"
    assert cases(sessions, "acquisition") == 0


def test_a_form_without_the_csrf_token_is_refused(kari, sessions):
    hidden = form(kari, "/arbeid/erverv/ny")
    response = kari.post("/arbeid/erverv/ny", data={"skjema": hidden["skjema"], **acquisition(), "handling": "send"})
    assert response.status_code == 400
    assert cases(sessions, "acquisition") == 0


def test_the_association_officer_may_not_send_an_acquisition_notice_or_a_sublet_question(per, sessions):
    assert per.get("/arbeid/erverv/ny").status_code == 403
    posted = per.post("/arbeid/erverv/ny", data={"csrf_token": csrf(per, "/arbeid/fravaer"), **acquisition(),
                                                 "handling": "send", "skjema": "x" * 32})
    assert posted.status_code == 403
    assert per.get("/arbeid/framleie/ny").status_code == 403
    assert cases(sessions, "acquisition") == 0
    nav = text(per.get("/arbeid/fravaer"))
    assert "Varsle erverv" not in nav and "Framleie" not in nav and "Be om møte" in nav and "Fravær" in nav


def test_the_receipt_of_someone_elses_case_is_not_found(kari, app, sessions, settings):
    hidden = form(kari, "/arbeid/erverv/ny")
    sent = kari.post("/arbeid/erverv/ny", data={**hidden, **acquisition(), "handling": "send"})
    receipt_path = sent.headers["Location"]
    ola = app.test_client()
    sign_in_as(ola, sessions, settings, "ola.berg@kommune.example")
    assert ola.get(receipt_path).status_code == 404
    assert ola.get("/arbeid/erverv/kvittering/ER-1999-0001").status_code == 404


SUBLET = {"cooperative_orgnr": "942581521", "share_number": "7", "move_in_date": "2030-01-01",
          "tenant_household": "To voksne, ett barn", "question": "Kan styret godkjenne ny leietaker?"}


def test_sublet_question_to_a_receipt(kari, sessions):
    page = text(kari.get("/arbeid/framleie/ny"))
    assert "Ikke skriv navn, fødselsnummer" in page  # the household is minimised
    hidden = form(kari, "/arbeid/framleie/ny")
    sent = kari.post("/arbeid/framleie/ny", data={**hidden, **SUBLET})
    assert sent.status_code == 303
    receipt = text(kari.get(sent.headers["Location"]))
    reference = re.search(r"<strong>(FR-\d{4}-\d{4}|[A-Z]{2}-\d{4}-\d{4})</strong>", receipt).group(1)
    assert f'href="/arbeid/saker/{reference}"' in receipt and "Stakkevollan borettslag" in receipt
    assert kari.post("/arbeid/framleie/ny", data={**hidden, **SUBLET}).headers["Location"] == sent.headers["Location"]
    assert cases(sessions, "sublet") == 1


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"tenant_household": "x" * 501}, "tenant_household", "Må være mellom 1 og 500 tegn."),
    ({"question": ""}, "question", "Skriv spørsmålet til styret."),
    ({"question": "Kort"}, "question", "Må være mellom 10 og 5000 tegn."),
    ({"move_in_date": "i morgen"}, "move_in_date", "Datoen må skrives som ÅÅÅÅ-MM-DD."),
    ({"cooperative_orgnr": "123456785"}, "cooperative_orgnr", "Fant ikke borettslaget."),
])
def test_sublet_field_errors(kari, sessions, changes, field, message):
    response = kari.post("/arbeid/framleie/ny", data={**form(kari, "/arbeid/framleie/ny"), **SUBLET, **changes})
    assert response.status_code == 422
    page = text(response)
    assert f'href="#{field}"' in page and message in page
    assert "Kan styret godkjenne" in page or field == "question"
    assert cases(sessions, "sublet") == 0


def test_meeting_request_for_my_own_party_shows_the_21_day_deadline(per, sessions):
    deadline = long_date_nb(meeting_deadline(utcnow(), "Europe/Oslo"))
    page = text(per.get("/arbeid/moter/ny"))
    assert f"Møtet skal holdes senest <strong>{deadline}</strong>" in page
    assert "på vegne av boligbyggelaget" in page
    data = {**form(per, "/arbeid/moter/ny"), "reason": "Vi trenger å drøfte nye erverv i Prestvannet.",
            "topics": "Erverv i Prestvannet\r\n\r\n  Framleie i Stakkevollan  \r\n"}
    sent = per.post("/arbeid/moter/ny", data=data)
    assert sent.status_code == 303
    receipt = text(per.get(sent.headers["Location"]))
    assert f"Møtet skal holdes senest <strong>{deadline}</strong>" in receipt
    assert "<li>Erverv i Prestvannet</li><li>Framleie i Stakkevollan</li>" in receipt
    with sessions() as session:
        case = session.execute(select(Case).where(Case.type == "meeting_request")).scalar_one()
        assert (case.details["party"], case.details["topics"]) == (
            "association", ["Erverv i Prestvannet", "Framleie i Stakkevollan"])


@pytest.mark.parametrize(("topics", "message"), [
    ("", "Skriv minst én sak, én per linje."),
    ("\n".join(f"Sak {n}" for n in range(21)), "Oppgi mellom 1 og 20 saker."),
    ("Erverv\n" + "x" * 301, "Linje 2: Må være mellom 1 og 300 tegn."),
])
def test_meeting_request_errors(per, sessions, topics, message):
    data = {**form(per, "/arbeid/moter/ny"), "reason": "Vi trenger å drøfte nye erverv.", "topics": topics}
    response = per.post("/arbeid/moter/ny", data=data)
    assert response.status_code == 422
    assert message in text(response) and 'href="#topics"' in text(response)
    assert "Vi trenger å drøfte nye erverv." in text(response)
    assert cases(sessions, "meeting_request") == 0


def test_a_sent_form_without_its_id_creates_nothing(kari, sessions):
    hidden = form(kari, "/arbeid/erverv/ny")
    response = kari.post("/arbeid/erverv/ny", data={"csrf_token": hidden["csrf_token"], **acquisition(),
                                                    "handling": "send"})
    assert response.status_code == 400
    assert cases(sessions, "acquisition") == 0


@pytest.mark.parametrize("path", ["/arbeid/erverv/ny", "/arbeid/framleie/ny", "/arbeid/moter/ny", "/arbeid/fravaer"])
def test_signed_out_goes_to_sign_in_and_back(client, path):
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["Location"] == "/logg-inn?neste=" + path
