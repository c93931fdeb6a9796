"""The real pages under their Content-Security-Policy in chromium: our css loads and applies,
no violation is reported, and the policy is really enforced (an inline script is refused)."""
from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_accessibility import fill_valid_form

pytestmark = pytest.mark.browser

# Installed before any page script could run; records what the browser itself reports.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', event => window.__cspViolations.push(
  event.violatedDirective + ' ' + (event.blockedURI || 'inline')));
"""
HEADER_BACKGROUND = "rgb(243, 244, 244)"  # .site-header in samhandling.css: the theme's neutral tinted background


class Violations:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda message: self.console.append(message.text)
                if "Content Security Policy" in message.text else None)

    def found(self) -> list[str]:
        return self.console + self.page.evaluate("window.__cspViolations")


def css_applied(page: Any) -> bool:
    page.wait_for_load_state("load")  # after a click, the new page's stylesheets may still be loading
    return page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor") == HEADER_BACKGROUND


def test_pages_load_their_css_without_csp_violations(server, page):
    violations = Violations(page)
    response = page.goto(server.url + "/klage")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert css_applied(page)
    fill_valid_form(page)
    page.get_by_role("button", name="Send klagen").click()  # form-action 'self', then a redirect
    page.locator(".reference").wait_for()
    assert css_applied(page)
    page.get_by_role("link", name="Se status for sak").click()
    page.locator(".status").wait_for()
    assert css_applied(page)
    for path in ("/api/docs", "/finnes-ikke"):
        page.goto(server.url + path)
        assert css_applied(page), path
    assert violations.found() == []


def test_the_policy_is_enforced(server, page):
    violations = Violations(page)
    page.goto(server.url + "/klage")
    try:
        page.add_script_tag(content="window.__injected = true;")
    except Exception:
        pass  # Playwright may report the refused script itself
    assert page.evaluate("window.__injected === undefined")
    assert any("script-src" in found for found in violations.found())
