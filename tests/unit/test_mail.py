"""The e-mails themselves: bokmål, text and HTML, safe headers, escaped content."""
from __future__ import annotations

import email
import email.policy
import io

import pytest
from jinja2 import DictLoader, Environment

from services.notifier.mail import compose, template_environment
from services.notifier.planning import message_id_for

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


LONG_SUBJECTS = [
    "Påminnelse: frist 31.03.2027 kl. 16.00 for å løse KL-2027-0042 for å løse saken i Prestvannet borettslag",
    "Frist for å kvittere ut KL-2027-0042 gikk ut; saken er meldt til leder i Tromsø kommune, forå løse",
    "Kvittering: klagen din er mottatt (KL-2027-0042) – Stakkevollan borettslag, Tromsø, gjelder støy",
    "Ærlig talt: Øvre Ålesund gate æ ø å Æ Ø Å blir sendt på nytt til styret i Grønnåsen borettslag nå",
    "Varsel om erverv ER-2027-0003 i Prestvannet borettslag: andel 12, Åsveien 3, kommunen eier før 2 og etter 3",
    "Møte i samarbeidsutvalget tirsdag 2. mars 2027 kl. 10.00: dagsorden, påmelding og møtested på Tromsø rådhus",
]


def test_long_norwegian_subjects_arrive_as_written(base_settings):
    """CPython gh-92081: folding a long header could drop the space before an encoded word."""
    # Shift each subject by a few short words, so æøå land on and around the fold points.
    for subject in [("Ny " * shift) + text for text in LONG_SUBJECTS for shift in range(6)]:
        message = compose_subject(base_settings, subject)
        raw = message.as_bytes()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert parsed["Subject"] == subject
        assert message["Subject"] == subject
        header_block = raw.split(b"\n\n", 1)[0]
        assert all(len(line) <= 78 for line in header_block.split(b"\n"))


def compose_subject(settings, subject):
    env = Environment(loader=DictLoader({"t.subject.txt": "{{ s }}", "t.txt": "Hei", "t.html": "<p>Hei</p>"}))
    return compose(env, "t", {"s": subject}, settings=settings, to_name="Åse Ødegård",
                   to_email="ase@example.org", message_id="<x@samhandling.example>")


def test_names_arrive_as_written_in_every_e_mail(base_settings):
    """The parsed headers are shared between e-mails (mail.POLICY); each still gets its own."""
    names = ["Kari Johansen", "Åse Ødegård", 'Kari "K" Johansen, jr.', "Ola (Nordmann)", "Kari Johansen"]
    for name in names:
        raw = make(base_settings, to_name=name).as_bytes()
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert parsed["To"].addresses[0].display_name == name
        assert parsed["To"].addresses[0].addr_spec == "kari.johansen@kommune.example"
        assert parsed["From"].addresses[0].addr_spec == "samhandling@samhandling.example"


def test_a_text_that_holds_the_boundary_gets_another_and_arrives_whole(base_settings):
    """Every e-mail of a process shares its multipart boundary unless its text contains it."""
    from services.notifier import mail

    plain = compose_subject(base_settings, "Hei")
    boundary = plain.get_boundary()
    assert boundary and boundary.startswith(mail._BOUNDARY)
    env = Environment(loader=DictLoader({"t.subject.txt": "Hei", "t.txt": "{{ s }}", "t.html": "<p>{{ s }}</p>"}))
    sneaky = f"Se her:\n--{boundary}\nContent-Type: text/html\n\n<p>falsk</p>\n--{boundary}--\n"
    message = compose(env, "t", {"s": sneaky}, settings=base_settings, to_name="Åse", to_email="ase@example.org",
                      message_id="<y@samhandling.example>")
    assert message.get_boundary() != boundary
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    parts = [part.get_content() for part in parsed.iter_parts()]
    assert len(parts) == 2 and parts[0].strip() == sneaky.strip() and "falsk" in parts[1]


def test_the_quick_gettext_gives_what_jinjas_new_style_gettext_gives():
    """services.notifier.mail.quick_gettext against Jinja's own, escaping and formatting alike."""
    from jinja2 import Environment

    from services.notifier.mail import TranslatedEnvironment, quick_gettext
    from shared.i18n import gettext_for

    sources = ['{{ _("Klagen er mottatt.") }}', '{{ _("(over 10 %%-grensen)") }}',
               '{{ _("Hei, %(name)s!", name=name) }}', '{{ gettext("Til %(who)s", who=name) }}',
               '{% trans %}Saksnummer{% endtrans %}', '{% trans n=name %}Hei, {{ n }}{% endtrans %}']
    for autoescape in (True, False):
        for language in ("nb", "nn", "en"):
            jinjas = Environment(autoescape=autoescape, extensions=["jinja2.ext.i18n"])
            jinjas.install_gettext_translations(gettext_for(language), newstyle=True)  # type: ignore[attr-defined]
            ours = Environment(autoescape=autoescape, extensions=["jinja2.ext.i18n"])
            ours.install_gettext_translations(gettext_for(language), newstyle=True)  # type: ignore[attr-defined]
            ours.globals.update(_=(quick := quick_gettext(gettext_for(language).gettext)), gettext=quick)
            fixed = TranslatedEnvironment(language, autoescape=autoescape)  # fixed texts translated once
            for source in sources + FIXED_TEXT_SOURCES:
                context = {"name": "<Åse & Per>"}
                expected = jinjas.from_string(source).render(context)
                assert ours.from_string(source).render(context) == expected
                assert fixed.from_string(source).render(context) == expected, (language, autoescape, source)
    escaped = ours.from_string(sources[2]).render(name="<b>")
    assert "<b>" in escaped  # autoescape off in the last round: nothing escaped


# Fixed texts in the places a template uses them: in text, joined, as a filter's argument, as a
# variable, in a condition, a text with "%%", and one the catalogs translate to several words.
FIXED_TEXT_SOURCES = [
    '<p>{{ _("Saksnummer") }}: {{ name }}</p>', '{{ _("Saksnummer") ~ name }}',
    '{{ name | default(_("Saksnummer")) }}', '{% set t = _("Saksnummer") %}{{ t }}|{{ t | length }}',
    '{% if _("Saksnummer") %}ja{% endif %}', '{{ _("Over 10 %% av boligene") }}',
    '{{ _("Klagen er mottatt.") }} {{ _("Saksnummer") | upper }}',
]


def test_fixed_texts_are_translated_when_compiled_not_when_rendered():
    """A fixed text reaches the compiled template as its translation: rendering calls no gettext."""
    from services.notifier.mail import TranslatedEnvironment, template_environment

    for language, word in (("nn", "Saksnummer"), ("en", "Case number")):
        env = template_environment(language)
        source = env.compile('{{ _("Saksnummer") }} {{ _("Hei, %(name)s!", name=name) }}', raw=True)
        assert f"yield '{word} '" in source  # the translation is the template's own text
        assert source.count("context.call(") == 1  # only the text with a value is translated per rendering
    assert TranslatedEnvironment("en").from_string('{{ _("Saksnummer") }}').render() == "Case number"


def test_the_wire_is_what_the_email_package_writes(base_settings, monkeypatch):
    """The bytes sent are BytesGenerator's for SMTP, for every shape compose makes: a case mail, a
    meeting mail with its calendar and a PDF, a short ASCII text, and (by the generator itself) a
    message with a preamble and one from the parser."""
    from email.generator import BytesGenerator
    from email.message import EmailMessage

    from services.notifier.mail import POLICY, wire

    class Pdf:
        filename, content, content_type = "referat.pdf", b"%PDF-1.7\n\x00\xff" * 200, "application/pdf"

    plain = EmailMessage(policy=POLICY)
    plain["Subject"] = "Linjeskift"
    plain.set_content("line one\r\nline two\rthree\n\nfive æøå " + "x" * 200 + "\n", subtype="plain")
    invitation = compose(
        template_environment(), "complaint_notification", CONTEXT, settings=base_settings, to_name="Åse Ødegård",
        to_email="ase@kommune.example", message_id="<m@samhandling.example>",
        calendar=(b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", "REQUEST"), attachments=[Pdf()])
    short = compose(Environment(loader=DictLoader({"t.subject.txt": "Hei", "t.txt": "Hei.", "t.html": "<p>Hei.</p>"})),
                    "t", {}, settings=base_settings, to_name="Per", to_email="per@example.org",
                    message_id="<s@samhandling.example>")
    preamble = make(base_settings)
    preamble.preamble = "Dette er en MIME-melding."
    case_mail = make(base_settings)  # once: its Date header is the clock's second when it is made
    parsed = email.message_from_bytes(wire(case_mail), policy=POLICY)
    for message in (case_mail, plain, invitation, short, preamble, parsed):
        theirs = io.BytesIO()
        BytesGenerator(theirs).flatten(message, linesep="\r\n")
        assert wire(message) == theirs.getvalue() and b"\r\n\r\n" in theirs.getvalue()
    assert invitation.get_content_type() == "multipart/mixed" and b"Date: " in wire(case_mail)
    assert email.message_from_bytes(wire(invitation), policy=POLICY).get_body(("plain",)).get_content(
    ).splitlines() == invitation.get_body(("plain",)).get_content().splitlines()
    # What compose makes is written without the generator; the preamble is left to it.
    monkeypatch.setattr("services.notifier.mail.BytesGenerator", None)
    assert all(wire(message) for message in (case_mail, invitation, short, plain))
    with pytest.raises(TypeError):
        wire(preamble)


# Texts a template can give: ASCII in short lines, Norwegian letters, a line longer than a 7bit
# part may carry, trailing spaces and tabs, "=", a lone ".", "From " at a line's start, a lone CR,
# a CRLF, no final line break, nothing at all.
TEXTS = [
    "Hei Kari,\n\nSaken er mottatt.\n", "Støy i oppgang B – blåbær og æøå.\n", "x" * 77 + "\n", "y" * 79,
    "Lang linje " + "æøå " * 40 + "\n", "slutt med mellomrom   \nog tab\t\n", "a=b =3D\n.\nFrom Oslo\n",
    "ett\rto\r\ntre\n\n\nfire", "", "<p>Hei &amp; velkommen</p>\n" * 30,
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_a_text_part_reads_as_the_email_package_writes_it(text, subtype):
    """Encoded by binascii, a part decodes to the same lines as the email package's own encoding
    of it (which picks base64 for a text mostly not ASCII, and base64 keeps a bare LF where a
    text part's lines end in CRLF), in lines a server accepts, and stays unencoded where the
    package leaves it so."""
    from email.message import MIMEPart

    from services.notifier.mail import POLICY, _text_part, wire

    ours = _text_part(text, subtype)
    theirs = MIMEPart(policy=POLICY)
    theirs.set_content(text, subtype=subtype)
    read_ours, read_theirs = (email.message_from_bytes(wire(part), policy=email.policy.default)
                              for part in (ours, theirs))
    assert read_ours.get_content().splitlines() == read_theirs.get_content().splitlines()
    assert read_ours.get_content().endswith("\n") and read_theirs.get_content().endswith("\n")
    assert read_ours.get_content_type() == f"text/{subtype}" and read_ours.get_content_charset() == "utf-8"
    assert all(len(line) <= 78 for line in wire(ours).split(b"\r\n"))
    assert (ours["Content-Transfer-Encoding"] == "7bit") == (theirs["Content-Transfer-Encoding"] == "7bit")


def test_the_envelope_commands_are_smtplibs():
    """The SMTP client that keeps quoted addresses says what smtplib says, option for option."""
    import smtplib

    from services.notifier.mail import _Smtp

    def commands(client_class: type[smtplib.SMTP]) -> list[tuple[str, str]]:
        said: list[tuple[str, str]] = []

        class Recording(client_class):  # type: ignore[misc,valid-type]
            def putcmd(self, cmd: str, args: str = "") -> None:
                said.append((cmd, args))

            def getreply(self) -> tuple[int, bytes]:
                return 250, b"OK"

        client = Recording()
        client.ehlo_resp, client.esmtp_features = b"", {"size": "", "smtputf8": ""}
        for esmtp in (False, True):
            client.does_esmtp = esmtp
            client.mail("samhandling@samhandling.example", ["size=1234"])
            client.mail("Kari <kari@kommune.example>")
            client.rcpt("kari@kommune.example")
            client.rcpt("<per@bonord.example>", ["NOTIFY=FAILURE"])
            client.rcpt('"odd name"@example.org')
            client.mail("åse@kommune.example", ["SMTPUTF8"])
        return said

    assert commands(_Smtp) == commands(smtplib.SMTP)
    assert ("mail", "FROM:<samhandling@samhandling.example> size=1234") in commands(_Smtp)


@pytest.mark.parametrize(("name", "value"), [
    ("Message-ID", "<" + "a" * 40 + "@samhandling.example>"), ("Date", "Mon, 30 Nov 2026 22:31:50 +0000"),
    ("Subject", "Kort emne"), ("Subject", "Ny klage KL-2027-0001 " + "x" * 60), ("Subject", "To  mellomrom"),
])
def test_a_header_kept_as_written_is_sent_as_a_parsed_one(name, value):
    from email.message import EmailMessage

    from services.notifier.mail import POLICY, _set_token, wire

    kept, parsed = EmailMessage(policy=POLICY), EmailMessage(policy=POLICY)
    _set_token(kept, name, value)
    parsed[name] = value
    kept.set_content("x")
    parsed.set_content("x")
    assert wire(kept) == wire(parsed) and kept[name] == parsed[name]


@pytest.mark.parametrize("text", [
    "", "Ny klage", "æ" * 60, "Støy 🙂 i oppgang 🏠🏠🏠 B " * 4, "a" * 41 + "ø" + "€" * 30,
])
def test_an_encoded_word_holds_whole_characters(text):
    """Each word is at most 75 characters and decodes on its own; together they are the text."""
    import base64

    from services.notifier.mail import _encoded_words

    words = _encoded_words(text)
    assert all(len(word) <= 75 and word.startswith("=?utf-8?b?") for word in words)
    decoded = [base64.b64decode(word[len("=?utf-8?b?"):-2]).decode("utf-8") for word in words]
    assert "".join(decoded) == text and (len(words) == 1 or all(decoded))
