"""The committee's meetings in the workspace (issue 13): the list and the month, a meeting's page with
its agenda (add an open case, order, remove, send), move and cancel as the API does them, the .ics,
the minutes; a stale form is a 409 that says what changed; a board's committee member only reads."""
from __future__ import annotations

import datetime as dt
import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from services.intake.workspace.meeting_forms import version_of
from services.scheduler.booking import BookingRules, try_book
from shared.agenda import add_to_agenda
from shared.db import unit_of_work
from shared.models import AgendaItem, Case, CaseHistory, Meeting, OutboxEvent
from tests.support.workspace import csrf
from tests.unit.test_booking import answer, request
from tests.unit.test_minutes import complaint_case

OSLO = ZoneInfo("Europe/Oslo")
KARI = "kari.johansen@kommune.example"
PER = "per.hansen@bonord.example"
ANNE = "anne.nilsen@bonord.example"
BOARD = "styret.fjellheisen@borettslag.example"  # a borettslag board's member of the committee
MONDAY = dt.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO)
SPRING = dt.date(2027, 3, 16)  # the fixed meeting, a Tuesday
VERSION = re.compile(r'name="versjon" value="([^"]+)"')


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def meetings(sessions, complaint) -> dict[str, int]:
    return book_meetings(sessions, complaint)


def book_meetings(sessions, complaint) -> dict[str, int]:
    """The spring meeting on 16 March; a request made today, booked for 8 March; an open complaint."""
    case_id = complaint_case(sessions, complaint, acknowledged=True, event_id="e-1")
    request_id = request(sessions, MONDAY.date())
    assert answer(sessions, request_id) == "booked"  # before the spring meeting, which it would join
    with unit_of_work(sessions) as session:
        spring = try_book(session, SPRING, kind="annual", title="Vårmøte i samarbeidsutvalget 2027",
                          rules=BookingRules(), tz_name="Europe/Oslo", now=dt.datetime(2026, 10, 5, tzinfo=OSLO),
                          annual_slot="2027-spring")
        add_to_agenda(session, spring, "Hvordan samarbeidet fungerer (samhandlingsavtalen)", "annual")
        add_to_agenda(session, spring, "Eventuelt", "annual")
        spring_id = spring.id
    with sessions() as session:
        requested = session.execute(select(Meeting).where(Meeting.kind == "requested")).scalar_one()
        reference = session.get_one(Case, case_id).reference
        return {"spring": spring_id, "requested": requested.id, "case": case_id, "reference": reference,
                "request": request_id}


@pytest.fixture
def kari(browsers):
    return browsers(KARI)


def version(browser, path: str) -> str:
    return VERSION.search(browser.get(path).get_data(as_text=True)).group(1)


def post(browser, path: str, form_path: str, **data):
    return browser.post(path, data={"csrf_token": csrf(browser, form_path), "versjon": version(browser, form_path),
                                    **data})


def events(sessions, event_type: str) -> list[dict]:
    with sessions() as session:
        return [e.payload for e in session.execute(select(OutboxEvent).where(OutboxEvent.event_type == event_type)
                                                    .order_by(OutboxEvent.created_at)).scalars()]


def invitations(sessions, meeting_id: int) -> list[tuple[int, str]]:
    """The meeting's invitations (SEQUENCE, METHOD) announced so far, in order of SEQUENCE."""
    return sorted((e["sequence"], e["method"]) for e in events(sessions, "MeetingScheduled")
                  if e["meeting_id"] == meeting_id)


def shown(sessions, meeting_id: int) -> str:
    """The meeting's version as a page would show it now."""
    with sessions() as session:
        return version_of(session.get_one(Meeting, meeting_id))


def agenda_titles(sessions, meeting_id: int) -> list[str]:
    with sessions() as session:
        return list(session.execute(select(AgendaItem.title).where(AgendaItem.meeting_id == meeting_id)
                                    .order_by(AgendaItem.position)).scalars())


def item_ids(sessions, meeting_id: int) -> list[int]:
    with sessions() as session:
        return list(session.execute(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)
                                    .order_by(AgendaItem.position)).scalars())


# --- the list and the month ---------------------------------------------------------------------------

def test_the_list_marks_fixed_and_requested_meetings_and_the_requests_deadline(kari, meetings):
    page = text(kari.get("/arbeid/moter"))
    upcoming = page.split('id="kommende"')[1].split('id="tidligere"')[0]
    assert upcoming.index("8. mars 2027 kl. 10.00") < upcoming.index("16. mars 2027 kl. 10.00")
    assert "Fast møte" in upcoming and "Etter ønske" in upcoming
    assert "MO-2027-0001: senest 22. mars 2027" in upcoming and "Innenfor fristen" in upcoming
    assert f'href="/arbeid/moter/{meetings["spring"]}"' in upcoming
    assert '<a class="ds-link" href="/arbeid/moter">Møter</a>' in page


def test_the_month_links_its_meeting_days_and_the_months_beside_it(kari, meetings):
    response = kari.get("/arbeid/moter?maned=2027-03")
    assert response.status_code == 200
    page = text(response)
    assert "<h2 class=\"ds-heading\" data-size=\"md\" id=\"maned\">Mars 2027</h2>" in page
    calendar = page.split('class="ds-table meeting-calendar"')[1].split("</table>")[0]
    assert re.search(rf'href="/arbeid/moter/{meetings["spring"]}">16<span class="ds-sr-only">\. mars 2027: '
                     r"Vårmøte", calendar)
    assert f'href="/arbeid/moter/{meetings["requested"]}">8<' in calendar
    assert calendar.count("<a ") == 2 and 'aria-current="date"' in calendar  # today, 1 March
    assert 'href="/arbeid/moter?maned=2027-02"' in page and 'href="/arbeid/moter?maned=2027-04"' in page
    april = text(kari.get("/arbeid/moter?maned=2027-04"))
    assert "Ingen møter denne måneden." in april
    assert kari.get("/arbeid/moter?maned=2027-12").status_code == 200
    assert 'maned=2028-01' in text(kari.get("/arbeid/moter?maned=2027-12"))


@pytest.mark.parametrize("month", ["2027-13", "mars", "", "1999-01", "2027-3"])
def test_a_month_that_does_not_exist_is_a_400_that_says_how(kari, meetings, month):
    response = kari.get(f"/arbeid/moter?maned={month}")
    assert response.status_code == 400
    assert "Skriv måneden som ÅÅÅÅ-MM" in text(response)


# --- a meeting's page ------------------------------------------------------------------------------------

def test_the_meeting_page_shows_time_place_members_agenda_and_documents(kari, meetings):
    page = text(kari.get(f"/arbeid/moter/{meetings['requested']}"))
    assert "mandag 8. mars 2027 kl. 10.00–12.00" in page
    assert "Avtales i innkallingen" in page
    for name in ("Kari Johansen", "Anne Nilsen", "Styret i Fjellheisen borettslag"):
        assert f"<td>{name}</td>" in page
    assert page.count("<td>Ikke registrert</td>") == 6 and "Per Hansen" not in page.split('id="medlemmer"')[1] \
        .split("</table>")[0]
    assert "Erverv i Prestvannet" in page  # the request's topic
    assert "MO-2027-0001: senest 22. mars 2027" in page
    assert f'href="/arbeid/moter/{meetings["requested"]}/dagsorden.pdf"' in page
    assert f'href="/arbeid/moter/{meetings["requested"]}.ics"' in page
    assert "referat.pdf" not in page  # no minutes yet


def test_the_ics_is_the_apis_calendar_file(kari, meetings, client, tokens):
    mine = kari.get(f"/arbeid/moter/{meetings['spring']}.ics")
    assert mine.status_code == 200 and mine.mimetype == "text/calendar"
    body = mine.get_data(as_text=True)
    assert "METHOD:REQUEST" in body and "DTSTART;TZID=Europe/Oslo:20270316T100000" in body
    assert body.count("ATTENDEE") == 6
    with client.application.extensions["sessionmaker"]() as session:
        uid = session.get_one(Meeting, meetings["spring"]).uid
    assert f"UID:{uid}" in body
    assert kari.get("/arbeid/moter/999999.ics").status_code == 404
    assert kari.get("/arbeid/moter/999999").status_code == 404


def test_an_open_case_goes_on_the_agenda_without_mail_and_the_agenda_is_sent_when_asked(kari, sessions, meetings):
    path = f"/arbeid/moter/{meetings['spring']}"
    page = text(kari.get(path))
    assert f'<option value="{meetings["reference"]}">{meetings["reference"]} – Klage, Prestvannet' in page
    before = invitations(sessions, meetings["spring"])
    added = post(kari, f"{path}/dagsorden", path, handling="legg_til", sak=meetings["reference"])
    assert added.status_code == 303 and added.headers["Location"].startswith(f"{path}?utfort=lagt_til")
    assert agenda_titles(sessions, meetings["spring"])[-1] == f"Klage {meetings['reference']} – Prestvannet borettslag"
    assert invitations(sessions, meetings["spring"]) == before  # saved, not sent
    shown = text(kari.get(added.headers["Location"]))
    assert "Saken er satt på dagsordenen." in shown
    assert f'<option value="{meetings["reference"]}"' not in shown  # no longer a choice
    with sessions() as session:
        history = session.execute(select(CaseHistory).where(CaseHistory.case_id == meetings["case"])
                                  .order_by(CaseHistory.id.desc()).limit(1)).scalar_one()
    assert (history.action, history.comment) == ("meeting_joined",
                                                 "Satt på dagsordenen for møtet 16.03.2027 kl. 10.00.")

    sent = post(kari, f"{path}/dagsorden", path, handling="send")
    assert sent.status_code == 303
    assert "Oppdatert dagsorden er sendt til alle medlemmene." in text(kari.get(sent.headers["Location"]))
    assert invitations(sessions, meetings["spring"]) == [*before, (1, "REQUEST")]


def test_a_closed_or_unknown_case_or_none_is_a_field_message(kari, sessions, meetings):
    path = f"/arbeid/moter/{meetings['spring']}"
    for reference, message in (("", "Velg en sak fra listen."), ("KL-2027-9999", "Fant ikke saken.")):
        refused = post(kari, f"{path}/dagsorden", path, handling="legg_til", sak=reference)
        assert refused.status_code == 422
        assert message in text(refused) and 'id="sak-feil"' in text(refused)
    post(kari, f"{path}/dagsorden", path, handling="legg_til", sak=meetings["reference"])
    again = post(kari, f"{path}/dagsorden", path, handling="legg_til", sak=meetings["reference"])
    assert again.status_code == 422 and "står allerede på dagsordenen" in text(again)


def test_items_move_up_and_down_and_are_removed_numbered_1_to_n(kari, sessions, meetings):
    path = f"/arbeid/moter/{meetings['spring']}"
    first, second = item_ids(sessions, meetings["spring"])
    assert post(kari, f"{path}/dagsorden", path, handling="ned", punkt=first).status_code == 303
    assert agenda_titles(sessions, meetings["spring"]) == ["Eventuelt", "Hvordan samarbeidet fungerer "
                                                                        "(samhandlingsavtalen)"]
    assert post(kari, f"{path}/dagsorden", path, handling="opp", punkt=first).status_code == 303
    assert item_ids(sessions, meetings["spring"]) == [first, second]
    assert post(kari, f"{path}/dagsorden", path, handling="fjern", punkt=first).status_code == 303
    with sessions() as session:
        left = session.execute(select(AgendaItem.position, AgendaItem.title)
                               .where(AgendaItem.meeting_id == meetings["spring"])).all()
    assert left == [(1, "Eventuelt")]
    assert post(kari, f"{path}/dagsorden", path, handling="fjern", punkt="x").status_code == 400
    assert post(kari, f"{path}/dagsorden", path, handling="tøys").status_code == 400


def test_a_stale_form_is_a_409_that_says_what_changed(kari, browsers, sessions, meetings):
    path = f"/arbeid/moter/{meetings['spring']}"
    token, shown = csrf(kari, path), version(kari, path)
    first = item_ids(sessions, meetings["spring"])[0]
    anne = browsers(ANNE)
    assert post(anne, f"{path}/dagsorden", path, handling="legg_til", sak=meetings["reference"]).status_code == 303
    stale = kari.post(f"{path}/dagsorden", data={"csrf_token": token, "versjon": shown, "handling": "fjern",
                                                 "punkt": first})
    assert stale.status_code == 409
    page = text(stale)
    assert "Møtet er endret siden du åpnet siden. Ingenting er lagret" in page
    assert f"Punktet «Klage {meetings['reference']} – Prestvannet borettslag» er satt på dagsordenen." in page
    assert len(item_ids(sessions, meetings["spring"])) == 3  # nothing removed
    assert post(anne, f"{path}/dagsorden", path, handling="send").status_code == 303
    moved = kari.post(f"{path}/flytt", data={"csrf_token": token, "versjon": shown,
                                             "dato": "2027-03-17", "klokkeslett": "10:00"})
    assert moved.status_code == 409
    assert "Medlemmene har fått en oppdatert innkalling" in text(moved)
    no_version = kari.post(f"{path}/dagsorden", data={"csrf_token": token, "handling": "send"})
    assert no_version.status_code == 400 and "mangler møtets versjon" in text(no_version)


# --- move and cancel -------------------------------------------------------------------------------------

def move(browser, meeting_id: int, **fields):
    path = f"/arbeid/moter/{meeting_id}"
    return post(browser, f"{path}/flytt", path, **{"klokkeslett": "10:00", **fields})


def test_a_day_that_is_no_meeting_day_is_refused_even_overridden(kari, meetings):
    refused = move(kari, meetings["spring"], dato="2027-03-20", overstyr="ja", begrunnelse="Passer alle.")
    assert refused.status_code == 422
    assert "20.03.2027 er ikke en møtedag" in text(refused) and 'id="dato-feil"' in text(refused)
    late = move(kari, meetings["spring"], dato="2027-03-16", klokkeslett="15:30")
    assert late.status_code == 422 and "innenfor arbeidstiden" in text(late)
    bad = move(kari, meetings["spring"], dato="16.03", klokkeslett="ti")
    assert bad.status_code == 400
    assert "Skriv datoen som dd.mm.åååå." in text(bad) and "Skriv klokkeslettet som tt:mm" in text(bad)


def test_past_a_requests_deadline_needs_overstyr_and_a_reason_as_the_api(kari, sessions, meetings):
    refused = move(kari, meetings["requested"], dato="2027-03-23")
    assert refused.status_code == 409
    assert "etter fristen 22.03.2027 for MO-2027-0001" in text(refused)
    no_reason = move(kari, meetings["requested"], dato="2027-03-23", overstyr="ja")
    assert no_reason.status_code == 400 and "Skriv hvorfor fristen overstyres." in text(no_reason)
    assert 'name="overstyr" value="ja" checked' in text(no_reason)  # the input is kept
    moved = move(kari, meetings["requested"], dato="2027-03-23", overstyr="ja", begrunnelse="Leder er syk.")
    assert moved.status_code == 303
    with sessions() as session:
        meeting = session.get_one(Meeting, meetings["requested"])
        overridden = session.execute(select(CaseHistory.comment).where(
            CaseHistory.case_id == meetings["request"], CaseHistory.action == "deadline_overridden")).scalar_one()
    assert (meeting.held_on, meeting.sequence) == (dt.date(2027, 3, 23), 1)
    assert overridden.endswith("fristen ble overstyrt ved flyttingen. Begrunnelse: Leder er syk.")
    assert invitations(sessions, meetings["requested"])[-1] == (1, "REQUEST")
    assert "Etter fristen" in text(kari.get("/arbeid/moter"))


def test_inside_the_minimum_notice_the_other_party_must_agree(kari, sessions, meetings):
    refused = move(kari, meetings["spring"], dato="2027-03-03")
    assert refused.status_code == 409
    assert "kortere varsel enn 5 arbeidsdager (tidligst 08.03.2027)" in text(refused)
    assert "samtykke fra boligbyggelaget" in text(refused)
    own = move(kari, meetings["spring"], dato="2027-03-03", samtykke="ola.berg@kommune.example")
    assert own.status_code == 422 and "den andre parten (boligbyggelaget)" in text(own)
    agreed = move(kari, meetings["spring"], dato="2027-03-03", samtykke=ANNE, sted="Rådhuset, møterom 2")
    assert agreed.status_code == 303
    with sessions() as session:
        meeting = session.get_one(Meeting, meetings["spring"])
    assert (meeting.held_on, meeting.notice_agreed_by, meeting.location) == (dt.date(2027, 3, 3), ANNE,
                                                                             "Rådhuset, møterom 2")
    page = text(kari.get(f"/arbeid/moter/{meetings['spring']}"))
    assert "kortere varsel avtalt med anne.nilsen@bonord.example" in page


def test_cancelling_asks_first_then_sends_cancel_to_all(kari, sessions, meetings):
    path = f"/arbeid/moter/{meetings['spring']}"
    confirm = kari.get(f"{path}/avlys")
    assert confirm.status_code == 200 and "Alle 6 medlemmer" in text(confirm)
    with sessions() as session:
        assert session.get_one(Meeting, meetings["spring"]).status == "planned"  # a GET changes nothing
    before = shown(sessions, meetings["spring"])
    done = post(kari, f"{path}/avlys", f"{path}/avlys")
    assert done.status_code == 303
    page = text(kari.get(done.headers["Location"]))
    assert "Møtet er avlyst, og medlemmene får avlysningen." in page and "Flytt møtet" not in page
    assert invitations(sessions, meetings["spring"])[-1] == (1, "CANCEL")
    assert "METHOD:CANCEL" in kari.get(f"{path}.ics").get_data(as_text=True)
    assert "kan ikke avlyses" in text(kari.get(f"{path}/avlys"))
    again = kari.post(f"{path}/avlys", data={"csrf_token": csrf(kari, path), "versjon": before})
    assert again.status_code == 409 and "Møtet er avlyst." in text(again)


# --- minutes ---------------------------------------------------------------------------------------------

def minutes_form(browser, meeting_id: int, **fields):
    path = f"/arbeid/moter/{meeting_id}/referat"
    return browser.post(path, data={"csrf_token": csrf(browser, path), "versjon": version(browser, path), **fields})


def test_minutes_before_the_meeting_starts_are_refused(kari, meetings):
    path = f"/arbeid/moter/{meetings['spring']}/referat"
    assert "Referatet kan skrives når møtet har begynt." in text(kari.get(path))
    token = csrf(kari, f"/arbeid/moter/{meetings['spring']}")
    shown = version(kari, f"/arbeid/moter/{meetings['spring']}")
    refused = kari.post(path, data={"csrf_token": token, "versjon": shown, "oppsummering": "For tidlig."})
    assert refused.status_code == 409 and "Møtet har ikke begynt ennå." in text(refused)


@pytest.fixture
def meeting_begun(browsers, meetings, monday) -> str:
    """The complaint put on the spring meeting's agenda (item 3), and the clock at the meeting: its path."""
    kari, path = browsers(KARI), f"/arbeid/moter/{meetings['spring']}"
    post(kari, f"{path}/dagsorden", path, handling="legg_til", sak=meetings["reference"])
    monday.move_to(dt.datetime(2027, 3, 16, 12, 30, tzinfo=OSLO))  # sessions have ended: sign in again
    return path


def test_minutes_resolve_the_case_mark_the_meeting_held_and_are_mailed(browsers, sessions, meetings, meeting_begun):
    kari, path = browsers(KARI), meeting_begun
    form = text(kari.get(f"{path}/referat"))
    assert 'name="til_stede" value="styret.fjellheisen@borettslag.example"' in form
    assert 'id="sak-3"' in form and 'id="sak-1"' not in form  # only an item with a case has the choice

    missing = minutes_form(kari, meetings["spring"], **{"vedtak-3": "", "sak-3": "resolve"})
    assert missing.status_code == 400 and "Skriv vedtaket for punkt 3" in text(missing)
    no_summary = minutes_form(kari, meetings["spring"], **{"vedtak-3": "Løst."})
    assert no_summary.status_code == 422 and 'id="oppsummering-feil"' in text(no_summary)
    assert "Løst." in text(no_summary)  # the input is kept

    before = shown(sessions, meetings["spring"])
    written = minutes_form(kari, meetings["spring"], oppsummering="Godt samarbeid.", til_stede=[KARI, BOARD],
                           **{"vedtak-1": "Fortsetter som før.", "vedtak-3": "Beboeren har flyttet.",
                              "sak-3": "resolve"})
    assert written.status_code == 303
    with sessions() as session:
        meeting = session.get_one(Meeting, meetings["spring"])
        case = session.get_one(Case, meetings["case"])
    assert meeting.status == "held" and case.status == "resolved"
    assert {p["email"] for p in meeting.minutes["attendance"] if p["present"]} == {BOARD, KARI}
    assert len(events(sessions, "MinutesRecorded")) == 1
    page = text(kari.get(written.headers["Location"]))
    assert "Referatet er lagret, møtet er merket som holdt" in page
    assert "Beboeren har flyttet." in page and "Saken er løst." in page
    assert f'href="{path}/referat.pdf"' in page and "Lagre og send referatet" not in page
    assert "Løst" in text(kari.get(f"/arbeid/saker/{meetings['reference']}"))
    assert f'href="{path}/referat.pdf"' in text(kari.get(path))
    again = kari.post(f"{path}/referat", data={"csrf_token": csrf(kari, path), "versjon": before,
                                                "oppsummering": "Igjen."})
    assert again.status_code == 409 and "Møtet er holdt, og referatet er skrevet." in text(again)


def test_a_decision_on_the_other_partys_case_waits_for_its_confirmation(browsers, sessions, meetings, meeting_begun):
    path = meeting_begun
    anne = browsers(ANNE)  # the association writes; the complaint is with the municipality
    assert minutes_form(anne, meetings["spring"], oppsummering="Møte holdt.",
                        **{"vedtak-3": "Avsluttes.", "sak-3": "resolve"}).status_code == 303
    with sessions() as session:
        assert session.get_one(Case, meetings["case"]).status == "acknowledged"
    kari = browsers(KARI)
    page = text(kari.get(f"{path}/referat"))
    assert "Forslag: saken løses når kommunen har bekreftet referatet." in page and "Bekreft referatet" in page
    assert "Bekreft referatet" not in text(anne.get(f"{path}/referat"))
    confirmed = post(kari, f"{path}/referat/bekreft", f"{path}/referat", merknader="Enig.")
    assert confirmed.status_code == 303
    with sessions() as session:
        assert session.get_one(Case, meetings["case"]).status == "resolved"
    assert "med merknad: «Enig.»" in text(kari.get(confirmed.headers["Location"]))


# --- who may do what ---------------------------------------------------------------------------------------

def test_a_board_member_reads_every_meeting_page_and_changes_nothing(browsers, sessions, meetings):
    board = browsers(BOARD)
    assert board.get("/arbeid").headers["Location"] == "/arbeid/moter"
    path = f"/arbeid/moter/{meetings['spring']}"
    for read in ("/arbeid/moter", "/arbeid/moter?maned=2027-03", path, f"{path}/referat", f"{path}.ics",
                 f"{path}/dagsorden.pdf"):
        assert board.get(read).status_code == 200, read
    page = text(board.get(path))
    nav = page.split('aria-label="Arbeidsflate"')[1].split("</nav>")[0]
    assert re.findall(r">([^<>]+)</a>", nav) == ["Møter"]
    assert "Flytt møtet" not in page and "Sett på dagsordenen" not in page and "/arbeid/saker/" not in page
    token, current = csrf(board, path), shown(sessions, meetings["spring"])
    for change in ("dagsorden", "flytt", "avlys", "referat", "referat/bekreft"):
        answer_ = board.post(f"{path}/{change}", data={"csrf_token": token, "versjon": current, "handling": "send",
                                                       "dato": "2027-03-17", "klokkeslett": "10:00"})
        assert answer_.status_code == 403, change
    assert board.get(f"{path}/avlys").status_code == 403
    assert board.get(f"/arbeid/saker/{meetings['reference']}").status_code == 403
    assert shown(sessions, meetings["spring"]) == current  # nothing changed


def test_signed_out_every_meeting_page_leads_to_sign_in(client, meetings):
    for path in ("/arbeid/moter", f"/arbeid/moter/{meetings['spring']}", f"/arbeid/moter/{meetings['spring']}/referat"):
        answer_ = client.get(path)
        assert answer_.status_code == 303 and answer_.headers["Location"].startswith("/logg-inn?neste=")
