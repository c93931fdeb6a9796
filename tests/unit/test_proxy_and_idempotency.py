"""Behind a reverse proxy: the real client address (TRUSTED_PROXIES), one rate-limit budget per
client, and anonymous Idempotency-Key retries that never hand one person's tracking link to
another."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from services.intake import create_app
from shared.models import Case
from shared.settings import Settings
from tests.support.api import auth
from tests.support.database import count
from tests.unit.test_staff_api import acquisition

COMPLAINTS = "/api/v1/complaints"


@pytest.fixture
def make_app(settings: Settings) -> Iterator:
    made: list[Flask] = []

    def make(**overrides: object) -> Flask:
        app = create_app(settings.with_overrides(**overrides))
        app.config["TESTING"] = True
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["engine"].dispose()


def post_from(client, forwarded_for: str, complaint: dict, **headers: str):
    return client.post(COMPLAINTS, json=complaint, headers={"X-Forwarded-For": forwarded_for, **headers})


def test_trusted_proxy_gives_each_client_its_own_submission_budget(make_app, complaint):
    client = make_app(trusted_proxies=1, rate_limit_submissions="1 per minute").test_client()
    assert post_from(client, "203.0.113.1", complaint).status_code == 201
    assert post_from(client, "203.0.113.1", complaint).status_code == 429
    assert post_from(client, "203.0.113.2", complaint).status_code == 201  # someone else, own budget


def test_without_trusted_proxies_forwarded_for_is_ignored(make_app, complaint):
    client = make_app(rate_limit_submissions="1 per minute").test_client()
    assert post_from(client, "203.0.113.1", complaint).status_code == 201
    # A spoofed header does not buy a fresh budget: the address is the connection's.
    assert post_from(client, "198.51.100.7", complaint).status_code == 429


def test_trusted_proxy_sets_scheme_and_client_address(make_app):
    app = make_app(trusted_proxies=1)

    @app.get("/_who")
    def who() -> dict[str, str]:
        from flask import request
        return {"addr": request.remote_addr or "", "scheme": request.scheme, "host": request.host}

    answer = app.test_client().get("/_who", headers={
        "X-Forwarded-For": "198.51.100.9, 203.0.113.5", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "klage.example.no"}).get_json()
    # One trusted hop: the address the proxy saw, never what the client wrote before it.
    assert answer == {"addr": "203.0.113.5", "scheme": "https", "host": "klage.example.no"}


# --- anonymous Idempotency-Key ---------------------------------------------------------------

def from_address(client, address: str, complaint: dict, key: str):
    return client.post(COMPLAINTS, json=complaint, headers={"Idempotency-Key": key},
                       environ_overrides={"REMOTE_ADDR": address})


def test_another_caller_with_the_same_key_and_body_never_gets_the_tracking_link(client, complaint, sessions):
    first = from_address(client, "203.0.113.1", complaint, "shared-key-1")
    second = from_address(client, "203.0.113.2", complaint, "shared-key-1")
    assert first.status_code == 201 and "tracking_url" in first.get_json()
    assert "tracking_url" not in second.get_json()
    assert first.get_json()["tracking_url"] not in second.get_data(as_text=True)
    assert count(sessions, Case) == 1  # still one case: the retry created nothing


def test_the_same_caller_retrying_gets_the_same_answer_and_no_second_case(client, complaint, sessions):
    first = from_address(client, "203.0.113.1", complaint, "retry-key")
    again = from_address(client, "203.0.113.1", complaint, "retry-key")
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(sessions, Case) == 1


@pytest.mark.parametrize("address", ["203.0.113.1", "203.0.113.2"])
def test_a_different_body_with_a_used_key_says_nothing_about_the_first(client, complaint, sessions, address):
    first = from_address(client, "203.0.113.1", complaint, "oracle-key")
    changed = {**complaint, "description": "En helt annen klage om trappevasken i oppgang B."}
    other = from_address(client, address, changed, "oracle-key")
    fresh = from_address(client, address, changed, "never-used-key")
    # Answered exactly as a key never seen: a new case of its own, nothing of the first.
    assert other.status_code == fresh.status_code == 201
    assert "Idempotent-Replayed" not in other.headers
    assert other.get_json()["reference"] != first.get_json()["reference"]
    assert other.get_json()["tracking_url"] != first.get_json()["tracking_url"]
    assert count(sessions, Case) == 3


def test_a_staff_key_reused_with_another_body_is_still_refused(client, tokens, sessions):
    notice = acquisition()
    headers = {**auth(tokens["municipality"]), "Idempotency-Key": "staff-key"}
    assert client.post("/api/v1/acquisitions", json=notice, headers=headers).status_code == 201
    again = client.post("/api/v1/acquisitions", json={**notice, "share_number": "13"}, headers=headers)
    assert again.status_code == 422  # a known caller reusing a key is a bug in its integration


def test_trusted_proxies_setting():
    from shared.settings import SettingsError

    assert Settings.from_env({}).trusted_proxies == 0
    assert Settings.from_env({"TRUSTED_PROXIES": "2"}).trusted_proxies == 2
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        Settings.from_env({"TRUSTED_PROXIES": "-1"})
