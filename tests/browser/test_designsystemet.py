"""Every public page wears Designsystemet: its stylesheets load under the real Content-Security-Policy,
the theme's typeface (served from here) and the components' styles apply, and the browser reports
no CSP violation."""
from __future__ import annotations

from typing import Any

import pytest

from tests.browser.test_accessibility import fill_valid_form
from tests.browser.test_content_security_policy import Violations
from tests.unit.test_action_links import link_path
from tests.unit.test_routing import route, submit

pytestmark = pytest.mark.browser

STYLESHEETS = ("designsystemet/theme-digdir.css", "designsystemet/designsystemet.css", "samhandling.css")

# What the page computes, next to what Designsystemet's own tokens say it should be. A probe element
# (styled through the CSSOM, which the policy allows) turns a colour token into the browser's rgb() form.
DESIGN = """async () => {
  await document.fonts.ready;
  const root = getComputedStyle(document.documentElement);
  const token = name => root.getPropertyValue(name).trim();
  const colour = name => {
    const probe = document.createElement('span');
    probe.style.color = `var(${name})`;
    document.body.append(probe);
    const value = getComputedStyle(probe).color;
    probe.remove();
    return value;
  };
  const h1 = document.querySelector('h1');
  const button = document.querySelector('.ds-button');
  return {
    sheets: [...document.styleSheets].filter(s => s.href && s.cssRules.length > 0)
                                     .map(s => new URL(s.href).pathname),
    themeFont: token('--ds-font-family'),
    bodyFont: getComputedStyle(document.body).fontFamily,
    fontsLoaded: [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family),
    h1Class: h1.className,
    h1Weight: getComputedStyle(h1).fontWeight,
    headingWeight: token(`--ds-heading-${h1.dataset.size || 'md'}-font-weight`),
    button: button && getComputedStyle(button).backgroundColor,
    accent: colour('--ds-color-accent-base-default'),
  };
}"""


def assert_designsystemet(page: Any, what: str) -> None:
    design = page.evaluate(DESIGN)
    for sheet in STYLESHEETS:
        assert any(path.endswith("/static/" + sheet) for path in design["sheets"]), (what, sheet, design)
    assert design["themeFont"], f"{what}: the Digdir theme's tokens are missing"
    assert design["bodyFont"].startswith(design["themeFont"]), (what, design)
    assert design["themeFont"] in design["fontsLoaded"], f"{what}: the theme's typeface is not served"
    assert "ds-heading" in design["h1Class"].split(), (what, design)
    assert design["h1Weight"] == design["headingWeight"] != "700", (what, design)  # not the browser's bold
    if design["button"] is not None:
        assert design["button"] == design["accent"] != "rgba(0, 0, 0, 0)", (what, design)


@pytest.fixture
def action_path(sessions, settings, complaint) -> str:
    """A signed e-mail link that lets the main contact acknowledge a routed complaint."""
    case_id = submit(sessions, complaint)
    route(sessions, case_id)
    return link_path(sessions, settings, case_id, "acknowledge")


def test_every_public_page_loads_designsystemet_without_csp_violations(server, page, action_path):
    violations = Violations(page)
    seen = []

    def check(what: str) -> None:
        page.wait_for_load_state("load")  # the stylesheets, not only the element waited for
        assert_designsystemet(page, what)
        seen.append(what)

    page.goto(server.url + "/")
    check("the complaint form")
    page.get_by_role("button", name="Send klagen").click()
    page.get_by_role("alert").wait_for()
    check("the form with errors")
    fill_valid_form(page)
    page.get_by_role("button", name="Send klagen").click()
    page.locator(".reference").wait_for()
    check("the receipt")
    page.get_by_role("link", name="Se status for sak").click()
    page.locator(".status").wait_for()
    check("the tracking page")

    page.goto(server.url + action_path)
    check("an e-mail action's confirmation")
    page.get_by_role("button", name="Bekreft: ta saken").click()
    page.get_by_role("heading", name="Du har tatt saken").wait_for()
    check("an e-mail action done")
    page.goto(server.url + action_path)
    page.get_by_role("heading", name="Lenken er allerede brukt").wait_for()
    check("a used e-mail action link")

    for path in ("/sak/" + "x" * 43, "/finnes-ikke", "/handling/ugyldig", "/api/docs", "/samsvar/2027",
                 "/logg-inn"):
        page.goto(server.url + path)
        check(path)

    assert len(seen) == 13
    assert violations.found() == []
