"""Shared fixtures: settings, a migrated database emptied per test, the Flask app and client.

DATABASE_URL and REDIS_URL are used when set (CI sets them to the real PostgreSQL and Redis);
otherwise a SQLite file and an embedded Redis-protocol server.
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.intake import create_app
from shared.db import make_engine, make_sessionmaker
from shared.settings import Settings
from tests.support.database import fresh_schema, reset

VALID_COMPLAINT = {
    "cooperative_orgnr": "997273354",
    "category": "noise",
    "description": "Det bråker hver natt fra leilighet 3B, også etter klokken 23.",
    "submitter": {"name": "Kari Styreleder", "email": "kari@example.org", "role": "board"},
}


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    database_url = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'samhandling.db'}"
    )
    settings = Settings.from_env({**os.environ, "DATABASE_URL": database_url, "APP_ENV": "development"})
    # Tests post hundreds of complaints from one address; the rate-limit test sets its own.
    settings = settings.with_overrides(
        rate_limit_submissions="100000 per minute", rate_limit_storage="memory://"
    )
    fresh_schema(settings)
    return settings


@pytest.fixture(scope="session")
def engine(base_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(base_settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    reset(engine)
    return make_sessionmaker(engine)


@pytest.fixture
def settings(base_settings: Settings, sessions: sessionmaker[Session]) -> Settings:
    return base_settings


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    app.config["TESTING"] = True
    yield app
    app.extensions["engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def browsers(app: Flask, sessions: sessionmaker[Session], settings: Settings):
    """browsers(email): a new browser (test client) signed in to the workspace as that contact,
    through the real form, link and button (tests/support/workspace.sign_in_as)."""
    from tests.support.workspace import sign_in_as

    def signed_in_as(email: str) -> FlaskClient:
        browser = app.test_client()
        sign_in_as(browser, sessions, settings, email)
        return browser

    return signed_in_as


@pytest.fixture
def complaint() -> dict:
    return {**VALID_COMPLAINT, "submitter": dict(VALID_COMPLAINT["submitter"])}


@pytest.fixture
def tokens(sessions: sessionmaker[Session]) -> dict[str, str]:
    """A bearer token per party: a municipality, an association and a board contact, and a system."""
    from services.intake.tokens import create_token
    from shared.db import unit_of_work
    from shared.models import utcnow

    made = {}
    with unit_of_work(sessions) as session:
        for name, email in [("municipality", "kari.johansen@kommune.example"),
                            ("association", "anne.nilsen@bonord.example"),
                            ("cooperative", "styret.prestvannet@borettslag.example")]:
            made[name], _ = create_token(session, now=utcnow(), contact_email=email)
        made["system"], _ = create_token(session, now=utcnow(), system="fagsystem", party="system")
    return made
