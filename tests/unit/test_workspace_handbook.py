"""/arbeid/handbok in the staff workspace (issue 13): the handbook as tables, edited in the form or as
YAML with each error at its field or line, the diff and routing preview, saving as a new version with
its author, the 409 for a stale preview, restoring an old version, and who may do what."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from shared.db import unit_of_work
from shared.handbook import DEFAULT_PATH
from shared.handbook_versions import current_handbook, save_handbook
from shared.models import HandbookVersion, utcnow
from tests.support.workspace import csrf, sign_in_as

KARI = "kari.johansen@kommune.example"
PER = "per.hansen@bonord.example"
BOARD_MEMBER = "styret.fjellheisen@borettslag.example"
SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")
EDIT = "/arbeid/handbok/endre"


@pytest.fixture
def kari(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    return client


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page, re.DOTALL)
    assert match, f"no {name} on the page"
    return html.unescape(match.group(1))


def form_fields(client) -> dict[str, object]:
    """The edit form's fields as the page fills them in (selected options, checked boxes, values)."""
    page = client.get(EDIT).get_data(as_text=True)
    form = page.split('action="/arbeid/handbok/endre/skjema"', 1)[1].split("</form>", 1)[0]
    data: dict[str, object] = {"csrf_token": hidden(page, "csrf_token"), "grunnlag": hidden(form, "grunnlag")}
    texts = re.findall(r'<input class="ds-input[^"]*" type="text"[^>]*name="([^"]+)" value="([^"]*)"', form)
    for name, value in texts:
        data[name] = value
    selects = re.findall(r'<select class="ds-input" id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', form, re.DOTALL)
    for select_name, body in selects:
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[select_name] = chosen.group(1) if chosen else ""
    for name, value in re.findall(r'type="checkbox" id="[^"]+" name="([^"]+)" value="([^"]+)" checked', form):
        data.setdefault(name, [])
        data[name].append(value)  # type: ignore[union-attr]
    return data


def post_yaml(client, yaml: str):
    return client.post(EDIT + "/yaml", data={"csrf_token": csrf(client, EDIT), "yaml": yaml, "grunnlag": "1"})


def save_from(client, preview, note: str = ""):
    """Press "Lagre som ny versjon" on the preview `preview` (a response) answered."""
    page = preview.get_data(as_text=True)
    return client.post("/arbeid/handbok/lagre", data={
        "csrf_token": hidden(page, "csrf_token"), "skjema": hidden(page, "skjema"),
        "grunnlag": hidden(page, "grunnlag"), "yaml": hidden(page, "yaml"), "beskrivelse": note})


def versions(sessions) -> list[tuple[int, str, str]]:
    with sessions() as session:
        rows = session.scalars(select(HandbookVersion).order_by(HandbookVersion.id))
        return [(v.id, v.created_by, v.summary) for v in rows]


def test_the_read_page_shows_the_rules_in_force_with_version_and_author(kari):
    page = text(kari.get("/arbeid/handbok"))
    assert "Versjon 1, lagret av fil" in page
    assert "kommunens kontaktperson for boligbyggelaget <code>municipality.main_contact</code>" in page
    assert "<td>2 virkedager</td>" in page and "<td>20 virkedager</td>" in page and "75 % av tiden" in page
    assert "Minste varsel før et møte</th><td>5 virkedager" in page and "Vårmøte" in page
    assert "<code>complaint_notification</code>" in page and "Støy" in page
    assert 'href="/arbeid/handbok"' in text(kari.get("/arbeid"))  # the nav line


def test_a_form_edit_previews_the_diff_and_routing_then_saves_a_version_with_the_author(kari, sessions):
    data = form_fields(kari)
    assert data["complaint-acknowledge_days"] == "2" and data["complaint-copies"] == ["association.case_officer"]
    data |= {"complaint-acknowledge_days": "3", "complaint-payment-primary": "association.case_officer"}
    response = kari.post(EDIT + "/skjema", data=data)
    page = text(response)
    assert response.status_code == 200 and "Ingenting er lagret ennå." in page
    # The diff: the removed and the added line, marked in words.
    assert re.search(r"Fjernet</span></td>\s*<td><code class=\"handbook-line\">− +acknowledge_days: 2</code>", page)
    assert re.search(r"Lagt til</span></td>\s*<td><code class=\"handbook-line\">\+ +acknowledge_days: 3</code>", page)
    assert "primary: association.case_officer" in hidden(response.get_data(as_text=True), "yaml")
    assert "# klage: kommunen svarer" in hidden(response.get_data(as_text=True), "yaml")  # the comments are kept
    # The routing: payment complaints from Per Hansen's borettslag go to him after, to Kari before.
    payment = page.split("<td>Betaling</td>", 1)[1].split("</tr>", 1)[0]
    before, after = payment.split("</td>")[:2]
    assert "Kari Johansen (kommunens kontaktperson" in before and "Per Hansen (boligbyggelagets saksbehandler" in after
    assert "Endret" in payment
    noise = page.split("<td>Støy</td>", 1)[1].split("</tr>", 1)[0]
    assert "Nei" in noise
    assert versions(sessions) == [(1, "fil", "Første versjon.")]  # nothing stored by the preview

    saved = save_from(kari, response, note="Betaling til boligbyggelaget")
    assert saved.status_code == 303 and saved.headers["Location"] == "/arbeid/handbok/versjoner"
    (_, _, _), (number, author, summary) = versions(sessions)
    assert (number, author) == (2, KARI)
    assert summary.startswith("Betaling til boligbyggelaget — ") and "complaint.acknowledge_days: 2 → 3" in summary
    listed = text(kari.get("/arbeid/handbok/versjoner"))
    assert "Versjon 2 av håndboka er lagret" in listed and "Kari Johansen" in listed and "Gjelder nå" in listed
    with sessions() as session:
        assert current_handbook(session)[1].rule_for("complaint", "payment").primary == "association.case_officer"


def test_a_bad_value_in_the_form_is_shown_at_its_field_with_the_input_kept(kari, sessions):
    data = form_fields(kari) | {"sublet-resolve_days": "tjue", "complaint-reminder_fraction": "1,5"}
    response = kari.post(EDIT + "/skjema", data=data)
    page = text(response)
    assert response.status_code == 400
    assert ('<a class="ds-link" href="#sublet-resolve_days">Framleie: frist for å løse saken (virkedager): '
            "Skriv et helt antall") in page
    assert ('href="#complaint-reminder_fraction">Klage: påminnelse (andel av fristen): '
            "Skriv et tall mellom 0 og 1") in page
    assert 'id="sublet-resolve_days-feil"' in page
    assert 'aria-describedby="sublet-res-hjelp sublet-resolve_days-feil"' in page
    assert 'name="sublet-resolve_days" value="tjue"' in page and 'value="1,5"' in page
    assert len(versions(sessions)) == 1


def test_acknowledge_after_resolve_in_the_form_is_refused_at_the_field_the_handbook_names(kari):
    data = form_fields(kari) | {"complaint-acknowledge_days": "25"}
    response = kari.post(EDIT + "/skjema", data=data)
    page = text(response)
    assert response.status_code == 422
    assert ('href="#complaint-acknowledge_days">Klage: frist for kvittering (virkedager): '
            "acknowledge_days (25) må være mindre enn resolve_days (20)") in page


def test_a_board_as_primary_in_the_form_is_refused_at_its_field(kari):
    data = form_fields(kari) | {"complaint-noise-primary": "cooperative.board"}
    response = kari.post(EDIT + "/skjema", data=data)
    assert response.status_code == 422
    assert ('href="#complaint-noise-primary">Klage om støy: ansvarlig: '
            "cooperative.board kan ikke være primary") in text(response)


def test_yaml_with_a_syntax_error_is_shown_at_its_line_with_the_text_kept(kari, sessions):
    broken = SHIPPED.replace("      acknowledge_days: 2\n", "      acknowledge_days: [2\n", 1)
    line = broken.splitlines().index("      acknowledge_days: [2") + 1
    response = post_yaml(kari, broken)
    page = text(response)
    assert response.status_code == 422
    summary = re.search(r'<a class="ds-link" href="#yaml">Linje (\d+): YAML-syntaksfeil', page)
    assert summary and abs(int(summary.group(1)) - line) <= 1
    assert "acknowledge_days: [2" in page.split('id="yaml-feil"', 1)[1].split("</textarea>", 1)[0]
    assert 'aria-describedby="yaml-hjelp yaml-feil" aria-invalid="true">' in page
    assert len(versions(sessions)) == 1


def test_yaml_with_a_schema_error_is_shown_at_its_line_with_the_lines_text(kari):
    broken = SHIPPED.replace("resolve_days: 20\n      templates:\n        notification: complaint",
                             "resolve_days: tjue\n      templates:\n        notification: complaint", 1)
    line = broken.splitlines().index("      resolve_days: tjue") + 1
    page = text(post_yaml(kari, broken))
    assert (f'href="#yaml">Linje {line}: case_types.complaint.default.resolve_days: må være et helt antall '
            "virkedager fra 1 til 250") in page
    assert f'<li>Linje {line}: case_types.complaint.default.resolve_days' in page
    assert '<code class="handbook-line">      resolve_days: tjue</code>' in page
    assert "resolve_days: tjue" in page.split('id="yaml"', 1)[1]  # the user's text is kept


def test_a_board_as_primary_in_yaml_is_refused_at_its_line_as_the_api_does(kari, client, tokens):
    broken = SHIPPED.replace("      primary: municipality.main_contact\n      copies: [association.case_officer]",
                             "      primary: cooperative.board\n      copies: [association.case_officer]", 1)
    line = broken.splitlines().index("      primary: cooperative.board") + 1
    response = post_yaml(kari, broken)
    assert response.status_code == 422
    assert (f'href="#yaml">Linje {line}: case_types.complaint.default.primary: '
            "cooperative.board kan ikke være primary") in text(response)
    api = client.put("/api/v1/handbook", json={"yaml": broken},
                     headers={"Authorization": f"Bearer {tokens['municipality']}"})
    assert api.status_code == 422 and api.get_json()["error"]["fields"]["yaml"][0].startswith(f"line {line}: ")


def test_a_stale_preview_answers_409_and_shows_what_changed(kari, sessions):
    data = form_fields(kari) | {"sublet-resolve_days": "15"}
    preview = kari.post(EDIT + "/skjema", data=data)
    with unit_of_work(sessions) as session:  # someone else saves meanwhile
        save_handbook(session, SHIPPED.replace("acknowledge_days: 2\n", "acknowledge_days: 1\n", 1),
                      PER, utcnow(), note="Raskere kvittering")
    stale = save_from(kari, preview)
    again = text(stale)
    assert stale.status_code == 409 and "Håndboka er endret mens du arbeidet" in again
    assert "Versjon 2, lagret av Per Hansen" in again and "Raskere kvittering" in again
    assert "complaint.acknowledge_days: 2 → 1" in again
    assert [v[0] for v in versions(sessions)] == [1, 2]
    # The preview is now against version 2; saving it again stores version 3 (and undoes Per's change, as shown).
    assert hidden(again, "grunnlag") == "2" and "acknowledge_days: 1" in again
    assert save_from(kari, stale).status_code == 303
    assert [v[:2] for v in versions(sessions)] == [(1, "fil"), (2, PER), (3, KARI)]


def test_the_version_page_shows_the_diff_and_restores_through_the_preview(kari, sessions):
    with unit_of_work(sessions) as session:
        current_handbook(session)
        longer = SHIPPED.replace("resolve_days: 20\n      templates:\n        notification: complaint",
                                 "resolve_days: 30\n      templates:\n        notification: complaint", 1)
        save_handbook(session, longer, PER, utcnow())
    page = text(kari.get("/arbeid/handbok/versjoner/2"))
    assert "Forskjell fra versjon 1" in page and "Per Hansen" in page
    assert re.search(r"Fjernet</span></td>\s*<td><code class=\"handbook-line\">− +resolve_days: 20", page)
    assert re.search(r"Lagt til</span></td>\s*<td><code class=\"handbook-line\">\+ +resolve_days: 30", page)
    assert "Gjenopprett som ny versjon" not in page  # version 2 is in force
    old = text(kari.get("/arbeid/handbok/versjoner/1"))
    preview = kari.post("/arbeid/handbok/versjoner/1/gjenopprett", data={"csrf_token": hidden(old, "csrf_token")})
    shown = text(preview)
    raw = preview.get_data(as_text=True)
    assert preview.status_code == 200 and hidden(raw, "yaml") == SHIPPED
    note = re.search(r'id="beskrivelse" name="beskrivelse"[^>]* value="([^"]*)"', raw)
    assert note and note.group(1) == "Gjenopprettet fra versjon 1."
    assert re.search(r"Fjernet</span></td>\s*<td><code class=\"handbook-line\">− +resolve_days: 30", shown)
    assert save_from(kari, preview, note=note.group(1)).status_code == 303
    number, author, summary = versions(sessions)[-1]
    assert (number, author) == (3, KARI) and summary.startswith("Gjenopprettet fra versjon 1.")
    with sessions() as session:
        assert session.get(HandbookVersion, 3).source == SHIPPED


def test_unknown_version_is_404(kari):
    assert kari.get("/arbeid/handbok/versjoner/99").status_code == 404


def test_a_committee_member_gets_403_and_no_nav_link(client, sessions, settings):
    sign_in_as(client, sessions, settings, BOARD_MEMBER)
    for path in ("/arbeid/handbok", EDIT, "/arbeid/handbok/versjoner", "/arbeid/handbok/versjoner/1"):
        assert client.get(path).status_code == 403, path
    token = csrf(client, "/arbeid/moter")  # /arbeid sends a committee member to the meetings
    assert client.post(EDIT + "/yaml", data={"csrf_token": token, "yaml": SHIPPED}).status_code == 403
    assert client.post("/arbeid/handbok/lagre", data={"csrf_token": token, "yaml": SHIPPED}).status_code == 403
    assert "/arbeid/handbok" not in client.get("/arbeid/moter").get_data(as_text=True)


def test_the_association_may_edit_as_the_api_allows(client, sessions, settings):
    sign_in_as(client, sessions, settings, PER)
    data = form_fields(client) | {"meeting_request-primary": "association.leader"}
    assert save_from(client, client.post(EDIT + "/skjema", data=data)).status_code == 303
    assert versions(sessions)[-1][:2] == (2, PER)


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get("/arbeid/handbok/versjoner")
    assert response.status_code == 303 and "/logg-inn?neste=/arbeid/handbok/versjoner" in response.headers["Location"]


def test_an_unchanged_form_previews_nothing_to_save_and_keeps_the_text(kari):
    response = kari.post(EDIT + "/skjema", data=form_fields(kari))
    page = text(response)
    assert response.status_code == 200 and "Teksten er lik versjon 1, så det er ingenting å lagre." in page
    assert "Lagre som ny versjon" not in page
    assert hidden(response.get_data(as_text=True), "yaml") == SHIPPED  # every comment, quote and null as written


def test_the_routing_preview_follows_the_borettslag_chosen(kari):
    data = form_fields(kari) | {"complaint-primary": "association.case_officer"}
    first = kari.post(EDIT + "/skjema", data=data).get_data(as_text=True)
    again = kari.post("/arbeid/handbok/forhandsvis", data={
        "csrf_token": hidden(first, "csrf_token"), "grunnlag": hidden(first, "grunnlag"),
        "yaml": hidden(first, "yaml"), "borettslag": "942474601"})  # Fjellheisen: Anne Nilsen
    page = text(again)
    assert again.status_code == 200 and "For en sak fra Fjellheisen borettslag (942474601)" in page
    row = page.split("<td>Alle (standard)</td>", 1)[1].split("</tr>", 1)[0]
    assert "Kari Johansen" in row.split("</td>")[0] and "Anne Nilsen (boligbyggelagets saksbehandler" in row
    back = kari.post("/arbeid/handbok/forhandsvis", data={
        "csrf_token": hidden(first, "csrf_token"), "grunnlag": "1", "yaml": "format: 1\n", "tilbake": "1"})
    assert back.status_code == 200 and ">format: 1\n</textarea>" in back.get_data(as_text=True)
