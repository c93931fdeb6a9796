"""SECRET_KEY outside development: no shipped placeholder, no short key, a start-up error that
says how to make one; and docker-compose refuses to run without one."""
from __future__ import annotations

import secrets
import shutil
import subprocess

import pytest
from ruamel.yaml import YAML

from shared.settings import DEV_SECRET, PROJECT_ROOT, Settings, SettingsError

MAKE_ONE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'


def _shipped_placeholders() -> set[str]:
    """The values .env.example and docker-compose.yml ship, read from the files themselves."""
    found = {DEV_SECRET, "change-me-in-production", "changeme", "secret"}
    for line in (PROJECT_ROOT / ".env.example").read_text().splitlines():
        if line.startswith("SECRET_KEY="):
            found.add(line.split("=", 1)[1])
    compose = YAML(typ="safe", pure=True).load((PROJECT_ROOT / "docker-compose.yml").read_text())
    value = str(compose["x-env"]["SECRET_KEY"])
    if "-" in value and ":?" not in value:  # ${SECRET_KEY-default} or ${SECRET_KEY:-default}
        found.add(value.split("-", 1)[1].rstrip("}"))
    return {value for value in found if value}


@pytest.mark.parametrize("placeholder", sorted(_shipped_placeholders()))
def test_production_refuses_placeholder_keys(placeholder):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"APP_ENV": "production", "SECRET_KEY": placeholder})
    message = str(refused.value)
    assert "SECRET_KEY" in message and MAKE_ONE in message


@pytest.mark.parametrize("key", ["CHANGE-ME-IN-PRODUCTION", "  changeme  "])
def test_placeholders_are_refused_whatever_their_case_or_spaces(key):
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"APP_ENV": "staging", "SECRET_KEY": key})


def test_production_refuses_short_and_missing_keys():
    short = secrets.token_urlsafe(48)[:31]
    for env in ({"APP_ENV": "production", "SECRET_KEY": short}, {"APP_ENV": "production"}):
        with pytest.raises(SettingsError) as refused:
            Settings.from_env(env)
        assert "SECRET_KEY" in str(refused.value) and MAKE_ONE in str(refused.value)


def test_production_accepts_a_generated_key_and_development_keeps_its_default():
    key = secrets.token_urlsafe(48)
    assert Settings.from_env({"APP_ENV": "production", "SECRET_KEY": key}).secret_key == key
    assert Settings.from_env({"APP_ENV": "development"}).secret_key == DEV_SECRET
    assert Settings.from_env({"APP_ENV": "development", "SECRET_KEY": "short"}).secret_key == "short"


def test_settings_built_in_code_are_checked_too():
    """with_overrides cannot carry the development key into production."""
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings().with_overrides(environment="production")
    key = secrets.token_urlsafe(48)
    assert Settings().with_overrides(environment="production", secret_key=key).secret_key == key


def _compose_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("docker-compose")
    if binary is None:
        pytest.skip("docker-compose is not installed")
    return subprocess.run([binary, "-f", str(PROJECT_ROOT / "docker-compose.yml"), "config", "-q"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_compose_without_a_secret_key_fails_saying_how_to_make_one():
    import os

    env = {name: value for name, value in os.environ.items() if name != "SECRET_KEY"}
    result = _compose_config(env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and ".env" in result.stderr
    assert "secrets.token_urlsafe(48)" in result.stderr
    empty = _compose_config({**env, "SECRET_KEY": ""})  # .env copied from the example, not filled in
    assert empty.returncode != 0 and "SECRET_KEY" in empty.stderr
