"""A complaint travels intake → outbox → relay → broker → worker → SMTP, all real parts."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from shared.models import Case, Notification

pytestmark = pytest.mark.integration


def test_a_posted_complaint_reaches_three_inboxes(stack, complaint, sessions):
    complaint["description"] = "Naboen i 3B spiller høy musikk hver natt. <b>Hjelp!</b>"
    status, body = stack.post_complaint(complaint)
    assert status == 201

    stack.wait_for_mail(3, timeout=30)

    messages = {m.rcpt_tos[0]: m for m in stack.sink.messages()}
    assert set(messages) == {
        "kari.johansen@kommune.example", "per.hansen@bonord.example", "kari@example.org"}
    reference = body["reference"]
    for contact in ("kari.johansen@kommune.example", "per.hansen@bonord.example"):
        mail = messages[contact]
        assert reference in mail.subject and "Prestvannet borettslag" in mail.subject
        assert "Kategori: Støy" in mail.text
        assert "Naboen i 3B spiller høy musikk" in mail.text
        assert "&lt;b&gt;Hjelp!&lt;/b&gt;" in mail.html
        assert body["tracking_url"] in mail.text
    assert "ansvarlig kontaktperson" in messages["kari.johansen@kommune.example"].text
    assert "kopi" in messages["per.hansen@bonord.example"].text
    receipt = messages["kari@example.org"]
    assert receipt.subject == f"Kvittering: klagen din er mottatt ({reference})"
    assert body["tracking_url"] in receipt.text and body["tracking_url"] in receipt.html
    assert receipt.to == [("Kari Styreleder", "kari@example.org")]

    with sessions() as session:
        case = session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        assert case.status == "routed"
        assert [h.action for h in case.history] == ["received", "routed"]
        sent = session.execute(select(Notification.message_id, Notification.status)).all()
    assert {status for _, status in sent} == {"sent"}
    assert {m.message_id for m in messages.values()} == {mid.strip("<>") for mid, _ in sent}


def test_the_tracking_page_shows_the_routing(stack, complaint):
    import urllib.request

    from tests.support.processes import wait_until

    _, body = stack.post_complaint(complaint)
    stack.wait_for_mail(3, timeout=30)
    path = body["tracking_url"].split("/sak/", 1)[1]

    def page() -> str:
        with urllib.request.urlopen(f"{stack.intake.url}/sak/{path}", timeout=10) as response:
            return response.read().decode()

    wait_until(lambda: "Sendt til kontaktperson" in page(), 10, "the routed status")
    assert body["reference"] in page()


def test_the_submitter_hears_about_acknowledge_and_resolve(stack, complaint, sessions):
    import json
    import urllib.request

    from services.intake.tokens import create_token
    from shared.db import unit_of_work
    from shared.models import utcnow

    with unit_of_work(sessions) as session:
        token, _ = create_token(session, now=utcnow(), contact_email="kari.johansen@kommune.example")
    _, body = stack.post_complaint(complaint)
    stack.wait_for_mail(3, timeout=30)

    def act(action: str, comment: str) -> int:
        request = urllib.request.Request(
            f"{stack.intake.url}/api/v1/cases/{body['reference']}/transitions",
            data=json.dumps({"action": action, "comment": comment}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status

    assert act("acknowledge", "Vi tar kontakt med leietakeren.") == 200
    stack.wait_for_mail(4, timeout=30)
    assert act("resolve", "Leietakeren har fått skriftlig advarsel.") == 200
    stack.wait_for_mail(5, timeout=30)

    to_submitter = [m for m in stack.sink.messages() if m.rcpt_tos == ["kari@example.org"]]
    subjects = [m.subject for m in to_submitter]
    assert subjects[1:] == [f"Saken din er under behandling ({body['reference']})",
                            f"Saken din er løst ({body['reference']})"]
    assert "Leietakeren har fått skriftlig advarsel." in to_submitter[2].text
    assert body["tracking_url"] in to_submitter[2].text


def test_a_contact_acknowledges_and_resolves_from_the_e_mail_links(stack, complaint):
    import re

    import requests

    _, body = stack.post_complaint(complaint)
    stack.wait_for_mail(3, timeout=30)
    primary = next(m for m in stack.sink.messages() if m.rcpt_tos == ["kari.johansen@kommune.example"])
    links = re.findall(r"https?://\S+/handling/\S+", primary.text)
    assert len(links) == 2  # take the case, reject it
    browser = requests.Session()

    def confirm(url: str, comment: str) -> str:
        page = browser.get(url, timeout=10)
        assert page.status_code == 200 and body["reference"] in page.text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        done = browser.post(url, data={"csrf_token": csrf, "comment": comment}, timeout=10)
        assert done.status_code == 200, done.text[:500]
        return done.text

    local = lambda link: link.replace(stack.settings.public_base_url, stack.intake.url)  # noqa: E731
    done = confirm(local(links[0]), "Jeg tar saken.")
    stack.wait_for_mail(4, timeout=30)
    resolve_path = re.search(r'href="(/handling/[^"]+)"[^>]*>[^<]*løst', done).group(1)
    confirm(stack.intake.url + resolve_path, "Ordnet etter samtale med leietaker.")
    stack.wait_for_mail(5, timeout=30)

    assert browser.post(local(links[0]), data={}, timeout=10).status_code in (400, 409)  # no CSRF / used
    to_submitter = [m.subject for m in stack.sink.messages() if m.rcpt_tos == ["kari@example.org"]]
    assert to_submitter[1:] == [f"Saken din er under behandling ({body['reference']})",
                                f"Saken din er løst ({body['reference']})"]
