"""A stacked bar chart as inline SVG, drawn on the server (no JavaScript, nothing fetched)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

# Colours distinguishable with the common colour-vision deficiencies (Okabe–Ito palette).
PALETTE: Final = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    values: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.values.values())


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^k that is at least `value` (the scale's top)."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= value:
                return step * top
        top *= 10


def stacked_bars_svg(
    bars: Sequence[Bar],
    *,
    series: Sequence[str],
    title: str,
    width: int = 720,
    height: int = 260,
) -> str:
    """An accessible SVG (`role="img"`, a title, one `<title>` per bar segment) of `bars`,
    each stacked by `series` in that order, with a legend below. All text is escaped."""
    left, right, top, bottom, legend = 44, 8, 12, 40, 28
    plot_w = width - left - right
    plot_h = height - top - bottom - legend
    peak = _nice_ceiling(max((b.total for b in bars), default=0) or 1)
    slot = plot_w / max(len(bars), 1)
    bar_w = max(slot * 0.7, 1.0)
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(series)}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-labelledby="chart-title" class="chart">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for tick in (0, peak // 2, peak):
        y = top + plot_h - plot_h * tick / peak
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="#d0d5dc" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}</text>'
        )
    for index, bar in enumerate(bars):
        x = left + slot * index + (slot - bar_w) / 2
        y = top + plot_h
        for name in series:
            count = bar.values.get(name, 0)
            if count <= 0:
                continue
            h = plot_h * count / peak
            y -= h
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{colours[name]}"><title>{escape(bar.label)} · {escape(name)}: '
                f"{count}</title></rect>"
            )
        out.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
            f'font-size="10">{escape(bar.label)}</text>'
        )
        if bar.total:
            out.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'font-size="10">{bar.total}</text>'
            )
    legend_y = height - legend + 8
    x_legend = float(left)
    for name in series:
        out.append(
            f'<rect x="{x_legend:.1f}" y="{legend_y}" width="12" height="12" '
            f'fill="{colours[name]}"/><text x="{x_legend + 16:.1f}" y="{legend_y + 10}" '
            f'font-size="12">{escape(name)}</text>'
        )
        x_legend += 28 + 7.5 * len(name)
    out.append("</svg>")
    return "".join(out)
