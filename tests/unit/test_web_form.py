"""The public complaint form, its receipt and the tracking page, through the Flask test client."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import select

from shared.models import Case, CaseHistory, Contact, Cooperative
from tests.support.database import count

FORM = "/klage"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def token(client) -> str:
    match = CSRF.search(client.get(FORM).get_data(as_text=True))
    assert match, "the form has no CSRF token"
    return match.group(1)


def valid_form(**changes: str) -> dict[str, str]:
    form = {
        "cooperative_orgnr": "997273354",
        "category": "noise",
        "description": "Det bråker hver natt fra leilighet 3B, også etter klokken 23.",
        "share_number": "",
        "address": "",
        "occurred_on": "",
        "submitter_name": "Kari Styreleder",
        "submitter_email": "kari@example.org",
        "submitter_phone": "",
        "submitter_role": "board",
        "nettsted": "",
    }
    return {**form, **changes}


def post(client, **changes: str):
    return client.post(FORM, data={**valid_form(**changes), "csrf_token": token(client)})


def text(response) -> str:
    return response.get_data(as_text=True)


def tracking_path(receipt_html: str) -> str:
    match = re.search(r'href="(/sak/[^"]+)"', receipt_html)
    assert match, "the receipt has no tracking link"
    return unescape(match.group(1))


@pytest.mark.parametrize("path", ["/", "/klage"])
def test_form_lists_every_borettslag_by_name(client, sessions, path):
    response = client.get(path)
    html = text(response)
    assert response.status_code == 200
    assert 'lang="nb"' in html and 'name="viewport"' in html and 'href="#innhold"' in html
    with sessions() as session:
        cooperatives = session.execute(select(Cooperative)).scalars().all()
    assert len(cooperatives) >= 10
    for cooperative in cooperatives:
        assert f'<option value="{cooperative.orgnr}">{cooperative.name}</option>' in html
    assert CSRF.search(html)


def test_every_input_has_a_label_and_contact_fields_autocomplete(client):
    html = text(client.get(FORM))
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
    assert len(ids) == 11  # ten fields and the honeypot
    for field_id in ids:
        assert re.search(rf'<label[^>]* for="{field_id}">', html)
    for autocomplete in ('autocomplete="name"', 'autocomplete="email"', 'autocomplete="tel"'):
        assert autocomplete in html
    assert "(må fylles ut)" in html
    assert "Slik bruker vi opplysningene dine" in html


def test_valid_form_creates_a_case_and_redirects_to_a_receipt(client, sessions):
    response = post(
        client, share_number="17", occurred_on="2026-01-05", submitter_phone="+47 900 00 000"
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/klage/kvittering")
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
        assert (case.cooperative.orgnr, case.category) == ("997273354", "noise")
        assert (case.share_number, case.occurred_on) == ("17", dt.date(2026, 1, 5))
        assert (case.address, case.submitter_role) == (None, "board")
        assert (case.submitter_name, case.submitter_phone) == ("Kari Styreleder", "+47 900 00 000")
    receipt = client.get("/klage/kvittering")
    html = text(receipt)
    assert receipt.status_code == 200
    assert case.reference in html
    assert tracking_path(html) == f"/sak/{case.tracking_token}"
    assert "kontaktperson" in html and "arbeidsdager" in html
    assert receipt.headers["Cache-Control"] == "no-store"


def test_reloading_the_receipt_creates_nothing(client, sessions):
    post(client)
    client.get("/klage/kvittering")
    client.get("/klage/kvittering")
    assert count(sessions, Case) == 1


def test_empty_form_comes_back_with_a_summary_linking_each_field(client, sessions):
    response = client.post(FORM, data={"csrf_token": token(client)})
    html = text(response)

    assert response.status_code == 422
    assert 'role="alert"' in html and "Skjemaet har feil" in html
    assert "<title>Feil: " in html
    required = ("cooperative_orgnr", "category", "description", "submitter_name", "submitter_email",
                "submitter_role")
    for field in required:
        assert f'href="#{field}"' in html
        assert f'id="{field}-feil"' in html
        element = re.search(rf'<[a-z]+ [^>]*id="{field}"[^>]*>', html).group(0)
        assert re.search(rf'aria-describedby="[^"]*{field}-feil"', element)
        assert 'aria-invalid="true"' in element
    assert "Velg borettslaget klagen gjelder." in html
    assert count(sessions, Case) == 0


def test_invalid_fields_keep_the_input_and_name_the_nested_field(client, sessions):
    response = post(client, submitter_email="ikke-en-adresse", description="kort",
                    submitter_name='Kari "Styreleder"', address="Storgata 1")
    html = text(response)

    assert response.status_code == 422
    assert 'href="#submitter_email"' in html and "E-postadressen er ikke gyldig." in html
    assert 'href="#description"' in html and "Må være mellom 10 og 5000 tegn." in html
    assert 'value="ikke-en-adresse"' in html
    assert 'value="Kari &#34;Styreleder&#34;"' in html
    assert 'value="Storgata 1"' in html
    assert ">kort</textarea>" in html
    assert '<option value="997273354" selected>' in html
    assert '<option value="board" selected>' in html
    assert count(sessions, Case) == 0


def test_future_date_is_an_error_on_the_date_field(client):
    html = text(post(client, occurred_on="2999-01-01"))
    assert 'href="#occurred_on"' in html and "Datoen kan ikke være frem i tid." in html


def test_unknown_borettslag_is_an_error_on_that_field(client, sessions):
    response = post(client, cooperative_orgnr="923609016")  # a valid number, not in the directory
    html = text(response)
    assert response.status_code == 422
    assert 'href="#cooperative_orgnr"' in html and "Velg et borettslag fra listen." in html
    assert count(sessions, Case) == 0


def test_post_without_csrf_token_is_a_bokmal_400_page(client, sessions):
    client.get(FORM)
    response = client.post(FORM, data=valid_form())
    html = text(response)

    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert 'lang="nb"' in html and "Skjemaet kunne ikke sendes" in html
    assert "Traceback" not in html
    assert count(sessions, Case) == 0


def test_post_with_a_wrong_csrf_token_is_refused(client, sessions):
    client.get(FORM)
    response = client.post(FORM, data={**valid_form(), "csrf_token": "forfalsket"})
    assert response.status_code == 400
    assert count(sessions, Case) == 0


def test_filled_honeypot_pretends_success_and_creates_nothing(client, sessions):
    response = post(client, nettsted="http://spam.example")

    assert response.status_code == 303
    receipt = client.get(response.headers["Location"])
    html = text(receipt)
    assert receipt.status_code == 200 and "Klagen er sendt" in html
    assert "KL-" not in html and "/sak/" not in html
    assert count(sessions, Case) == 0


def test_honeypot_is_hidden_from_people(client):
    html = text(client.get(FORM))
    hidden = re.search(r'<div class="ds-sr-only" aria-hidden="true">(.*?)</div>', html, re.S)
    assert hidden and "Ikke fyll ut dette feltet" in hidden.group(1)
    assert re.search(r'name="nettsted"[^>]*tabindex="-1"[^>]*autocomplete="off"', hidden.group(1))


def test_unknown_page_and_api_keep_their_own_error_shapes(client):
    page = client.get("/finnes-ikke")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Fant ikke siden" in text(page)
    api = client.get("/api/v1/finnes-ikke")
    assert api.status_code == 404 and api.get_json()["error"]["code"] == "not_found"


def test_script_in_the_description_is_escaped_on_the_tracking_page(client, sessions):
    script = "<script>alert('x')</script> <b>fet</b> og mer tekst"
    post(client, description=script)
    page = client.get(tracking_path(text(client.get("/klage/kvittering"))))
    html = text(page)

    assert page.status_code == 200
    assert "<script>alert" not in html and "<b>fet</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_tracking_page_hides_internal_notes_and_contact_addresses(client, sessions):
    post(client)
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
        contact = session.execute(select(Contact)).scalars().first()
        case.assignee = contact.email
        at = dt.datetime(2026, 7, 1, 10, 5, tzinfo=dt.UTC)
        session.add_all([
            CaseHistory(case_id=case.id, at=at, actor=contact.email, action="acknowledged",
                        from_status="received", to_status="acknowledged",
                        comment=f"Tatt av {contact.email}, vi ser på saken."),
            CaseHistory(case_id=case.id, at=at, actor=contact.email, action="note",
                        comment="INTERN: leietaker har fått advarsel før.", public=False),
        ])
        case.status = "acknowledged"
        session.commit()
        path = f"/sak/{case.tracking_token}"
    html = text(client.get(path))

    assert "Under behandling" in html and "vi ser på saken" in html
    assert "INTERN" not in html
    assert "@" not in html
    assert "kari@example.org" not in html and "Kari Styreleder" not in html
    assert "1. juli 2026 kl. 12.05" in html  # 10.05 UTC is 12.05 in Oslo in summer


def test_tracking_page_is_private(client):
    post(client)
    response = client.get(tracking_path(text(client.get("/klage/kvittering"))))
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_too_many_submissions_get_a_bokmal_429_page(settings, sessions):
    from services.intake import create_app

    app = create_app(settings.with_overrides(rate_limit_submissions="1 per minute"))
    app.config["TESTING"] = True
    client = app.test_client()
    try:
        assert post(client).status_code == 303
        response = post(client)
    finally:
        app.extensions["engine"].dispose()

    assert response.status_code == 429
    assert response.mimetype == "text/html"
    assert "For mange innsendinger" in text(response) and 'lang="nb"' in text(response)
    assert "Retry-After" in response.headers
    assert count(sessions, Case) == 1


def test_line_breaks_from_a_browser_textarea_are_kept(client, sessions):
    # Browsers submit a textarea's line breaks as CRLF.
    response = post(client, description="Første linje om støyen.\r\nAndre linje.\r\n\r\nTredje.")
    assert response.status_code == 303
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
        assert case.description == "Første linje om støyen.\nAndre linje.\n\nTredje."


def session_cookie(app, client) -> str:
    """The session cookie as the browser holds it, decoded: signed, not encrypted, so anyone can read it."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return ""
    serializer = app.session_interface.get_signing_serializer(app)
    return repr(serializer.loads(cookie.value)) + cookie.value


def test_receipt_shows_the_tracking_link_once_and_the_cookie_never_holds_it(app, client, sessions):
    response = post(client)
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
    assert response.status_code == 303
    assert case.tracking_token not in session_cookie(app, client)

    first = text(client.get("/klage/kvittering"))
    assert tracking_path(first) == f"/sak/{case.tracking_token}"
    assert case.tracking_token not in session_cookie(app, client)
    assert case.reference not in session_cookie(app, client)

    again = client.get("/klage/kvittering")
    html = text(again)
    assert again.status_code == 200
    assert case.tracking_token not in html and "/sak/" not in html
    assert "Kvitteringen vises bare én gang" in html and "e-post" in html


def test_a_receipt_not_shown_within_minutes_is_forgotten(client, sessions):
    from services.intake.web import RECEIPT_SECONDS

    post(client)
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
        case.created_at -= dt.timedelta(seconds=RECEIPT_SECONDS + 1)
        session.commit()
        token = case.tracking_token
    html = text(client.get("/klage/kvittering"))
    assert token not in html and "/sak/" not in html
    assert "Kvitteringen vises bare én gang" in html


def test_invisible_characters_on_the_form(client, sessions):
    response = post(client, submitter_name="\u200b\u200b", address="Storgata\u202e 1")
    html = text(response)
    assert response.status_code == 422
    assert 'href="#submitter_name"' in html and "Skriv navnet ditt." in html
    assert 'href="#address"' in html and "usynlige tegn" in html
    assert count(sessions, Case) == 0

    response = post(client, description="Det bråker\u200b hver natt\u202e fra 3B.\r\nOgså i helgene.")
    assert response.status_code == 303
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
    assert case.description == "Det bråker hver natt fra 3B.\nOgså i helgene."


def test_an_address_mail_cannot_reach_is_refused_on_the_form(client, sessions):
    response = post(client, submitter_email="kåre@eksempel.no")
    html = text(response)
    assert response.status_code == 422
    assert 'href="#submitter_email"' in html and "æ, ø, å" in html and "foran @" in html
    assert 'value="kåre@eksempel.no"' in html
    assert count(sessions, Case) == 0

    assert post(client, submitter_email="ola@bøler.no").status_code == 303
    with sessions() as session:
        assert session.execute(select(Case.submitter_email)).scalar_one() == "ola@xn--bler-gra.no"


def _handbook_with(**replacements: str) -> str:
    from shared.settings import PROJECT_ROOT

    text = (PROJECT_ROOT / "shared" / "data" / "handbook.yaml").read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new, 1)
    return text


def test_the_receipt_promises_the_deadlines_of_the_handbook_in_force(client, sessions):
    from shared.db import unit_of_work
    from shared.handbook_versions import save_handbook
    from shared.models import utcnow

    # The complaint default: acknowledge within 3, resolve within 15 working days.
    handbook = _handbook_with(**{"acknowledge_days: 2": "acknowledge_days: 3",
                             "resolve_days: 20": "resolve_days: 15"})
    with unit_of_work(sessions) as session:
        save_handbook(session, handbook, "kari.johansen@kommune.example", utcnow())
    post(client)
    html = " ".join(text(client.get("/klage/kvittering")).split())
    assert "bekrefte at klagen er mottatt innen 3 arbeidsdager" in html
    assert "ferdig behandlet innen 15 arbeidsdager" in html


def test_the_receipt_follows_the_rule_for_the_complaints_category(client, sessions):
    from shared.db import unit_of_work
    from shared.handbook_versions import save_handbook
    from shared.models import utcnow

    # Noise complaints get 5 working days to be acknowledged and 30 to be resolved; others keep 2 and 20.
    handbook = _handbook_with(**{"categories: {}": "categories:\n      noise:\n        acknowledge_days: 5\n"
                                               "        resolve_days: 30"})
    with unit_of_work(sessions) as session:
        save_handbook(session, handbook, "kari.johansen@kommune.example", utcnow())
    post(client, category="noise")
    noise = " ".join(text(client.get("/klage/kvittering")).split())
    assert "innen 5 arbeidsdager" in noise and "innen 30 arbeidsdager" in noise
    post(client, category="damage")
    damage = " ".join(text(client.get("/klage/kvittering")).split())
    assert "innen 2 arbeidsdager" in damage and "innen 20 arbeidsdager" in damage

