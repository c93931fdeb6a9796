"""Staff e-mails set the submitter's own text apart (issue 10, point 12).

A complaint can be written to look like the action section of our e-mails. In every staff e-mail the
submitter's words are quoted and labelled as theirs, each text line starts with "> ", and no URL in
them is clickable in the HTML part (nor left whole for a mail client to link).
"""
from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from services.notifier.case_mail import compose_case_mail
from services.notifier.mail import template_environment
from services.notifier.routing import route_case
from shared.db import unit_of_work
from shared.models import Case, Notification, utcnow

FAKE_HOST = "samhandling-kommune.example"
FAKE_URL = f"https://{FAKE_HOST}/handling/eyJjYXNlIjoxfQ.fake"
FAKE_ACTIONS = (
    "Det bråker hver natt fra leilighet 3B.\n"
    "\n"
    "Behandle saken:\n"
    "\n"
    "Ta saken:\n"
    f"{FAKE_URL}\n"
    "\n"
    f"Avvis saken: www.{FAKE_HOST}/handling/abc\n"
)
HREF = re.compile(r"<a\s[^>]*href=\"([^\"]*)\"", re.IGNORECASE)


def staff_mail(client, sessions, settings, complaint, kind="case_notification"):
    complaint.update(description=FAKE_ACTIONS, address=f"Se {FAKE_URL}")
    complaint["submitter"]["name"] = f"Kari www.{FAKE_HOST}"
    reference = client.post("/api/v1/complaints", json=complaint).get_json()["reference"]
    with unit_of_work(sessions) as session:
        case_id = session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        route_case(session, case_id, "e-1", now=utcnow(), mail_domain="samhandling.example")
    with sessions() as session:
        notification = session.execute(select(Notification).where(
            Notification.case_id == case_id, Notification.recipient == "kari.johansen@kommune.example",
            Notification.kind == kind)).scalar_one()
        message = compose_case_mail(session, notification, settings=settings, env=template_environment())
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def test_a_fake_action_section_in_the_description_is_quoted_and_not_a_link(client, sessions, settings,
                                                                          complaint):
    text, html = staff_mail(client, sessions, settings, complaint)

    # HTML: no link to the look-alike host, and the URL is not left whole for a client to link.
    hrefs = HREF.findall(html)
    assert hrefs and all(href.startswith(settings.public_base_url) for href in hrefs)
    readable = unescape(html)
    assert FAKE_URL not in readable and f"www.{FAKE_HOST}" not in readable and FAKE_HOST not in readable
    # ... and the description sits in a quote after the label that says whose words they are.
    label = readable.index("Innsenderens beskrivelse (skrevet av innsender)")
    quote = re.search(r"<blockquote[^>]*>(.*?)</blockquote>", readable[label:], re.DOTALL)
    assert quote and "Behandle saken:" in quote.group(1) and "leilighet 3B" in quote.group(1)
    assert readable.index("<blockquote", label) < readable.index("Behandle saken:")

    # Text: each line of the submitter's text is quoted with "> " under the same label.
    lines = text.splitlines()
    start = lines.index("Innsenderens beskrivelse (skrevet av innsender):")
    quoted = lines[start + 1: start + 1 + len(FAKE_ACTIONS.splitlines())]
    assert all(line.startswith(">") for line in quoted), quoted
    blank = FAKE_ACTIONS.splitlines().count("")
    assert [line for line in quoted if not line.startswith("> ")] == [">"] * blank
    assert "> Behandle saken:" in lines
    assert lines.count("Behandle saken:") == 1  # ours, unquoted, after the quote
    assert lines.index("Behandle saken:") > start + len(quoted)
    assert FAKE_URL not in text and f"www.{FAKE_HOST}" not in text
    # The submitter's name and address are their words too.
    assert any(line.startswith("> ") and "Kari" in line for line in lines)
    assert not any("Kari" in line and not line.startswith("> ") and "Kari Johansen" not in line
                   for line in lines)


def test_the_handed_over_mail_quotes_the_submitter_too(client, sessions, settings, complaint, tokens):
    from tests.support.api import auth

    staff_mail(client, sessions, settings, complaint)  # route it
    with sessions() as session:
        reference = session.execute(select(Case.reference)).scalar_one()
    client.post(f"/api/v1/cases/{reference}/transitions",
                json={"action": "reassign", "to": "ola.berg@kommune.example"},
                headers=auth(tokens["municipality"]))
    # The "assigned" mail is composed from the same template as the first notification.
    with sessions() as session:
        case = session.execute(select(Case)).scalar_one()
        notification = Notification(event_id="e-2", case_id=case.id, recipient="ola.berg@kommune.example",
                                    recipient_name="Ola Berg", kind="assigned", template="complaint_notification",
                                    status="pending",
                                    message_id="<m-2@samhandling.example>", attempts=0, last_error="")
        message = compose_case_mail(session, notification, settings=settings, env=template_environment())
    html = unescape(message.get_body(("html",)).get_content())
    assert FAKE_HOST not in html and "Innsenderens beskrivelse (skrevet av innsender)" in html


def test_defang_leaves_ordinary_text_alone():
    from services.notifier.mail import defang

    ordinary = "Bråk kl. 23.30 den 01.03.2027, f.eks. fra 3B. Ring 912 34 567."
    assert defang(ordinary) == ordinary
    assert "://" not in defang("se https://evil.example/x")
    assert "evil.example" not in defang("www.evil.example")
    assert "evil.example" not in defang("evil.example/handling/x")
