"""/arbeid/tilgang (issue 13): the party's integration tokens, shown once, revoked within the party;
an audit log of sign-ins, token events and handbook changes."""
from __future__ import annotations

import re

from sqlalchemy import select

from shared.db import unit_of_work
from shared.handbook import DEFAULT_PATH
from shared.handbook_versions import save_handbook
from shared.models import ApiToken, utcnow
from tests.support.api import auth
from tests.support.workspace import csrf, sign_in_as

KARI = "kari.johansen@kommune.example"
ANNE = "anne.nilsen@bonord.example"
SECRET = re.compile(r'<code class="token-secret">(shd_[^<]+)</code>')


def make(client, name: str):
    return client.post("/arbeid/tilgang/tokens", data={"navn": name, "csrf_token": csrf(client, "/arbeid/tilgang")})


def test_a_token_is_shown_once_works_for_the_party_and_is_stored_hashed(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    made = make(client, "Fagsystem for kommunale boliger")
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    secret = SECRET.search(made.get_data(as_text=True)).group(1)
    # It acts for the municipality: it may send an acquisition notice (the association may not).
    assert client.get("/api/v1/cases", headers=auth(secret)).status_code == 200
    assert secret not in client.get("/arbeid/tilgang").get_data(as_text=True)
    with sessions() as session:
        row = session.execute(select(ApiToken)).scalar_one()
    assert (row.party, row.contact_email, row.created_by) == ("municipality", None, KARI)
    assert secret not in row.token_hash


def test_revoking_works_within_the_party_only(app, client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    secret = SECRET.search(make(client, "Boligsystem").get_data(as_text=True)).group(1)
    with sessions() as session:
        token_id = session.execute(select(ApiToken.id)).scalar_one()
    other = app.test_client()
    sign_in_as(other, sessions, settings, ANNE)
    refused = other.post(f"/arbeid/tilgang/tokens/{token_id}/trekk-tilbake",
                         data={"csrf_token": csrf(other, "/arbeid/tilgang")}, follow_redirects=True)
    assert "Fant ikke et aktivt token for din part" in refused.get_data(as_text=True)
    assert "Boligsystem" not in other.get("/arbeid/tilgang").get_data(as_text=True)
    assert client.get("/api/v1/cases", headers=auth(secret)).status_code == 200
    done = client.post(f"/arbeid/tilgang/tokens/{token_id}/trekk-tilbake",
                       data={"csrf_token": csrf(client, "/arbeid/tilgang")}, follow_redirects=True)
    assert "Tokenet er trukket tilbake." in done.get_data(as_text=True)
    assert client.get("/api/v1/cases", headers=auth(secret)).status_code == 401


def test_a_bad_name_is_a_field_message(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    for name, message in [("", "Skriv hva tokenet skal brukes til"), ("x" * 101, "høyst 100 tegn"),
                          ("a\u200bb", "kontrolltegn")]:
        response = make(client, name)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    with sessions() as session:
        assert session.execute(select(ApiToken)).first() is None


def test_the_log_shows_sign_ins_tokens_and_handbook_changes(client, sessions, settings):
    sign_in_as(client, sessions, settings, KARI)
    make(client, "Boligsystem")
    with unit_of_work(sessions) as session:
        save_handbook(session, DEFAULT_PATH.read_text(encoding="utf-8").replace("acknowledge_days: 2",
                                                                               "acknowledge_days: 3", 1),
                      ANNE, utcnow())
    page = client.get("/arbeid/tilgang").get_data(as_text=True)
    assert "Logget inn</td><td>Kari Johansen (kari.johansen@kommune.example)" in page
    assert f"API-token opprettet: Boligsystem</td><td>{KARI}" in page
    assert "Rutinehåndboken lagret (versjon" in page and ANNE in page


def test_committee_members_and_signed_out_users_have_no_access(client, sessions, settings):
    assert client.get("/arbeid/tilgang").status_code == 303
    sign_in_as(client, sessions, settings, "styret.fjellheisen@borettslag.example")
    assert client.get("/arbeid/tilgang").status_code == 403
