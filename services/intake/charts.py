"""Bar charts as server-rendered SVG, for pages that show the same numbers in a table beside them.

The table is what screen readers read; the chart is an image with a one-line summary (aria-label)
and hides its own text from them. Colours come from Designsystemet's palette and keep 3:1 against
white (WCAG 1.4.11); every bar is labelled with its number, so colour is never the only cue.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

# (label, fill) per series: success, danger, neutral from the Digdir theme, all ≥ 3:1 on white.
SERIES_COLOURS = ("#068718", "#c01b1b", "#5d6b7c", "#1e6dd6")
ROW_HEIGHT, BAR_HEIGHT, LABEL_WIDTH, WIDTH, LEGEND_HEIGHT = 34, 22, 190, 720, 30


@dataclass(frozen=True)
class Bar:
    label: str
    values: tuple[int, ...]  # one per series, stacked left to right


def stacked_bars(series: tuple[str, ...], bars: list[Bar], summary: str) -> Markup:
    """Horizontal stacked bars, one row per Bar, scaled to the largest total."""
    largest = max((sum(bar.values) for bar in bars), default=0) or 1
    plot = WIDTH - LABEL_WIDTH - 50
    height = LEGEND_HEIGHT + ROW_HEIGHT * len(bars) + 10
    parts = [f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
             f'role="img" aria-label="{escape(summary)}" focusable="false">',
             '<g aria-hidden="true" font-size="14" font-family="sans-serif">']
    x = LABEL_WIDTH
    for index, name in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        parts.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{colour}"/>'
                     f'<text x="{x + 20}" y="18" fill="#1a1a1a">{escape(name)}</text>')
        x += 30 + 8 * len(name)
    for row, bar in enumerate(bars):
        y = LEGEND_HEIGHT + row * ROW_HEIGHT
        parts.append(f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" fill="#1a1a1a">'
                     f'{escape(bar.label)}</text>')
        left = float(LABEL_WIDTH)
        for index, value in enumerate(bar.values):
            if value <= 0:
                continue
            width = plot * value / largest
            colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
            parts.append(f'<rect x="{left:.1f}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="{colour}"/>')
            left += width
        parts.append(f'<text x="{left + 6:.1f}" y="{y + 16}" fill="#1a1a1a">{sum(bar.values)}</text>')
    parts.append("</g></svg>")
    return Markup("".join(parts))
