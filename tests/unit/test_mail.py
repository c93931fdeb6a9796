"""The e-mails themselves: bokmål, text and HTML, safe headers, escaped content."""
from __future__ import annotations

from services.notifier.mail import compose, template_environment
from services.notifier.routing import message_id_for

CONTEXT = {
    "reference": "KL-2027-0001",
    "cooperative_name": "Prestvannet borettslag",
    "cooperative_orgnr": "997273354",
    "category_label": "Støy",
    "description": "<script>alert('x')</script> Bråk i oppgang B.",
    "share_number": None,
    "address": None,
    "occurred_on": "",
    "submitter_name": "Kari",
    "submitter_email": "kari@example.org",
    "submitter_phone": None,
    "submitter_role_label": "Styret i borettslaget",
    "tracking_url": "http://127.0.0.1:8000/sak/abc",
    "link": "http://127.0.0.1:8000/sak/abc",
    "recipient_name": "Kari Johansen",
    "role": "primary",
}


def make(settings, to_name="Kari Johansen"):
    return compose(
        template_environment(), "complaint_notification", CONTEXT, settings=settings,
        to_name=to_name, to_email="kari.johansen@kommune.example",
        message_id=message_id_for("e", "kari.johansen@kommune.example", "case_notification", "samhandling.example"),
    )


def test_notification_has_text_and_escaped_html(base_settings):
    message = make(base_settings)
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "KL-2027-0001" in message["Subject"] and "Prestvannet borettslag" in message["Subject"]
    assert "Saksnummer: KL-2027-0001" in text and "<script>" in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert message["Content-Language"] == "nb"


def test_a_name_with_line_breaks_cannot_add_headers(base_settings):
    message = make(base_settings, to_name="Kari\r\nBcc: victim@evil.example")
    raw = message.as_string()
    assert "\nBcc:" not in raw
    assert message["Bcc"] is None


def test_message_id_is_stable_per_key():
    first = message_id_for("e", "a@example.org", "receipt", "samhandling.example")
    assert first == message_id_for("e", "a@example.org", "receipt", "samhandling.example")
    assert first != message_id_for("e", "b@example.org", "receipt", "samhandling.example")
    assert first.startswith("<") and first.endswith("@samhandling.example>")
