"""The handbook per agreement (SPEC §8) in the workspace and the API: each agreement reads, edits,
previews, restores and lists only its own versions; another agreement's handbook answers 404.

Kari Johansen is in agreement 1 only, Siri Eriksen in 2 only, Ola Berg in 1 and 2.
"""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from shared.db import unit_of_work
from shared.demo import MORE_AGREEMENTS, load_demo
from shared.handbook import DEFAULT_PATH
from shared.handbook_versions import current_handbook, newest_version, save_handbook
from shared.models import HandbookVersion, utcnow
from tests.support.workspace import csrf, sign_in_as
from tests.unit.test_agreement_visibility import token

KARI, SIRI, OLA = "kari.johansen@kommune.example", "siri.eriksen@kommune.example", "ola.berg@kommune.example"
SHIPPED = DEFAULT_PATH.read_text(encoding="utf-8")
LONGER = SHIPPED.replace("resolve_days: 20\n      templates:\n        notification: complaint",
                         "resolve_days: 30\n      templates:\n        notification: complaint", 1)


@pytest.fixture
def versions_of_two(sessions) -> dict[int, list[int]]:
    """Both agreements' handbooks from the file, and a second version in agreement 1 (Kari's)."""
    with unit_of_work(sessions) as session:
        load_demo(session, MORE_AGREEMENTS)
        current_handbook(session, agreement_id=1)
        current_handbook(session, agreement_id=2)
        save_handbook(session, LONGER, KARI, utcnow(), agreement_id=1)
    return numbers(sessions)


def numbers(sessions) -> dict[int, list[int]]:
    with sessions() as session:
        found: dict[int, list[int]] = {}
        for version in session.scalars(select(HandbookVersion).order_by(HandbookVersion.id)):
            found.setdefault(version.agreement_id, []).append(version.id)
        return found


def page(client, path: str) -> str:
    """The page's HTML (attribute values still escaped, as hidden() reads them)."""
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.get_data(as_text=True).replace("&#39;", "'")


def hidden(text: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" value="([^"]*)"', text)
    return html.unescape(found.group(1)) if found else None


def save_from(client, preview: str):
    fields = {name: hidden(preview, name) for name in ("csrf_token", "skjema", "grunnlag", "yaml", "avtale")}
    return client.post("/arbeid/handbok/lagre", data={k: v for k, v in fields.items() if v is not None})


def test_a_contact_of_agreement_2_reads_its_own_handbook_and_versions(client, sessions, settings, versions_of_two):
    sign_in_as(client, sessions, settings, SIRI)
    read = page(client, "/arbeid/handbok")
    assert "Håndboka for avtalen mellom Tromsø kommune Boligkontoret og Ishavsbo." in read
    assert f"Versjon {versions_of_two[2][0]}, lagret av fil" in read
    assert 'id="avtale"' not in read  # one agreement: nothing to choose
    listed = page(client, "/arbeid/handbok/versjoner")
    assert f"Versjon {versions_of_two[2][0]}" in listed
    assert all(f">Versjon {number}<" not in listed for number in versions_of_two[1])
    first = page(client, f"/arbeid/handbok/versjoner/{versions_of_two[2][0]}")
    assert "Første versjon: hele teksten" in first  # not a diff against agreement 1's version before it


def test_another_agreement_s_handbook_is_404_to_read_edit_restore_and_save(client, sessions, settings,
                                                                           versions_of_two):
    sign_in_as(client, sessions, settings, SIRI)
    kari_s = versions_of_two[1][-1]
    for path in ("/arbeid/handbok?avtale=1", "/arbeid/handbok/endre?avtale=1", "/arbeid/handbok/versjoner?avtale=1",
                 f"/arbeid/handbok/versjoner/{kari_s}", f"/arbeid/handbok/versjoner/{versions_of_two[1][0]}",
                 "/arbeid/handbok?avtale=99", "/arbeid/handbok?avtale=en"):
        assert client.get(path).status_code == 404, path
    token_ = csrf(client, "/arbeid/handbok/endre")
    assert client.post(f"/arbeid/handbok/versjoner/{versions_of_two[1][0]}/gjenopprett",
                       data={"csrf_token": token_}).status_code == 404
    saved = client.post("/arbeid/handbok/lagre", data={
        "csrf_token": token_, "skjema": "x" * 32, "grunnlag": str(kari_s), "yaml": SHIPPED, "avtale": "1"})
    assert saved.status_code == 404
    preview = client.post("/arbeid/handbok/endre/yaml", data={"csrf_token": token_, "yaml": LONGER, "avtale": "1"})
    assert preview.status_code == 404
    assert numbers(sessions) == versions_of_two


def test_a_contact_in_two_agreements_chooses_and_saves_in_the_one_chosen(client, sessions, settings,
                                                                        versions_of_two):
    sign_in_as(client, sessions, settings, OLA)
    first = page(client, "/arbeid/handbok")
    assert '<select class="ds-input" id="avtale" name="avtale">' in first
    assert '<option value="1" selected>' in first and '<option value="2">Tromsø kommune og Ishavsbo</option>' in first
    assert f"Versjon {versions_of_two[1][-1]}, lagret av Kari Johansen" in first

    second = page(client, "/arbeid/handbok?avtale=2")
    assert "Håndboka for avtalen mellom Tromsø kommune Boligkontoret og Ishavsbo." in second
    assert '/arbeid/handbok/endre?avtale=2' in second and '/arbeid/handbok/versjoner?avtale=2' in second

    edit = page(client, "/arbeid/handbok/endre?avtale=2")
    assert hidden(edit, "avtale") == "2" and hidden(edit, "grunnlag") == str(versions_of_two[2][0])
    preview = client.post("/arbeid/handbok/endre/yaml", data={
        "csrf_token": hidden(edit, "csrf_token"), "yaml": LONGER, "grunnlag": hidden(edit, "grunnlag"), "avtale": "2"})
    raw = preview.get_data(as_text=True)
    shown = html.unescape(raw)
    assert preview.status_code == 200 and hidden(raw, "avtale") == "2"
    # The routing preview offers agreement 2's companies only, and routes to its contacts.
    options = re.findall(r'<option value="(\d{9})"', shown)
    assert sorted(options) == ["914000009", "926345672", "938691347"]
    assert "Siri Eriksen (kommunens kontaktperson for boligbyggelaget)" in shown
    assert "Kari Johansen" not in shown

    saved = save_from(client, raw)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/arbeid/handbok/versjoner?avtale=2")
    after = numbers(sessions)
    assert after[1] == versions_of_two[1] and len(after[2]) == 2
    with sessions() as session:
        newest = newest_version(session, 2)
        assert newest is not None and newest.created_by == OLA and newest.source == LONGER
    listed = page(client, "/arbeid/handbok/versjoner?avtale=2")
    assert f"Versjon {after[2][-1]} av håndboka er lagret" in listed


def test_a_stale_base_from_another_agreement_is_not_saved(client, sessions, settings, versions_of_two):
    sign_in_as(client, sessions, settings, OLA)
    edit = page(client, "/arbeid/handbok/endre?avtale=2")
    stale = client.post("/arbeid/handbok/lagre", data={
        "csrf_token": hidden(edit, "csrf_token"), "skjema": "y" * 32, "grunnlag": str(versions_of_two[1][-1]),
        "yaml": LONGER, "avtale": "2"})
    assert stale.status_code == 409
    assert numbers(sessions) == versions_of_two


def test_a_named_contact_outside_the_agreement_is_refused_at_its_line(client, sessions, settings, versions_of_two):
    sign_in_as(client, sessions, settings, SIRI)
    named = SHIPPED.replace("primary: municipality.main_contact", f"primary: contact:{KARI}", 1)
    answer = client.post("/arbeid/handbok/endre/yaml", data={
        "csrf_token": csrf(client, "/arbeid/handbok/endre"), "yaml": named})
    assert answer.status_code == 422
    assert f"{KARI} er ikke med i avtale 2, som denne håndboka gjelder for" in html.unescape(
        answer.get_data(as_text=True))


def test_the_api_reads_and_saves_one_agreement_s_handbook(client, sessions, versions_of_two):
    siri, ola = token(sessions, SIRI), token(sessions, OLA)
    mine = client.get("/api/v1/handbook", headers=siri)
    assert mine.status_code == 200 and mine.get_json()["agreement"] == 2
    assert mine.get_json()["version"] == versions_of_two[2][0]
    assert client.get("/api/v1/handbook?agreement=1", headers=siri).status_code == 404
    assert client.get("/api/v1/handbook/versions?agreement=1", headers=siri).status_code == 404
    assert client.put("/api/v1/handbook?agreement=1", json={"yaml": LONGER}, headers=siri).status_code == 404

    several = client.get("/api/v1/handbook", headers=ola)
    assert several.status_code == 422 and "agreement" in several.get_json()["error"]["fields"]
    listed = client.get("/api/v1/handbook/versions?agreement=1", headers=ola).get_json()["items"]
    assert [item["id"] for item in listed] == versions_of_two[1][::-1]
    assert {item["agreement"] for item in listed} == {1}

    saved = client.put("/api/v1/handbook?agreement=2", json={"yaml": LONGER}, headers=ola)
    assert saved.status_code == 200 and saved.get_json()["agreement"] == 2
    assert numbers(sessions)[1] == versions_of_two[1]
