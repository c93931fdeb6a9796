"""/personvern says what is stored, why, for how long (the handbook in force) and whom to ask; the
form, the receipt, the tracking page and every e-mail link to it."""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from services.notifier.case_mail import compose_case_mail
from services.notifier.mail import template_environment
from services.notifier.routing import route_case
from shared.db import unit_of_work
from shared.handbook_versions import current_handbook
from shared.models import Case, HandbookVersion, Notification, utcnow
from tests.unit.test_web_form import FORM, post, text, tracking_path

PRIVACY_LINK = re.compile(r'<a class="ds-link" href="/personvern">')


def words(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_what_why_how_long_and_whom_to_ask(client):
    page = client.get("/personvern")
    assert page.status_code == 200
    said = words(text(page))
    assert "Navnet ditt, e-postadressen din og telefonnummeret ditt" in said
    assert "Borettslaget saken gjelder" in said
    assert "fast rutine for klager" in said
    for row in ("Klage 2 år", "Erverv 10 år", "Framleie 5 år", "Møteinnkalling 2 år"):
        assert row in said
    assert "Kommunens kontaktperson: Kari Johansen, Tromsø kommune Boligkontoret, kari.johansen@kommune.example" in said
    assert "Boligbyggelaget BoNord: Marit Eriksen, direktor@bonord.example" in said
    assert 'href="mailto:kari.johansen@kommune.example"' in text(page)


def test_the_retention_shown_is_the_handbook_in_force(client, sessions):
    with unit_of_work(sessions) as session:
        number, handbook = current_handbook(session)
        session.add(HandbookVersion(id=number + 1, created_by="kari.johansen@kommune.example",
                                    source=handbook.source.replace("complaint: 730", "complaint: 45")))
    said = words(text(client.get("/personvern")))
    assert "Klage 45 dager" in said and "Klage 2 år" not in said


def test_the_form_the_receipt_and_the_tracking_page_link_to_it(client, sessions):
    assert PRIVACY_LINK.search(text(client.get(FORM)))
    assert post(client).status_code == 303
    receipt = text(client.get("/klage/kvittering"))
    assert PRIVACY_LINK.search(receipt)
    assert PRIVACY_LINK.search(text(client.get(tracking_path(receipt))))


def test_every_e_mail_links_it_in_text_and_html(client, sessions, settings, complaint):
    reference = client.post("/api/v1/complaints", json=complaint).get_json()["reference"]
    with unit_of_work(sessions) as session:
        case_id = session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        route_case(session, case_id, "e-1", now=utcnow(), mail_domain="samhandling.example")
    with sessions() as session:
        mails = session.execute(select(Notification).where(Notification.case_id == case_id)).scalars().all()
        assert {n.kind for n in mails} == {"receipt", "case_notification"}
        for notification in mails:
            message = compose_case_mail(session, notification, settings=settings, env=template_environment())
            plain = message.get_body(("plain",)).get_content()
            html = message.get_body(("html",)).get_content()
            url = f"{settings.public_base_url}/personvern"
            assert plain.rstrip().endswith(f"Slik behandler vi personopplysninger: {url}")
            assert f'<a href="{url}"' in html


def test_every_e_mail_template_has_the_footer():
    from services.notifier.mail import TEMPLATES

    bodies = [p for p in TEMPLATES.glob("*.txt") if not p.name.endswith(".subject.txt") and not p.name.startswith("_")]
    pages = [p for p in TEMPLATES.glob("*.html") if not p.name.startswith("_") and p.name != "mail_base.html"]
    assert len(bodies) == len(pages) > 10
    assert [p.name for p in bodies if '{% include "_privacy.txt" %}' not in p.read_text()] == []
    assert [p.name for p in pages if '{% extends "mail_base.html" %}' not in p.read_text()] == []


def test_the_privacy_page_in_nynorsk_and_english(client, sessions):
    nynorsk = client.get("/personvern?lang=nn").get_data(as_text=True)
    assert '<html lang="nn">' in nynorsk and "Kva vi lagrar" in nynorsk and "Kor lenge vi held på det" in nynorsk
    assert "<td>Klage</td><td>2 år</td>" in nynorsk
    english = client.get("/personvern?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "What we store" in english and "How long we keep it" in english
    assert "<td>Complaint</td><td>2 years</td>" in english and "<td>Acquisition</td><td>10 years</td>" in english
