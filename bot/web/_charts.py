"""Bar charts as server-rendered SVG: no script, no chart library, nothing from a CDN.

This module only computes geometry; ``templates/_chart.html`` draws it, so every label
goes through the templates' autoescaping like any other text.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, PAD = 720, 180, 24


@dataclass(frozen=True)
class Bar:
    """One bar: its label (a day) and value."""

    label: str
    value: float


@dataclass(frozen=True)
class DrawnBar:
    """A bar placed in the chart's coordinates, with its tooltip."""

    x: float
    y: float
    width: float
    height: float
    tip: str


@dataclass(frozen=True)
class Chart:
    """Everything the chart template needs: the frame, the bars, the axis labels."""

    title: str
    unit: str
    top: float
    bars: list[DrawnBar]
    first_label: str
    last_label: str
    width: int = WIDTH
    height: int = HEIGHT
    pad: int = PAD


def bar_chart(bars: list[Bar], *, title: str, unit: str) -> Chart:
    """A labelled bar chart; the tallest bar fills the height."""
    top = max((bar.value for bar in bars), default=0.0) or 1.0
    slot = (WIDTH - 2 * PAD) / max(len(bars), 1)
    drawn = []
    for index, bar in enumerate(bars):
        height = HEIGHT * bar.value / top
        drawn.append(
            DrawnBar(
                x=PAD + index * slot + slot * 0.1,
                y=PAD + HEIGHT - height,
                width=slot * 0.8,
                height=height,
                tip=f"{bar.label}: {bar.value:.2f} {unit}",
            )
        )
    return Chart(
        title=title,
        unit=unit,
        top=top,
        bars=drawn,
        first_label=bars[0].label if bars else "",
        last_label=bars[-1].label if bars else "",
    )
