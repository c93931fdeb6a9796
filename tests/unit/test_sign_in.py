"""Sign-in to the staff workspace (SPEC §7, issue 12): passwordless links, sessions, and what an
attacker tries: enumeration, reuse, expiry, another browser, fixation, CSRF, open redirect, time."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from services.intake.workspace import sessions as workspace_sessions
from services.intake.workspace.sessions import COOKIE, safe_next
from services.notifier.runner import consume
from shared.messages import SignInRequested
from shared.models import Contact, OutboxEvent, SignInLink, StaffSession, utcnow
from shared.runtime import Resources
from tests.support.workspace import ask_link, csrf, newest_link_path, press_button, sign_in_as
from tests.unit.test_delivery import RecordingMailer

KARI = "kari.johansen@kommune.example"
PER = "per.hansen@bonord.example"


@pytest.fixture
def clock(monkeypatch):
    """Move the workspace's clock: clock.advance(minutes=31)."""

    class Clock:
        at = utcnow()

        def advance(self, **delta) -> None:
            self.at += dt.timedelta(**delta)

    state = Clock()
    monkeypatch.setattr(workspace_sessions, "now", lambda: state.at)
    return state


def events(sessions, event_type: str = "SignInRequested") -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.event_type == event_type)) or 0


def session_cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def test_known_and_unknown_addresses_get_the_same_answer(client, sessions):
    known = ask_link(client, KARI)
    unknown = ask_link(client, "ukjent.person@kommune.example")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"] == "/logg-inn/sendt"
    page = client.get("/logg-inn/sendt").get_data(as_text=True)
    assert "Hvis adressen er registrert hos oss, er en innloggingslenke på vei." in page
    # The same work for both (a link row each); only the contact's is mailed.
    with sessions() as session:
        rows = session.execute(select(SignInLink.email, SignInLink.mailed).order_by(SignInLink.created_at)).all()
    assert [(email, mailed) for email, mailed in rows] == [(KARI, True), ("ukjent.person@kommune.example", False)]
    assert events(sessions) == 1


def test_a_deactivated_contact_and_a_board_member_outside_the_committee_get_no_mail(client, sessions):
    with sessions.begin() as session:
        session.execute(update(Contact).where(Contact.email == PER).values(deactivated_at=utcnow()))
        board = session.execute(select(Contact).where(Contact.party == "cooperative",
                                                      Contact.committee_member.is_(False))).scalars().first()
        board_email = board.email if board else None
    assert ask_link(client, PER).headers["Location"] == "/logg-inn/sendt"
    if board_email:
        ask_link(client, board_email)
    assert events(sessions) == 0


def test_a_bad_address_is_a_field_message_not_an_answer_about_the_directory(client, sessions):
    response = client.post("/logg-inn", data={"epost": "ikke-en-adresse", "csrf_token": csrf(client, "/logg-inn")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Skriv en gyldig e-postadresse" in page and 'aria-invalid="true"' in page
    empty = client.post("/logg-inn", data={"epost": " ", "csrf_token": csrf(client, "/logg-inn")})
    assert empty.status_code == 400 and "Skriv e-postadressen din." in empty.get_data(as_text=True)


def test_the_mailed_link_shows_a_button_and_only_its_post_signs_in(client, sessions, settings):
    ask_link(client, KARI)
    path = newest_link_path(sessions, settings, KARI)
    page = client.get(path)
    assert page.status_code == 200
    assert "Logg inn" in page.get_data(as_text=True) and KARI in page.get_data(as_text=True)
    assert session_cookie(client) is None  # a mail scanner's GET signs nobody in
    assert client.get("/arbeid").status_code == 303
    response = press_button(client, path)
    assert response.status_code == 303 and response.headers["Location"] == "/arbeid"
    inbox = client.get("/arbeid")
    assert inbox.status_code == 200 and "Kari Johansen" in inbox.get_data(as_text=True)


def test_the_session_cookie_is_httponly_lax_and_holds_no_stored_value(client, sessions, settings):
    response = sign_in_as(client, sessions, settings, KARI)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/" in header
    assert "Secure" not in header  # http in development; see the https test below
    with sessions() as session:
        stored = session.execute(select(StaffSession.id_digest)).scalars().all()
    assert len(stored) == 1 and session_cookie(client) not in stored


def test_the_cookie_is_secure_behind_https(sessions, base_settings):
    from services.intake import create_app

    app = create_app(base_settings.with_overrides(public_base_url="https://samhandling.example"))
    client = app.test_client()
    response = sign_in_as(client, sessions, base_settings.with_overrides(
        public_base_url="https://samhandling.example"), KARI)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "Secure" in header
    app.extensions["engine"].dispose()


def test_a_link_works_once(client, sessions, settings):
    ask_link(client, KARI)
    path = newest_link_path(sessions, settings, KARI)
    assert press_button(client, path).status_code == 303
    client.post("/logg-ut", data={"csrf_token": csrf(client, "/arbeid")})
    again = press_button(client, path)
    assert again.status_code == 409
    assert "Lenken er allerede brukt" in again.get_data(as_text=True)
    assert client.get("/arbeid").status_code == 303


def test_an_expired_link_says_so(client, sessions, settings, clock):
    ask_link(client, KARI)
    path = newest_link_path(sessions, settings, KARI)
    clock.advance(minutes=15, seconds=1)
    response = client.get(path)
    assert response.status_code == 410
    assert "Lenken er gått ut" in response.get_data(as_text=True)
    assert press_button(client, path).status_code == 410
    assert session_cookie(client) is None


def test_a_link_opened_in_another_browser_signs_nobody_in_and_stays_usable(app, client, sessions, settings):
    ask_link(client, KARI)
    path = newest_link_path(sessions, settings, KARI)
    other = app.test_client()
    refused = press_button(other, path)
    assert refused.status_code == 403
    assert "Åpne lenken i nettleseren du ba om den i" in refused.get_data(as_text=True)
    assert other.get("/arbeid").status_code == 303
    assert press_button(client, path).status_code == 303  # the browser that asked still can


@pytest.mark.parametrize("token", ["x", "a" * 300, "eyJhbGciOi.tampered.token"])
def test_a_made_up_link_is_a_400_page(client, sessions, token):
    response = client.get(f"/logg-inn/{token}")
    assert response.status_code == 400 and "Lenken virker ikke" in response.get_data(as_text=True)


def test_the_link_of_an_unknown_address_cannot_be_used(client, sessions, settings):
    ask_link(client, "ukjent.person@kommune.example")
    path = newest_link_path(sessions, settings, "ukjent.person@kommune.example")
    assert press_button(client, path).status_code == 400
    assert session_cookie(client) is None


def test_signing_in_starts_a_new_session_id_whatever_the_browser_had(client, sessions, settings):
    # An attacker plants a session id of their choosing before the victim signs in.
    client.set_cookie(COOKIE, "planted-by-an-attacker")
    sign_in_as(client, sessions, settings, KARI)
    fresh = session_cookie(client)
    assert fresh and fresh != "planted-by-an-attacker"
    attacker = client.application.test_client()
    attacker.set_cookie(COOKIE, "planted-by-an-attacker")
    assert attacker.get("/arbeid").status_code == 303


def test_a_link_used_while_signed_in_as_someone_else_ends_that_session(client, sessions, settings):
    ask_link(client, KARI)
    kari_link = newest_link_path(sessions, settings, KARI)
    sign_in_as(client, sessions, settings, PER)
    per_cookie = session_cookie(client)
    assert press_button(client, kari_link).status_code == 303
    assert session_cookie(client) != per_cookie
    with sessions() as session:
        rows = dict(session.execute(select(StaffSession.contact_email, StaffSession.ended_at)).all())
    assert rows[PER] is not None and rows[KARI] is None
    assert "Kari Johansen" in client.get("/arbeid").get_data(as_text=True)


def test_csrf_is_required_on_every_sign_in_form(client, sessions, settings):
    assert client.post("/logg-inn", data={"epost": KARI}).status_code == 400
    assert events(sessions) == 0
    ask_link(client, KARI)
    path = newest_link_path(sessions, settings, KARI)
    assert client.post(path, data={}).status_code == 400
    assert session_cookie(client) is None
    press_button(client, path)
    assert client.post("/logg-ut", data={}).status_code == 400
    assert client.get("/arbeid").status_code == 200  # still signed in


@pytest.mark.parametrize("neste", [
    "//evil.example/arbeid", "https://evil.example/arbeid", "/\\evil.example", "/klage",
    "javascript:alert(1)", "/arbeid@evil.example", "/arbeidx", "arbeid", "/arbeid\r\nSet-Cookie: x=1",
])
def test_the_return_path_never_leaves_the_workspace(client, sessions, settings, neste):
    response = sign_in_as(client, sessions, settings, KARI, neste=neste)
    assert response.status_code == 303
    assert response.headers["Location"] == "/arbeid"


def test_the_page_asked_for_is_reached_after_sign_in(client, sessions, settings):
    asked = client.get("/arbeid?fane=forfalt")
    assert asked.status_code == 303
    assert asked.headers["Location"].startswith("/logg-inn?neste=")
    form = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'name="neste" value="/arbeid?fane=forfalt"' in form
    ask = client.post("/logg-inn", data={"epost": KARI, "neste": "/arbeid?fane=forfalt",
                                         "csrf_token": csrf(client, "/logg-inn")})
    assert ask.status_code == 303
    response = press_button(client, newest_link_path(sessions, settings, KARI))
    assert response.headers["Location"] == "/arbeid?fane=forfalt"


@pytest.mark.parametrize("path,expected", [
    ("/arbeid", "/arbeid"), ("/arbeid/saker/K-2026-00001", "/arbeid/saker/K-2026-00001"),
    ("/arbeid?fane=mine&side=2", "/arbeid?fane=mine&side=2"), (None, "/arbeid"), ("", "/arbeid"),
    ("//evil.example", "/arbeid"), ("http://evil.example/arbeid", "/arbeid"), ("/arbeid/../sak", "/arbeid/../sak"),
])
def test_safe_next(path, expected):
    assert safe_next(path) == expected


def test_idle_timeout_after_30_minutes_without_a_request(client, sessions, settings, clock):
    sign_in_as(client, sessions, settings, KARI)
    clock.advance(minutes=29)
    assert client.get("/arbeid").status_code == 200  # activity keeps it alive
    clock.advance(minutes=29)
    assert client.get("/arbeid").status_code == 200
    clock.advance(minutes=30)
    response = client.get("/arbeid")
    assert response.status_code == 303
    assert "utlopt=inaktiv" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "ikke hadde brukt samhandling på 30 minutter" in page
    clock.advance(minutes=-60)  # the ended session does not come back
    assert client.get("/arbeid").status_code == 303


def test_absolute_timeout_after_8_hours_even_when_active(client, sessions, settings, clock):
    sign_in_as(client, sessions, settings, KARI)
    for _ in range(16):
        clock.advance(minutes=29)
        assert client.get("/arbeid").status_code == 200
    clock.advance(minutes=17)  # 8 h 01 min after sign-in
    response = client.get("/arbeid")
    assert response.status_code == 303 and "utlopt=tidsgrense" in response.headers["Location"]


def test_a_deactivated_contact_is_signed_out_at_the_next_request(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    with sessions.begin() as session:
        session.execute(update(Contact).where(Contact.email == KARI).values(deactivated_at=utcnow()))
    response = client.get("/arbeid")
    assert response.status_code == 303 and "utlopt=tilgang" in response.headers["Location"]


def test_sign_out_ends_the_session_in_the_database(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    stolen = session_cookie(client)
    response = client.post("/logg-ut", data={"csrf_token": csrf(client, "/arbeid")})
    assert response.status_code == 303 and response.headers["Location"] == "/logg-inn?utlogget=1"
    assert "Du er logget ut." in client.get(response.headers["Location"]).get_data(as_text=True)
    client.set_cookie(COOKIE, stolen)  # a copy of the cookie taken before signing out
    assert client.get("/arbeid").status_code == 303


def test_signed_in_the_sign_in_page_goes_on_to_the_workspace(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    response = client.get("/logg-inn?neste=/arbeid/fravaer")
    assert response.status_code == 303 and response.headers["Location"] == "/arbeid/fravaer"


def test_rate_limit_per_address_and_per_client(sessions, base_settings):
    from services.intake import create_app

    settings = base_settings.with_overrides(rate_limit_sign_in_address="3 per 15 minutes",
                                            rate_limit_sign_in_client="4 per 15 minutes")
    app = create_app(settings)
    client, other_client = app.test_client(), app.test_client()
    other_client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert [ask_link(client, KARI).status_code for _ in range(3)] == [303, 303, 303]
    # The address's budget is spent, from any client; a 429 says nothing about the directory.
    assert ask_link(other_client, KARI).status_code == 429
    # Another address from the first client gets through, up to that client's own limit.
    assert ask_link(client, PER).status_code == 303
    assert ask_link(client, "en.annen@kommune.example").status_code == 429
    assert ask_link(other_client, "en.annen@kommune.example").status_code == 303
    assert events(sessions) == 4
    app.extensions["engine"].dispose()


def test_the_mail_carries_a_link_that_signs_in(client, sessions, settings):
    ask_link(client, KARI)
    with sessions() as session:
        event = session.execute(select(OutboxEvent).where(OutboxEvent.event_type == "SignInRequested")).scalar_one()
        message = SignInRequested.from_payload(event.payload)
    mailer = RecordingMailer()
    assert consume(Resources(settings), message, mailer) == {"sent": 1}
    assert consume(Resources(settings), message, mailer) == {}  # once per event
    (mail,) = mailer.sent
    assert mail["To"].addresses[0].addr_spec == KARI
    assert mail["Subject"] == "Logg inn i samhandling"
    body = mail.get_body(("plain",)).get_content()
    url = next(line for line in body.splitlines() if "/logg-inn/" in line).strip()
    assert url.startswith(settings.public_base_url + "/logg-inn/")
    assert "15 minutter" in body
    path = url.removeprefix(settings.public_base_url)
    assert press_button(client, path).status_code == 303
    assert client.get("/arbeid").status_code == 200


def test_the_notifier_mails_nobody_whose_access_ended_after_asking(client, sessions, settings):
    ask_link(client, KARI)
    with sessions.begin() as session:
        session.execute(update(Contact).where(Contact.email == KARI).values(deactivated_at=utcnow()))
        event = session.execute(select(OutboxEvent)).scalars().all()[-1]
        message = SignInRequested.from_payload(event.payload)
    mailer = RecordingMailer()
    consume(Resources(settings), message, mailer)
    assert mailer.sent == []
