"""E-mail action links: signed, expiring, single-purpose; a GET confirms and only a POST acts."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from sqlalchemy import select

from services.intake.case_actions import change_case
from services.notifier.case_mail import compose_case_mail
from services.notifier.mail import template_environment
from shared import action_links
from shared.db import unit_of_work
from shared.models import ActionLinkUse, Case, CaseHistory, Notification, OutboxEvent, utcnow
from tests.support.database import count
from tests.unit.test_routing import route, submit

CONTACT = "kari.johansen@kommune.example"  # the main contact: primary on a complaint
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HANDLING = re.compile(r'href="(/handling/[^"]+)"')
MAIL_LINK = re.compile(r"https?://\S+?(/handling/[A-Za-z0-9_.-]+)")


@pytest.fixture
def case_id(sessions, complaint) -> int:
    case_id = submit(sessions, complaint)
    route(sessions, case_id, event_id="event-1")
    return case_id


def sign(settings, case_id: int, action: str, source: str = "<m@x>", version: int = 1) -> str:
    return action_links.sign(
        settings, case_id=case_id, action=action, recipient=CONTACT, source=source, version=version
    )


def current_version(sessions, case_id: int) -> dict:
    with sessions() as session:
        case = session.get(Case, case_id)
        return {"version": case.version if case else 1}


def link_path(sessions, settings, case_id: int, action: str, source: str = "<m@x>") -> str:
    """A link to the case as it is now, for the main contact."""
    token = sign(settings, case_id, action, source=source, **current_version(sessions, case_id))
    return action_links.url(settings, token).removeprefix(settings.public_base_url)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def confirm(client, path: str, comment: str = ""):
    """Open the confirmation page like a browser, then press the button."""
    page = client.get(path)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no form on the page ({page.status_code})"
    return client.post(path, data={"csrf_token": match.group(1), "comment": comment})


def case_state(sessions, case_id: int) -> tuple[str, list[tuple[str, str]]]:
    with sessions() as session:
        case = session.get_one(Case, case_id)
        rows = session.execute(
            select(CaseHistory.action, CaseHistory.actor)
            .where(CaseHistory.case_id == case_id).order_by(CaseHistory.id)
        ).all()
        return case.status, [tuple(row) for row in rows]


# --- signing -------------------------------------------------------------------------------

def test_sign_and_verify_round_trip(settings):
    token = sign(settings, 7, "reject")
    link = action_links.verify(settings, token)
    assert (link.case_id, link.action, link.recipient) == (7, "reject", CONTACT)
    assert link.link_id == action_links.link_id_for("<m@x>", "reject") and len(link.link_id) == 32
    assert action_links.url(settings, token) == f"{settings.public_base_url}/handling/{token}"


def test_link_id_is_the_same_when_the_mail_is_sent_again(settings):
    def link_id(source: str, action: str) -> str:
        token = sign(settings, 1, action, source=source)
        return action_links.verify(settings, token).link_id

    with time_machine.travel(dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        first = link_id("<m@x>", "acknowledge")
    assert link_id("<m@x>", "acknowledge") == first
    assert len({first, link_id("<m@x>", "reject"), link_id("<n@x>", "acknowledge")}) == 3


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    lambda token: token.replace(".", "x.", 1),
    lambda token: "ikke-en-lenke",
    lambda token: token + "A" * 1000,
])
def test_a_tampered_token_is_invalid(settings, tamper):
    token = sign(settings, 1, "acknowledge")
    with pytest.raises(action_links.InvalidLink):
        action_links.verify(settings, tamper(token))


def test_a_token_signed_with_another_key_is_invalid(settings):
    other = settings.with_overrides(secret_key="another-secret")
    token = sign(other, 1, "acknowledge")
    with pytest.raises(action_links.InvalidLink):
        action_links.verify(settings, token)


def test_an_old_token_is_expired_not_invalid(settings):
    with time_machine.travel(dt.datetime.now(dt.UTC) - dt.timedelta(days=15)):
        token = sign(settings, 3, "resolve")
    with pytest.raises(action_links.ExpiredLink) as expired:
        action_links.verify(settings, token)
    assert expired.value.link is not None and expired.value.link.case_id == 3
    assert action_links.verify(settings, token, max_age=16 * 86400).action == "resolve"


def test_only_the_three_actions_can_be_signed(settings):
    with pytest.raises(ValueError):
        action_links.sign(settings, case_id=1, action="reopen", recipient=CONTACT, source="s",
                          version=1)


# --- the pages -----------------------------------------------------------------------------

def test_get_shows_the_case_and_changes_nothing(client, sessions, settings, case_id):
    outbox_before = count(sessions, OutboxEvent)
    response = client.get(link_path(sessions, settings, case_id, "acknowledge"))
    html = text(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "KL-2027-0001" in html and "Prestvannet borettslag" in html and "Støy" in html
    assert "Det bråker hver natt" in html and "Sendt til kontaktperson" in html
    assert "Bekreft: ta saken" in html and '<label class="ds-label" for="comment">' in html
    assert 'name="csrf_token"' in html
    status, history = case_state(sessions, case_id)
    assert status == "routed" and [action for action, _ in history] == ["received", "routed"]
    assert count(sessions, ActionLinkUse) == 0 and count(sessions, OutboxEvent) == outbox_before


def test_post_acknowledges_as_the_recipient(client, sessions, settings, case_id):
    response = confirm(client, link_path(sessions, settings, case_id, "acknowledge"), "Vi ser på saken.")
    assert response.status_code == 200
    assert "Du har tatt saken" in text(response) and "Under behandling" in text(response)
    status, history = case_state(sessions, case_id)
    assert status == "acknowledged" and history[-1] == ("acknowledged", CONTACT)
    with sessions() as session:
        entry = session.execute(
            select(CaseHistory).order_by(CaseHistory.id.desc()).limit(1)).scalar_one()
        assert (entry.from_status, entry.to_status, entry.comment) == ("routed", "acknowledged",
                                                                       "Vi ser på saken.")
        event = session.execute(
            select(OutboxEvent).where(OutboxEvent.event_type == "CaseStatusChanged")).scalar_one()
        assert (event.payload["case_id"], event.payload["action"]) == (case_id, "acknowledge")
        use = session.execute(select(ActionLinkUse)).scalar_one()
        assert (use.case_id, use.action) == (case_id, "acknowledge")


def test_a_link_works_once(client, sessions, settings, case_id):
    path = link_path(sessions, settings, case_id, "acknowledge")
    page = client.get(path)
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    assert client.post(path, data={"csrf_token": token}).status_code == 200
    again = client.post(path, data={"csrf_token": token})
    assert again.status_code == 409 and "Lenken er allerede brukt" in text(again)
    assert case_state(sessions, case_id)[1].count(("acknowledged", CONTACT)) == 1
    assert count(sessions, OutboxEvent, OutboxEvent.event_type == "CaseStatusChanged") == 1
    revisit = client.get(path)
    assert revisit.status_code == 409 and "allerede brukt" in text(revisit)
    assert "Bekreft" not in text(revisit)


def test_after_acknowledging_the_contact_can_resolve_from_the_page(client, sessions, settings,
                                                                   case_id):
    done = confirm(client, link_path(sessions, settings, case_id, "acknowledge"))
    offered = dict(zip(re.findall(r'<a [^>]*href="/handling/[^"]+"[^>]*>([^<]+)</a>', text(done)),
                       HANDLING.findall(done.get_data(as_text=True)), strict=True))
    assert set(offered) == {"Merk saken som løst", "Avvis saken"}
    resolve = unescape(offered["Merk saken som løst"])
    page = client.get(resolve)
    assert "Bekreft: merk som løst" in text(page)
    assert "Kommentar (sendes til innsenderen)" in text(page)
    response = confirm(client, resolve, "Styret har snakket med leietakeren.")
    assert response.status_code == 200 and "Saken er merket som løst" in text(response)
    assert HANDLING.search(response.get_data(as_text=True)) is None  # nothing more to do
    status, history = case_state(sessions, case_id)
    assert status == "resolved" and history[-1] == ("resolved", CONTACT)


def test_reject_from_the_link_in_the_contact_mail(client, sessions, settings, case_id):
    mail = contact_mail(sessions, settings, CONTACT)
    paths = MAIL_LINK.findall(mail.get_body(("plain",)).get_content())
    reject = next(p for p in paths if verified(settings, p).action == "reject")
    page = client.get(reject)
    assert "Bekreft: avvis saken" in text(page)
    response = confirm(client, reject, "Gjelder ikke kommunens bolig.")
    assert response.status_code == 200 and "Saken er avvist" in text(response)
    assert case_state(sessions, case_id)[0] == "rejected"


def test_an_action_the_case_no_longer_allows_gets_a_clear_page(client, sessions, settings, case_id):
    path = link_path(sessions, settings, case_id, "resolve")  # the case is routed, not yet acknowledged
    response = confirm(client, path)
    assert response.status_code == 409
    html = text(response)
    assert "Handlingen kan ikke utføres" in html and "status «Sendt til kontaktperson»" in html
    assert case_state(sessions, case_id)[0] == "routed"
    assert count(sessions, ActionLinkUse) == 0  # the link was not spent


def test_post_without_or_with_a_wrong_csrf_token_changes_nothing(client, sessions, settings,
                                                                  case_id):
    path = link_path(sessions, settings, case_id, "acknowledge")
    client.get(path)
    assert client.application.config.get("WTF_CSRF_ENABLED", True)
    for data in ({}, {"csrf_token": "forfalsket"}):
        response = client.post(path, data=data)
        assert response.status_code == 400
        assert "Bekreftelsen kunne ikke sendes" in text(response)
        assert "Saken er ikke endret" in text(response)
    assert case_state(sessions, case_id)[0] == "routed" and count(sessions, ActionLinkUse) == 0


def test_an_expired_link_says_so(client, sessions, settings, case_id):
    sent = dt.datetime.now(dt.UTC)
    with time_machine.travel(sent, tick=False):
        path = link_path(sessions, settings, case_id, "acknowledge")
    with time_machine.travel(sent + dt.timedelta(days=13, hours=23), tick=False):
        form_token = CSRF.search(client.get(path).get_data(as_text=True)).group(1)
    with time_machine.travel(sent + dt.timedelta(days=14, seconds=1), tick=False):
        # the page was opened in time, but the button pressed too late
        responses = [client.get(path), client.post(path, data={"csrf_token": form_token})]
    for response in responses:
        assert response.status_code == 410
        assert "Lenken er utløpt" in text(response) and "KL-2027-0001" in text(response)
    assert case_state(sessions, case_id)[0] == "routed" and count(sessions, ActionLinkUse) == 0


@pytest.mark.parametrize("path", ["/handling/ikke-en-lenke", "/handling/" + "A" * 2000])
def test_an_invalid_link_is_a_404_page(client, sessions, path):
    for response in (client.get(path), client.post(path, data={})):
        assert response.status_code in (400, 404)  # POST without a form token stops at CSRF first
    response = client.get(path)
    assert response.status_code == 404 and "Ugyldig lenke" in text(response)


def test_a_link_to_a_case_that_does_not_exist_is_invalid(client, sessions, settings):
    response = client.get(link_path(sessions, settings, 999_999, "acknowledge"))
    assert response.status_code == 404 and "Ugyldig lenke" in text(response)


@pytest.mark.parametrize("comment, message", [
    ("x" * 5001, "Kan ikke være lengre enn 5000 tegn."),
    ("Skjult\x07tegn", "kontrolltegn"),
])
def test_a_bad_comment_is_shown_on_the_form(client, sessions, settings, case_id, comment, message):
    response = confirm(client, link_path(sessions, settings, case_id, "reject"), comment)
    html = text(response)
    assert response.status_code == 422
    assert message in html and 'aria-invalid="true"' in html and "Bekreft: avvis saken" in html
    assert case_state(sessions, case_id)[0] == "routed" and count(sessions, ActionLinkUse) == 0


def test_line_breaks_from_a_browser_are_kept(client, sessions, settings, case_id):
    confirm(client, link_path(sessions, settings, case_id, "acknowledge"), "Linje en\r\nLinje to")
    with sessions() as session:
        comment = session.execute(
            select(CaseHistory.comment).order_by(CaseHistory.id.desc()).limit(1)).scalar_one()
    assert comment == "Linje en\nLinje to"


# --- the e-mails ---------------------------------------------------------------------------

def contact_mail(sessions, settings, recipient: str):
    with sessions() as session:
        notification = session.execute(
            select(Notification).where(Notification.recipient == recipient)).scalar_one()
        return compose_case_mail(
            session, notification, settings=settings, env=template_environment())


def verified(settings, path: str) -> action_links.ActionLink:
    return action_links.verify(settings, path.rsplit("/", 1)[1])


def mail_links(settings, mail) -> dict[str, set[tuple]]:
    found: dict[str, set[tuple]] = {}
    for subtype in ("plain", "html"):
        for path in MAIL_LINK.findall(unescape(mail.get_body((subtype,)).get_content())):
            link = verified(settings, path)
            found.setdefault(subtype, set()).add(
                (link.action, link.recipient, link.case_id, link.link_id, link.version))
    return found


@pytest.mark.parametrize("recipient", [CONTACT, "per.hansen@bonord.example"])  # primary and copy
def test_contact_mails_carry_personal_links(sessions, settings, case_id, recipient):
    mail = contact_mail(sessions, settings, recipient)
    links = mail_links(settings, mail)
    assert links["plain"] == links["html"]
    assert {(action, to, case) for action, to, case, _, _ in links["plain"]} == {
        ("acknowledge", recipient, case_id), ("reject", recipient, case_id)}
    # Bound to the case as it is when the mail is written: routed, one change after receipt.
    assert {version for *_, version in links["plain"]} == {current_version(sessions, case_id)["version"]}
    assert "Ta saken (kvitter ut)" in mail.get_body(("html",)).get_content()
    assert "Ingenting endres i saken før du bekrefter" in mail.get_body(("plain",)).get_content()
    # A resent mail (same notification) carries links with the same ids.
    resent = contact_mail(sessions, settings, recipient)
    assert mail_links(settings, resent)["plain"] == links["plain"]


def test_the_receipt_to_the_submitter_has_no_action_links(sessions, settings, case_id):
    mail = contact_mail(sessions, settings, "kari@example.org")
    for subtype in ("plain", "html"):
        assert "/handling/" not in mail.get_body((subtype,)).get_content()


def test_an_acquisition_notice_gets_links_too(sessions, settings, case_id):
    with unit_of_work(sessions) as session:
        session.get_one(Case, case_id).type = "acquisition"
        session.get_one(Case, case_id).details = {
            "planned_date": "2027-05-01", "owned_before": 1, "owned_after": 2, "cap": 3,
            "warning": None}
    links = mail_links(settings, contact_mail(sessions, settings, CONTACT))
    assert {action for action, *_ in links["html"]} == {"acknowledge", "reject"}


# --- a link lasts only while its holder may act, and only for the case as it was -------------

BOARD = "styret.prestvannet@borettslag.example"
COPY = "per.hansen@bonord.example"  # the case officer, copied on a complaint


def mail_path(sessions, settings, recipient: str, action: str) -> str:
    mail = contact_mail(sessions, settings, recipient)
    paths = MAIL_LINK.findall(mail.get_body(("plain",)).get_content())
    return next(p for p in paths if verified(settings, p).action == action)


def form_token(client, path: str) -> str:
    return CSRF.search(client.get(path).get_data(as_text=True)).group(1)


def change(sessions, case_id: int, action: str, **kwargs) -> None:
    """A staff member acts through the API's use case, not through a link."""
    with unit_of_work(sessions) as session:
        change_case(session, session.get_one(Case, case_id), action, actor="ola.berg@kommune.example",
                    now=utcnow(), **kwargs)


def refused(client, path: str, csrf: str, status: int) -> str:
    """GET and POST both explain why; the page offers no form."""
    page, posted = client.get(path), client.post(path, data={"csrf_token": csrf})
    assert (page.status_code, posted.status_code) == (status, status)
    assert "Bekreft:" not in text(page) and "Saken er ikke endret" in text(posted)
    return text(posted)


def assignee(sessions, case_id: int) -> str | None:
    with sessions() as session:
        return session.get_one(Case, case_id).assignee


@pytest.mark.parametrize("recipient", [CONTACT, COPY])  # the primary and a staff copy
def test_a_link_stops_working_when_the_case_is_reassigned(client, sessions, settings, case_id,
                                                          recipient):
    path = mail_path(sessions, settings, recipient, "acknowledge")
    csrf = form_token(client, path)  # the page was open when the case moved
    change(sessions, case_id, "reassign", to="ola.berg@kommune.example")
    html = refused(client, path, csrf, 409)
    assert "Saken er overført til en annen" in html
    assert case_state(sessions, case_id)[0] == "routed"
    assert assignee(sessions, case_id) == "ola.berg@kommune.example"
    assert count(sessions, ActionLinkUse) == 0


def test_a_link_issued_before_a_reopen_cannot_close_the_reopened_case(client, sessions, settings,
                                                                       case_id):
    done = confirm(client, mail_path(sessions, settings, CONTACT, "acknowledge"))
    follow_ups = dict(zip(re.findall(r'<a [^>]*href="/handling/[^"]+"[^>]*>([^<]+)</a>', text(done)),
                          map(unescape, HANDLING.findall(done.get_data(as_text=True))), strict=True))
    reject = follow_ups["Avvis saken"]
    csrf = form_token(client, reject)
    assert confirm(client, follow_ups["Merk saken som løst"]).status_code == 200
    change(sessions, case_id, "reopen", comment="Det bråker igjen.")
    html = refused(client, reject, csrf, 409)
    assert "Saken er endret siden lenken ble sendt" in html and "«Under behandling»" in html
    status, history = case_state(sessions, case_id)
    assert status == "acknowledged" and history[-1][0] == "reopened"


def test_a_deactivated_contacts_links_and_tokens_stop_working(app, client, sessions, settings,
                                                               case_id, tokens):
    path = mail_path(sessions, settings, CONTACT, "acknowledge")
    csrf = form_token(client, path)
    result = app.test_cli_runner().invoke(args=["contact", "deactivate", CONTACT.upper()])
    html = refused(client, path, csrf, 403)
    assert "Tilgangen din er trukket tilbake" in html
    assert result.exit_code == 0, result.output
    assert case_state(sessions, case_id)[0] == "routed" and count(sessions, ActionLinkUse) == 0
    api = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {tokens['municipality']}"})
    assert api.status_code == 401
    other = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {tokens['association']}"})
    assert other.status_code == 200  # only that contact's access is gone
    unknown = app.test_cli_runner().invoke(args=["contact", "deactivate", "nobody@example.org"])
    assert unknown.exit_code != 0 and "nobody@example.org" in unknown.output
    new_token = app.test_cli_runner().invoke(args=["token", "create", "--contact", CONTACT])
    assert new_token.exit_code != 0 and "deaktivert" in new_token.output


def test_a_staff_copy_may_act_until_the_case_is_reassigned(client, sessions, settings, case_id):
    response = confirm(client, mail_path(sessions, settings, COPY, "acknowledge"))
    assert response.status_code == 200 and "Du har tatt saken" in text(response)
    assert case_state(sessions, case_id)[1][-1] == ("acknowledged", COPY)


def test_a_link_for_a_board_contact_is_refused(client, sessions, settings, case_id):
    token = action_links.sign(settings, case_id=case_id, action="acknowledge", recipient=BOARD,
                              source="<board@x>", **current_version(sessions, case_id))
    path = action_links.url(settings, token).removeprefix(settings.public_base_url)
    csrf = form_token(client, link_path(sessions, settings, case_id, "reject"))
    html = refused(client, path, csrf, 403)
    assert "Lenken gir ikke tilgang til saken" in html
    assert case_state(sessions, case_id)[0] == "routed" and count(sessions, ActionLinkUse) == 0


def test_a_link_from_before_versions_is_refused_as_stale(client, sessions, settings, case_id):
    serializer = action_links._serializer(settings)
    token = serializer.dumps({"c": case_id, "a": "acknowledge", "r": CONTACT,
                              "l": action_links.link_id_for("<old@x>", "acknowledge")})
    csrf = form_token(client, link_path(sessions, settings, case_id, "reject"))
    html = refused(client, f"/handling/{token}", csrf, 409)
    assert "Saken er endret siden lenken ble sendt" in html and "«Sendt til kontaktperson»" in html
    assert case_state(sessions, case_id)[0] == "routed"


def test_the_mail_link_and_then_the_follow_up_link_resolve_the_case(client, sessions, settings,
                                                                     case_id):
    done = confirm(client, mail_path(sessions, settings, CONTACT, "acknowledge"))
    assert done.status_code == 200
    follow_ups = dict(zip(re.findall(r'<a [^>]*href="/handling/[^"]+"[^>]*>([^<]+)</a>', text(done)),
                          map(unescape, HANDLING.findall(done.get_data(as_text=True))), strict=True))
    resolved = confirm(client, follow_ups["Merk saken som løst"], "Ordnet.")
    assert resolved.status_code == 200 and "Saken er merket som løst" in text(resolved)
    assert case_state(sessions, case_id)[1][-2:] == [("acknowledged", CONTACT), ("resolved", CONTACT)]


@pytest.mark.parametrize(("language", "words", "done"), [
    ("nn", ["Stadfest: ta saka", "Status no", "Send til kontaktperson", "Kommentar (valfritt)"],
     ["Du har teke saka", "Lenkja er alt brukt"]),
    ("en", ["Confirm: take the case", "Current status", "Sent to the contact person", "Comment (optional)"],
     ["You have taken the case", "The link has already been used"]),
])
def test_the_link_pages_in_the_readers_language(client, sessions, settings, case_id, language, words, done):
    """A contact who reads nynorsk or English chooses it on the page (the link is public)."""
    path = link_path(sessions, settings, case_id, "acknowledge")
    page = client.get(f"{path}?lang={language}")
    assert f'<html lang="{language}">' in page.get_data(as_text=True)
    for word in words:
        assert word in text(page), word
    response = confirm(client, path)
    assert response.status_code == 200 and done[0] in text(response)
    assert "?lang=" not in response.get_data(as_text=True)  # the used link's page offers no switch
    again = client.get(path)
    assert again.status_code == 409 and done[1] in text(again)
