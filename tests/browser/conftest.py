"""A real intake server on a free port and Debian's chromium driven by Playwright.

Never downloads a browser: without /usr/bin/chromium (apt-get install chromium) the tests skip.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.intake import create_app
from shared.settings import PROJECT_ROOT, Settings
from tests.browser.axe import AXE
from tests.support.processes import IntakeServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def server(settings: Settings) -> Iterator[IntakeServer]:
    app = create_app(settings)
    server = IntakeServer(app).start()
    yield server
    server.stop()
    app.extensions["engine"].dispose()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    # axe-core goes in as an inline <script>, which the pages' Content-Security-Policy refuses
    # (as it should): only the accessibility tests, which ask for axe_source, bypass it.
    # Every other test, test_content_security_policy.py among them, runs under the real policy.
    bypass_csp = "axe_source" in request.fixturenames
    context = browser.new_context(locale="nb-NO", viewport={"width": 1024, "height": 800},
                                  bypass_csp=bypass_csp)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.skip(f"{AXE.relative_to(PROJECT_ROOT)} is missing; run `npm ci` in the project root")
    return AXE.read_text(encoding="utf-8")
