"""The handbook's `meetings:` section: the fixed meetings' spring and autumn windows and the minimum
notice, checked with a message at each line and field; the version in force decides the annual
booking, the request booking, a move's notice and the compliance report; the workspace shows and
edits them. Without the section (an older version) the agreement's defaults apply."""
from __future__ import annotations

import datetime as dt
import html
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from services.intake.handbook_messages import in_norwegian
from services.scheduler.annual import book_annual_meetings, book_due_annual_meetings
from services.scheduler.booking import BookingRules, try_book
from shared.agreement import (
    ANNUAL_MEETING_WINDOWS,
    MINIMUM_NOTICE_DAYS,
    earliest_with_notice,
    longest_minimum_notice,
    meeting_deadline,
)
from shared.db import unit_of_work
from shared.handbook import DEFAULT_PATH, HandbookError, MeetingRules, parse_handbook
from shared.handbook_versions import current_handbook, meeting_rules, save_handbook
from shared.models import Case, HandbookVersion, Meeting, utcnow
from tests.support.api import auth
from tests.support.workspace import csrf, sign_in_as
from tests.unit.test_booking import answer, request
from tests.unit.test_workspace_handbook import form_fields, hidden, save_from

OSLO = ZoneInfo("Europe/Oslo")
KARI = "kari.johansen@kommune.example"
SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")
WITHOUT_SECTION = SHIPPED[:SHIPPED.index("\n# Møter i samarbeidsutvalget")] + "\n"
MONDAY = dt.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO)
BOOKED_IN_OCTOBER = dt.datetime(2026, 10, 5, 12, 0, tzinfo=OSLO)
EDIT = "/arbeid/handbok/endre"


def with_meetings(spring=("03-01", "05-31"), autumn=("09-01", "11-30"), notice=5) -> str:
    return WITHOUT_SECTION + (
        "meetings:\n"
        f'  spring_window:\n    from: "{spring[0]}"\n    to: "{spring[1]}"\n'
        f'  autumn_window:\n    from: "{autumn[0]}"\n    to: "{autumn[1]}"\n'
        f"  minimum_notice_days: {notice}\n")


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def in_force(sessions, text: str) -> None:
    with unit_of_work(sessions) as session:
        save_handbook(session, text, KARI, utcnow())


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


# The section and its checks ----------------------------------------------------------------------

def test_the_shipped_handbook_has_the_agreements_defaults_and_an_older_one_without_the_section_too():
    shipped = parse_handbook(SHIPPED).meetings
    assert (dict(shipped.windows), shipped.minimum_notice_days) == (dict(ANNUAL_MEETING_WINDOWS), MINIMUM_NOTICE_DAYS)
    assert parse_handbook(WITHOUT_SECTION).meetings == MeetingRules()
    assert parse_handbook(WITHOUT_SECTION + "meetings:\n").meetings == MeetingRules()
    only_notice = parse_handbook(WITHOUT_SECTION + "meetings:\n  minimum_notice_days: 3\n").meetings
    assert (dict(only_notice.windows), only_notice.minimum_notice_days) == (dict(ANNUAL_MEETING_WINDOWS), 3)
    narrow = parse_handbook(with_meetings(spring=("04-07", "04-30"), autumn=("10-01", "10-31"), notice=8)).meetings
    assert dict(narrow.windows) == {"spring": ((4, 7), (4, 30)), "autumn": ((10, 1), (10, 31))}
    assert narrow.minimum_notice_days == 8


@pytest.mark.parametrize(("text", "line_fragment", "reason", "norwegian"), [
    (with_meetings(spring=("03-01", "5-31")), 'to: "5-31"', 'meetings.spring_window.to: must be a day every year '
     'has, as "MM-DD" in quotes, e.g. "03-01"', 'må være en dag som finnes hvert år, skrevet "MM-DD"'),
    (with_meetings(spring=("02-29", "05-31")), 'from: "02-29"', "meetings.spring_window.from: must be a day every "
     "year has", "må være en dag som finnes hvert år"),
    (with_meetings(spring=("05-31", "03-01")), 'to: "03-01"', 'meetings.spring_window.to: must come after from '
     '("05-31"): a window lies inside one year', 'må komme etter from ("05-31"): et møtevindu ligger innenfor ett år'),
    (with_meetings(autumn=("05-15", "11-30")), "autumn_window:", 'meetings.autumn_window: overlaps spring_window '
     '("03-01" to "05-31"); the two windows must not share a day',
     'overlapper spring_window ("03-01" til "05-31"); de to møtevinduene kan ikke ha felles dager'),
    (with_meetings(autumn=("07-14", "07-25")), "autumn_window:", "meetings.autumn_window: lies entirely inside the "
     "common summer holiday (weeks 28–31) in 2025, when no meeting is held",
     "ligger helt i fellesferien (uke 28–31) i 2025, da det ikke holdes møter"),
    (with_meetings(autumn=("12-22", "12-31")), "autumn_window:", "meetings.autumn_window: has no day a meeting can "
     "be held in 2025", "har ingen dag da et møte kan holdes i 2025"),
    (with_meetings(notice=0), "minimum_notice_days", "meetings.minimum_notice_days: must be a whole number of "
     "working days from 1 to 14", "må være et helt antall virkedager fra 1 til 14"),
    (with_meetings(notice=15), "minimum_notice_days", "meetings.minimum_notice_days: must be a whole number of "
     "working days from 1 to 14", "må være et helt antall virkedager fra 1 til 14"),
    (with_meetings(notice="fem"), "minimum_notice_days", "meetings.minimum_notice_days: must be a whole number",
     "må være et helt antall virkedager"),
    (with_meetings(notice=11), "minimum_notice_days", "meetings.minimum_notice_days: must leave a day for the "
     "meeting before a meeting request's 21-day deadline: at most 10 working days",
     "må gi rom for møtet før fristen på 21 dager for et ønsket møte: høyst 10 virkedager"),
    (WITHOUT_SECTION + "meetings:\n  summer_window: {}\n", "summer_window", "meetings.summer_window: unknown key "
     "'summer_window' (allowed: spring_window, autumn_window, minimum_notice_days)", "ukjent nøkkel 'summer_window'"),
    (WITHOUT_SECTION + "meetings:\n  spring_window:\n    from: \"03-01\"\n", "spring_window",
     "meetings.spring_window: 'to' is missing", "'to' mangler"),
])
def test_each_rule_of_the_section_is_refused_at_its_line_and_field(text, line_fragment, reason, norwegian):
    with pytest.raises(HandbookError) as refused:
        parse_handbook(text)
    problems = refused.value.problems
    assert len(problems) == 1, problems
    assert problems[0].line == line_of(text, line_fragment)
    assert problems[0].reason.startswith(reason)
    assert norwegian in in_norwegian(problems[0].reason)  # the workspace shows it in bokmål


def test_the_longest_notice_always_leaves_a_day_before_a_requests_deadline():
    longest = longest_minimum_notice()
    assert MINIMUM_NOTICE_DAYS < longest == 10
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=n) for n in range(3 * 365)]

    def room(day: dt.date, notice: int) -> bool:
        return earliest_with_notice(day, notice) < meeting_deadline(dt.datetime.combine(day, dt.time(12), OSLO),
                                                                    "Europe/Oslo")
    assert all(room(day, longest) for day in days)
    assert not all(room(day, longest + 1) for day in days)  # e.g. around Easter or Christmas
    assert parse_handbook(with_meetings(notice=longest)).meetings.minimum_notice_days == longest


def test_a_change_of_the_section_is_named_in_the_versions_summary(sessions):
    in_force(sessions, with_meetings(spring=("03-15", "05-31"), notice=3))
    with sessions() as session:
        summary = session.scalars(select(HandbookVersion.summary).order_by(HandbookVersion.id.desc())).first()
        assert meeting_rules(session).minimum_notice_days == 3
    assert summary == "meetings.spring_window: 03-01–05-31 → 03-15–05-31; meetings.minimum_notice_days: 5 → 3"


# The version in force decides ------------------------------------------------------------------------

def test_a_narrower_spring_window_books_the_fixed_meeting_inside_it(sessions):
    in_force(sessions, with_meetings(spring=("04-07", "04-30")))
    with unit_of_work(sessions) as session:
        booked = book_annual_meetings(session, 2027, BOOKED_IN_OCTOBER, "Europe/Oslo")
    # The shipped window would give Tuesday 2 March; the first Tuesday from 7 April is the 13th.
    assert [(b.slot, b.outcome, b.day) for b in booked] == [
        ("2027-spring", "booked", dt.date(2027, 4, 13)), ("2027-autumn", "booked", dt.date(2027, 9, 7))]


def test_beat_reads_the_handbook_at_the_configured_path(sessions, tmp_path):
    path = tmp_path / "handbook.yaml"
    path.write_text(with_meetings(autumn=("10-01", "11-30")), encoding="utf-8")
    booked = book_due_annual_meetings(sessions, now=BOOKED_IN_OCTOBER, tz_name="Europe/Oslo",
                                      handbook_path=str(path))
    assert ("2027-autumn", dt.date(2027, 10, 5)) in [(b.slot, b.day) for b in booked]


def test_the_annual_booking_keeps_the_notice_in_force(sessions):
    """Booked on Monday 1 March for this year: never sooner than the notice, counted in working days."""
    in_force(sessions, with_meetings(notice=10))
    with unit_of_work(sessions) as session:
        booked = book_annual_meetings(session, 2027, MONDAY, "Europe/Oslo")
    assert (booked[0].slot, booked[0].day) == ("2027-spring", dt.date(2027, 3, 16))  # 5 days: Tuesday 9 March


def test_a_request_is_booked_after_the_notice_in_force(sessions):
    in_force(sessions, with_meetings(notice=3))
    case_id = request(sessions, MONDAY.date())
    with time_machine.travel(MONDAY, tick=False):
        assert answer(sessions, case_id) == "booked"
    with sessions() as session:
        meeting = session.get_one(Meeting, session.get_one(Case, case_id).details["meeting"]["id"])
    assert meeting.held_on == dt.date(2027, 3, 4)  # Thursday: 3 working days; the default gives 8 March


# A move's notice: the API and the page ------------------------------------------------------------

@pytest.fixture
def spring(sessions) -> int:
    with unit_of_work(sessions) as session:
        return try_book(session, dt.date(2027, 3, 16), kind="annual", title="Vårmøte i samarbeidsutvalget 2027",
                        rules=BookingRules(), tz_name="Europe/Oslo", now=BOOKED_IN_OCTOBER).id


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield


def test_a_move_at_the_notice_in_force_passes_and_one_day_less_is_refused_api(client, sessions, tokens, spring,
                                                                               monday):
    in_force(sessions, with_meetings(notice=3))
    path, headers = f"/api/v1/meetings/{spring}", auth(tokens["municipality"])
    refused = client.patch(path, headers=headers, json={"starts_at": "2027-03-03T10:00:00+01:00"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "short_notice"
    assert "kortere varsel enn 3 arbeidsdager (tidligst 04.03.2027)" in refused.get_json()["error"]["message"]
    moved = client.patch(path, headers=headers, json={"starts_at": "2027-03-04T10:00:00+01:00"})
    assert moved.status_code == 200, moved.get_json()
    with sessions() as session:
        assert session.get_one(Meeting, spring).held_on == dt.date(2027, 3, 4)


def test_a_move_at_the_notice_in_force_passes_and_one_day_less_is_refused_page(app, sessions, settings, spring,
                                                                                monday):
    in_force(sessions, with_meetings(notice=3))
    kari = app.test_client()
    sign_in_as(kari, sessions, settings, KARI)
    page = f"/arbeid/moter/{spring}"
    assert "Flyttes møtet nærmere enn 3 arbeidsdager fram" in text_of(kari.get(page))

    def move(day: str):
        shown = kari.get(page).get_data(as_text=True)
        version = re.search(r'name="versjon" value="([^"]+)"', shown)
        assert version
        return kari.post(f"{page}/flytt", data={"csrf_token": csrf(kari, page), "versjon": version.group(1),
                                                "dato": day, "klokkeslett": "10:00"})

    refused = move("2027-03-03")
    assert refused.status_code == 409
    assert "kortere varsel enn 3 arbeidsdager (tidligst 04.03.2027)" in text_of(refused)
    assert move("2027-03-04").status_code == 303
    with sessions() as session:
        assert session.get_one(Meeting, spring).held_on == dt.date(2027, 3, 4)


def test_compliance_judges_the_notice_by_the_version_in_force(app, client, sessions, settings, tokens):
    """A meeting booked on Tuesday 2 March for Friday 5 March: 3 working days' notice."""
    case_id = request(sessions, dt.date(2027, 3, 1))
    with unit_of_work(sessions) as session:
        meeting = try_book(session, dt.date(2027, 3, 5), kind="requested", title="Etter ønske", rules=BookingRules(),
                           tz_name="Europe/Oslo", now=dt.datetime(2027, 3, 2, 10, 0, tzinfo=OSLO))
        case = session.get_one(Case, case_id)
        case.details = {**case.details, "meeting": {"id": meeting.id, "starts_at": meeting.starts_at.isoformat()}}

    def notice() -> tuple[str, str]:
        with time_machine.travel(dt.datetime(2027, 12, 31, 12, 0, tzinfo=OSLO), tick=False):
            rows = client.get("/api/v1/compliance?year=2027", headers=auth(tokens["system"])).get_json()
            page = client.get("/samsvar/2027").get_data(as_text=True)
        return rows["meeting_requests"][0]["notice"], re.sub(r"\s+", " ", page)

    short, page = notice()
    assert short == "short" and "med minst 5 arbeidsdagers varsel" in page
    in_force(sessions, with_meetings(notice=3))
    kept, page = notice()
    assert kept == "kept" and "med minst 3 arbeidsdagers varsel" in page
    staff = app.test_client()
    sign_in_as(staff, sessions, settings, KARI)
    assert "med minst 3 arbeidsdagers varsel" in text_of(staff.get("/arbeid/samsvar/2027"))


# The workspace: the tables and the form ----------------------------------------------------------------

@pytest.fixture
def kari(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    return client


def test_the_read_page_shows_the_windows_and_notice_in_force(kari, sessions):
    in_force(sessions, with_meetings(spring=("04-07", "04-30"), notice=3))
    page = re.sub(r"\s+", " ", text_of(kari.get("/arbeid/handbok")))
    assert "<th scope=\"row\">Vårmøte</th><td>7. april–30. april</td><td>1. mars–31. mai</td>" in page
    assert "<th scope=\"row\">Høstmøte</th><td>1. september–30. november</td>" in page
    assert "Minste varsel før et møte</th><td>3 virkedager</td><td>5 virkedager</td>" in page


def test_the_form_edits_the_windows_and_the_notice(kari, sessions):
    data = form_fields(kari)
    assert (data["meetings-spring_window-from"], data["meetings-spring_window-to"]) == ("01.03", "31.05")
    assert (data["meetings-autumn_window-from"], data["meetings-minimum_notice_days"]) == ("01.09", "5")
    data |= {"meetings-spring_window-from": "15.3", "meetings-minimum_notice_days": "3"}
    preview = kari.post(EDIT + "/skjema", data=data)
    assert preview.status_code == 200, text_of(preview)
    yaml = hidden(preview.get_data(as_text=True), "yaml")
    assert 'from: "03-15"' in yaml and "minimum_notice_days: 3" in yaml
    assert "# Møter i samarbeidsutvalget" in yaml  # the comments are kept
    assert save_from(kari, preview).status_code == 303
    with sessions() as session:
        meetings = current_handbook(session)[1].meetings
    assert (meetings.windows["spring"], meetings.minimum_notice_days) == (((3, 15), (5, 31)), 3)
    assert "15. mars–31. mai" in text_of(kari.get("/arbeid/handbok"))


def test_the_form_adds_the_section_to_an_older_version_without_it(kari, sessions):
    in_force(sessions, WITHOUT_SECTION)
    data = form_fields(kari)
    assert data["meetings-minimum_notice_days"] == "5"  # the default shown
    preview = kari.post(EDIT + "/skjema", data=data | {"meetings-autumn_window-to": "31.10"})
    assert preview.status_code == 200, text_of(preview)
    yaml = hidden(preview.get_data(as_text=True), "yaml")
    assert yaml.startswith(WITHOUT_SECTION)
    assert parse_handbook(yaml).meetings.windows["autumn"] == ((9, 1), (10, 31))
    assert "minimum_notice_days" not in yaml and "spring_window" not in yaml  # only what changed
    unchanged = kari.post(EDIT + "/skjema", data=data)
    assert "meetings" not in hidden(unchanged.get_data(as_text=True), "yaml")


@pytest.mark.parametrize(("changes", "status", "field", "message"), [
    ({"meetings-spring_window-to": "31.02"}, 400, "meetings-spring_window-to", "Skriv dag og måned som DD.MM"),
    ({"meetings-autumn_window-from": ""}, 400, "meetings-autumn_window-from", "Skriv dag og måned som DD.MM"),
    ({"meetings-minimum_notice_days": "15"}, 400, "meetings-minimum_notice_days",
     "Skriv et helt antall virkedager fra 1 til 14."),
    ({"meetings-minimum_notice_days": "fem"}, 400, "meetings-minimum_notice_days",
     "Skriv et helt antall virkedager fra 1 til 14."),
    ({"meetings-minimum_notice_days": ""}, 400, "meetings-minimum_notice_days",
     "Skriv et helt antall virkedager fra 1 til 14."),
    ({"meetings-minimum_notice_days": "11"}, 422, "meetings-minimum_notice_days",
     "må gi rom for møtet før fristen på 21 dager for et ønsket møte: høyst 10 virkedager"),
    ({"meetings-spring_window-to": "01.02"}, 422, "meetings-spring_window-to", 'må komme etter from ("03-01")'),
    ({"meetings-autumn_window-from": "01.05"}, 422, "meetings-autumn_window-from", "overlapper spring_window"),
    ({"meetings-autumn_window-from": "13.07", "meetings-autumn_window-to": "24.07"}, 422,
     "meetings-autumn_window-from", "ligger helt i fellesferien (uke 28–31)"),
])
def test_a_bad_meeting_value_in_the_form_is_shown_at_its_field(kari, sessions, changes, status, field, message):
    response = kari.post(EDIT + "/skjema", data=form_fields(kari) | changes)
    page = text_of(response)
    assert response.status_code == status
    summary = re.search(rf'<a class="ds-link" href="#{field}">([^<]*)</a>', page)
    assert summary and message in summary.group(1)
    at_field = page.split(f'id="{field}-feil"', 1)[1].split("</p>", 1)[0]
    assert message in at_field
    for name, value in changes.items():
        assert f'name="{name}" value="{value}"' in page  # the input is kept
    with sessions() as session:
        assert session.scalar(select(HandbookVersion.id).order_by(HandbookVersion.id.desc())) == 1


def test_a_bad_window_in_yaml_is_shown_at_its_line_in_bokmal(kari):
    text = with_meetings(autumn=("05-15", "11-30"))
    page = text_of(kari.post(EDIT + "/yaml", data={"csrf_token": csrf(kari, EDIT), "yaml": text, "grunnlag": "1"}))
    line = line_of(text, "autumn_window:")
    assert (f'href="#yaml">Linje {line}: meetings.autumn_window: overlapper spring_window ("03-01" til "05-31")'
            in page)
