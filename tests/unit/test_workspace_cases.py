"""The workspace's inbox and case page (SPEC §7, issue 12): tabs, filters, search and paging; the
case with its deadlines and full history; each action through the API's use cases and the one
holder check; a form out of date answers 409 and says what changed."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlalchemy import func, select, update

from services.intake.case_actions import change_case
from services.notifier.routing import route_case
from shared.db import unit_of_work
from shared.deadlines import open_deadlines
from shared.models import Case, CaseHistory, Contact, Deadline, OutboxEvent, utcnow
from tests.support.workspace import csrf, sign_in_as
from tests.unit.test_routing import submit

KARI = "kari.johansen@kommune.example"  # municipality main contact: holds complaints
PER = "per.hansen@bonord.example"  # association case officer: copied on Prestvannet's complaints
ANNE = "anne.nilsen@bonord.example"  # association case officer of other borettslag
LEADER = "leder.boligkontoret@kommune.example"
BOARD_MEMBER = "styret.prestvannet@borettslag.example"  # on the committee, reads no cases

REFERENCE_LINK = re.compile(r'href="/arbeid/saker/([A-Z]{2}-\d{4}-\d{4})"')


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def listed(response) -> list[str]:
    """The case references the inbox lists, in order."""
    return REFERENCE_LINK.findall(response.get_data(as_text=True))


def new_case(sessions, complaint, orgnr="997273354", description=None, now=None) -> str:
    """A routed complaint: Kari holds it; Prestvannet's case officer (Per) has a copy."""
    body = {**complaint, "description": description} if description else complaint
    case_id = submit(sessions, body, orgnr=orgnr, now=now or utcnow())
    with unit_of_work(sessions) as session:  # as the notifier's handle_case_submitted does
        routed = route_case(session, case_id, f"route-{case_id}", now=utcnow(), mail_domain="samhandling.example")
        open_deadlines(session, routed.case, routed.rule, now=utcnow(), tz_name="Europe/Oslo")
        return routed.case.reference


def case_row(sessions, reference: str) -> Case:
    with sessions() as session:
        case = session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        session.expunge(case)
        return case


def history(sessions, reference: str) -> list[tuple[str, bool, str]]:
    with sessions() as session:
        return [(h.action, h.public, h.comment) for h in session.execute(
            select(CaseHistory).join(Case).where(Case.reference == reference).order_by(CaseHistory.id)).scalars()]


def post_action(client, reference: str, action: str, version: int | None = None, **fields):
    path = f"/arbeid/saker/{reference}"
    data = {"csrf_token": csrf(client, path), "handling": action, **fields}
    if version is not None:
        data["versjon"] = str(version)
    else:
        data["versjon"] = re.search(r'name="versjon" value="(\d+)"', client.get(path).get_data(as_text=True)).group(1)
    return client.post(path, data=data)


@pytest.fixture
def kari(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    return client


@pytest.fixture
def other(browsers):
    """A second browser, for another contact."""
    return browsers


# --- the inbox ---------------------------------------------------------------------------------------

def test_signed_out_goes_to_sign_in_and_back(client):
    response = client.get("/arbeid?fane=alle")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/logg-inn?neste=")


def test_the_tabs_mine_copies_all_and_overdue(kari, other, sessions, complaint):
    mine = new_case(sessions, complaint)  # Prestvannet: Kari holds it, Per has a copy
    elsewhere = new_case(sessions, complaint, orgnr="942474601")  # Fjellheisen: Anne has the copy
    assert set(listed(kari.get("/arbeid"))) == {mine, elsewhere}  # "Mine saker" is the default
    assert listed(kari.get("/arbeid?fane=kopi")) == []

    per = other(PER)
    assert listed(per.get("/arbeid")) == []
    assert listed(per.get("/arbeid?fane=kopi")) == [mine]
    assert set(listed(per.get("/arbeid?fane=alle"))) == {mine, elsewhere}
    assert listed(per.get("/arbeid?fane=forfalt")) == []
    page = text(per.get("/arbeid?fane=kopi"))
    assert 'aria-current="page"' in page and "Kopi til meg: 1 sak" in page

    # A reassign ends the copies: the case is with the new assignee alone.
    with unit_of_work(sessions) as session:
        case = session.execute(select(Case).where(Case.reference == mine)).scalar_one()
        change_case(session, case, "reassign", actor=KARI, now=utcnow(), to=ANNE)
    assert listed(per.get("/arbeid?fane=kopi")) == []
    assert listed(other(ANNE).get("/arbeid")) == [mine]


def test_overdue_shows_the_word_and_the_tab(kari, other, sessions, complaint):
    reference = new_case(sessions, complaint)
    page = text(kari.get("/arbeid"))
    assert "Kvittere ut: " in page and "Forfalt" not in page.split("<tbody>")[1]
    with unit_of_work(sessions) as session:
        case_id = session.execute(select(Case.id).where(Case.reference == reference)).scalar_one()
        session.execute(update(Deadline).where(Deadline.case_id == case_id, Deadline.kind == "acknowledge")
                        .values(due_at=utcnow() - dt.timedelta(hours=1)))
    row = text(kari.get("/arbeid")).split("<tbody>")[1]
    assert '<span class="ds-tag" data-color="danger">Forfalt</span>' in row  # the word, not colour alone
    assert listed(other(LEADER).get("/arbeid?fane=forfalt")) == [reference]


def test_filters_and_search(kari, sessions, complaint):
    noise = new_case(sessions, complaint, description="Det bråker fra vaskemaskinen hver natt i 3B.")
    fjellheisen = new_case(sessions, complaint, orgnr="942474601", description="Søppel i trappeoppgangen hver uke.")
    assert listed(kari.get("/arbeid?borettslag=942474601")) == [fjellheisen]
    assert listed(kari.get("/arbeid?q=vaskemaskinen")) == [noise]  # description text
    assert listed(kari.get("/arbeid?q=fjellheisen")) == [fjellheisen]  # borettslag name
    assert listed(kari.get(f"/arbeid?q={noise.lower()}")) == [noise]  # reference
    assert listed(kari.get("/arbeid?q=100%25")) == []  # % is a character, not a wildcard
    assert set(listed(kari.get("/arbeid?type=complaint"))) == {noise, fjellheisen}
    assert listed(kari.get("/arbeid?type=sublet")) == []
    assert listed(kari.get("/arbeid?status=acknowledged")) == []
    with unit_of_work(sessions) as session:
        case = session.execute(select(Case).where(Case.reference == noise)).scalar_one()
        change_case(session, case, "reject", actor=KARI, now=utcnow())
    assert listed(kari.get("/arbeid")) == [fjellheisen]  # open cases by default
    assert listed(kari.get("/arbeid?status=rejected")) == [noise]
    assert set(listed(kari.get("/arbeid?status=alle"))) == {noise, fjellheisen}


@pytest.mark.parametrize(("query", "message"), [
    ("type=tull", "Type sak: Velg en type sak fra listen."),
    ("status=apen", "Status: Velg en status fra listen."),
    ("borettslag=123456789", "Borettslag: Velg et borettslag fra listen."),
    ("side=null", "Sidenummeret må være et helt tall fra 1 og oppover."),
    ("side=-1", "Sidenummeret må være et helt tall fra 1 og oppover."),
    ("q=" + "x" * 201, "Søk: Søket kan være høyst 200 tegn."),
    ("fane=andres", "Velg en av fanene"),
])
def test_bad_filter_values_are_a_message_and_400(kari, query, message):
    response = kari.get("/arbeid?" + query)
    assert response.status_code == 400
    page = text(response)
    assert message in page and "ds-error-summary" in page


def test_paging_keeps_the_filters(kari, sessions, complaint):
    made = [new_case(sessions, complaint, now=utcnow() - dt.timedelta(minutes=60 - i)) for i in range(27)]
    first = kari.get("/arbeid?type=complaint")
    assert listed(first) == list(reversed(made))[:25]  # newest first, 25 a page
    page = first.get_data(as_text=True)
    assert 'class="ds-pagination"' in page
    assert 'href="/arbeid?type=complaint&amp;side=2"' in page
    assert listed(kari.get("/arbeid?type=complaint&side=2")) == list(reversed(made))[25:]
    assert "Det er ingen saker på side 9" in text(kari.get("/arbeid?side=9"))


def test_a_committee_member_is_sent_to_the_meetings_not_cases(other, sessions, complaint):
    new_case(sessions, complaint)
    board = other(BOARD_MEMBER)
    response = board.get("/arbeid")
    assert (response.status_code, response.headers["Location"]) == (303, "/arbeid/moter")
    assert listed(board.get("/arbeid/moter")) == []
    assert board.get("/arbeid/saker/KL-2027-0001").status_code == 403


# --- the case page ------------------------------------------------------------------------------------

def test_the_case_page_shows_everything_staff_may_see(kari, sessions, complaint):
    reference = new_case(sessions, complaint)
    response = kari.get(f"/arbeid/saker/{reference}")
    assert response.status_code == 200
    page = text(response)
    for expected in (f"Klage {reference}", "Prestvannet borettslag (org.nr. 997273354)", "Støy",
                     complaint["description"], "Kari Styreleder", "kari@example.org", "Styret i borettslaget",
                     "Kvittere ut", "Løse saken", "2 virkedager", "20 virkedager", "Sendt til kontaktperson",
                     "Kari Johansen (kari.johansen@kommune.example)", " kl. "):
        assert expected in page, expected
    for label in ("Kvitter ut", "Avvis saken", "Overfør saken", "Lagre internt notat", "Send kommentaren"):
        assert label in page, label
    assert "Løs saken</button>" not in page  # not allowed from "routed"


def test_an_unknown_reference_is_a_404_page(kari):
    response = kari.get("/arbeid/saker/KL-1999-9999")
    assert response.status_code == 404
    assert "Fant ikke saken" in text(response)


def test_acknowledge_then_resolve_through_the_same_use_case(kari, sessions, complaint):
    reference = new_case(sessions, complaint)
    response = post_action(kari, reference, "acknowledge", kommentar="Vi ser på saken.")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/arbeid/saker/{reference}?utfort=acknowledge"
    assert "Saken er kvittert ut." in text(kari.get(response.headers["Location"]))
    assert post_action(kari, reference, "resolve").status_code == 303
    case = case_row(sessions, reference)
    assert (case.status, case.version) == ("resolved", 4)
    assert [a for a, _, _ in history(sessions, reference)][-2:] == ["acknowledged", "resolved"]
    with sessions() as session:  # the submitter is mailed as for the API's and the links' changes
        actions = [e.payload["action"] for e in session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "CaseStatusChanged").order_by(OutboxEvent.id))]
    assert sorted(actions) == ["acknowledge", "resolve"]
    assert post_action(kari, reference, "reopen").status_code == 303
    assert case_row(sessions, reference).status == "acknowledged"


def test_reject_and_an_illegal_transition(kari, sessions, complaint):
    reference = new_case(sessions, complaint)
    response = post_action(kari, reference, "resolve")  # not from "routed"
    assert response.status_code == 409
    assert "denne handlingen ikke er mulig" in text(response)
    assert case_row(sessions, reference).status == "routed"
    assert post_action(kari, reference, "reject", kommentar="Gjelder ikke avtalen.").status_code == 303
    assert history(sessions, reference)[-1] == ("rejected", True, "Gjelder ikke avtalen.")


def test_reassign_to_a_listed_contact_and_an_unknown_one(kari, other, sessions, complaint):
    reference = new_case(sessions, complaint)
    page = text(kari.get(f"/arbeid/saker/{reference}"))
    assert "Ola Berg" in page and "Anne Nilsen" in page and "Marit Eriksen" not in page  # other party's leader
    assert "Styret i" not in page.split('id="til"')[1].split("</select>")[0]  # never a board
    unknown = post_action(kari, reference, "reassign", til="ukjent@kommune.example")
    assert unknown.status_code == 422
    assert "Velg en kontaktperson fra listen." in text(unknown)
    assert case_row(sessions, reference).assignee == KARI
    missing = post_action(kari, reference, "reassign")
    assert missing.status_code == 400 and "Velg hvem saken skal overføres til." in text(missing)
    assert post_action(kari, reference, "reassign", til=ANNE, begrunnelse="Anne tar den.").status_code == 303
    assert case_row(sessions, reference).assignee == ANNE
    assert history(sessions, reference)[-1] == ("reassigned", True, "Anne tar den.")
    # Kari no longer holds it: the page is read-only and says why; a post is refused.
    page = text(kari.get(f"/arbeid/saker/{reference}"))
    assert "Du kan lese saken, men ikke behandle den" in page and "Lagre internt notat" not in page
    refused = post_action(kari, reference, "acknowledge", version=case_row(sessions, reference).version)
    assert refused.status_code == 403 and case_row(sessions, reference).status == "routed"


def test_the_holder_check_a_copy_may_act_others_may_not(other, sessions, complaint):
    reference = new_case(sessions, complaint)
    anne = other(ANNE)  # association staff without a copy of this case
    page = text(anne.get(f"/arbeid/saker/{reference}"))
    assert "Du kan lese saken, men ikke behandle den" in page and "Kvitter ut</button>" not in page
    assert post_action(anne, reference, "acknowledge", version=2).status_code == 403
    assert post_action(anne, reference, "note", version=2, notat="Hei").status_code == 403
    assert case_row(sessions, reference).status == "routed"
    per = other(PER)  # copied on it
    assert post_action(per, reference, "acknowledge").status_code == 303
    assert case_row(sessions, reference).status == "acknowledged"


def test_a_note_is_internal_and_changes_nothing(kari, client, sessions, complaint):
    reference = new_case(sessions, complaint)
    before = case_row(sessions, reference)
    assert post_action(kari, reference, "note", notat="Ringte styreleder, venter svar.").status_code == 303
    after = case_row(sessions, reference)
    assert (after.status, after.version) == (before.status, before.version)
    assert history(sessions, reference)[-1] == ("noted", False, "Ringte styreleder, venter svar.")
    page = text(kari.get(f"/arbeid/saker/{reference}"))
    assert "Internt notat" in page and "Ringte styreleder, venter svar." in page
    tracking = text(client.get(f"/sak/{after.tracking_token}"))
    assert "Ringte styreleder" not in tracking
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEvent)
                              .where(OutboxEvent.event_type == "CaseStatusChanged")) == 0


def test_a_public_comment_is_on_the_tracking_page_and_mailed(kari, client, sessions, complaint):
    reference = new_case(sessions, complaint)
    assert post_action(kari, reference, "comment", offentlig="Vi har kontaktet styret.").status_code == 303
    case = case_row(sessions, reference)
    assert (case.status, case.version) == ("routed", 2)
    assert history(sessions, reference)[-1] == ("commented", True, "Vi har kontaktet styret.")
    assert "Vi har kontaktet styret." in text(client.get(f"/sak/{case.tracking_token}"))
    with sessions() as session:
        event = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "CaseStatusChanged")).one()
    assert (event.payload["action"], event.payload["comment"]) == ("comment", "Vi har kontaktet styret.")


@pytest.mark.parametrize(("action", "field", "message"), [
    ("note", "notat", "Skriv notatet."),
    ("comment", "offentlig", "Skriv kommentaren til innsenderen."),
])
def test_a_note_or_comment_without_text_is_a_field_message(kari, sessions, complaint, action, field, message):
    reference = new_case(sessions, complaint)
    response = post_action(kari, reference, action, **{field: "  "})
    assert response.status_code == 400
    page = text(response)
    assert message in page and f'href="#{field}"' in page and f'id="{field}-feil"' in page
    assert len(history(sessions, reference)) == 2  # received, routed


def test_a_form_out_of_date_is_409_with_what_changed(kari, other, sessions, complaint):
    reference = new_case(sessions, complaint)
    shown = case_row(sessions, reference).version
    assert post_action(other(PER), reference, "acknowledge", kommentar="Per tar den.").status_code == 303
    response = post_action(kari, reference, "reject", version=shown, kommentar="Avvist av Kari.")
    assert response.status_code == 409
    page = text(response)
    assert "Dette er endret siden du åpnet saken" in page
    assert "Status nå: <strong>Under behandling</strong>" in page
    changed = page.split('id="endringer"')[1].split("</div>")[0]
    assert "Kvittert ut av Per Hansen (per.hansen@bonord.example) – Per tar den." in changed
    assert "Avvist av Kari." in page  # her text is kept for a second try
    assert case_row(sessions, reference).status == "acknowledged"
    assert history(sessions, reference)[-1][0] == "acknowledged"
    # The page now carries the new version: sending again applies it.
    assert post_action(kari, reference, "reject", kommentar="Avvist av Kari.").status_code == 303


def test_a_post_without_csrf_or_version_changes_nothing(kari, sessions, complaint):
    reference = new_case(sessions, complaint)
    assert kari.post(f"/arbeid/saker/{reference}", data={"handling": "acknowledge", "versjon": "2"}).status_code == 400
    no_version = kari.post(f"/arbeid/saker/{reference}", data={
        "handling": "acknowledge", "csrf_token": csrf(kari, f"/arbeid/saker/{reference}")})
    assert no_version.status_code == 400
    bad_action = post_action(kari, reference, "delete")
    assert bad_action.status_code == 400
    assert case_row(sessions, reference).status == "routed"


def test_a_deactivated_assignee_is_refused_as_a_choice(kari, sessions, complaint):
    reference = new_case(sessions, complaint)
    with unit_of_work(sessions) as session:
        session.execute(update(Contact).where(Contact.email == "ola.berg@kommune.example")
                        .values(deactivated_at=utcnow()))
    assert "Ola Berg" not in text(kari.get(f"/arbeid/saker/{reference}"))
    response = post_action(kari, reference, "reassign", til="ola.berg@kommune.example")
    assert response.status_code == 422


def test_a_whole_reference_finds_that_case_only_and_a_part_still_searches(kari, sessions, complaint):
    first = new_case(sessions, complaint)
    second = new_case(sessions, complaint)
    assert listed(kari.get(f"/arbeid?q={first.lower()}")) == [first]
    assert listed(kari.get(f"/arbeid?q={first}9")) == []  # KL-2026-00019: another reference, none
    prefix = first.rsplit("-", 1)[0]  # "KL-2026": a part of both
    assert set(listed(kari.get(f"/arbeid?q={prefix}"))) == {first, second}


def test_a_long_history_shows_its_newest_rows_with_a_link_to_all(kari, sessions, complaint):
    reference = new_case(sessions, complaint)
    with unit_of_work(sessions) as session:
        case = session.execute(select(Case).where(Case.reference == reference)).scalar_one()
        for n in range(120):
            session.add(CaseHistory(case_id=case.id, at=utcnow(), actor=KARI, action="noted", comment=f"Notat {n}",
                                    public=False))
    page = text(kari.get(f"/arbeid/saker/{reference}"))
    assert "Viser de siste 100 av 122 hendelser." in page  # received, routed and 120 notes
    assert "Notat 119" in page and "Notat 19<" not in page and "Notat 20<" in page
    whole = text(kari.get(f"/arbeid/saker/{reference}?historikk=alle"))
    assert "Viser de siste" not in whole and "Notat 0<" in whole
