"""axe-core (npm, node_modules/) run inside the page for WCAG 2.1 A and AA rules."""
from __future__ import annotations

import json
from typing import Any

from shared.settings import PROJECT_ROOT

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Any, source: str) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now."""
    page.add_script_tag(content=source)
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(result =>
             result.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
               nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html,
                                         summary: n.failureSummary}))})))""",
        WCAG_AA,
    )


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        rule = f"{violation['id']} ({violation['impact']})"
        lines.append(f"- {rule}: {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            lines.append(f"    at {node['target']}: {node['html'][:160]}")
            lines.extend(f"      {line}" for line in (node["summary"] or "").splitlines())
    return "\n".join(lines) or json.dumps(violations)
