"""Bar chart geometry (drawn by the template, escaped there)."""

from __future__ import annotations

import pytest

from bot.web._charts import HEIGHT, PAD, Bar, bar_chart


def test_the_tallest_bar_fills_the_height_and_others_scale() -> None:
    chart = bar_chart([Bar("d1", 2.0), Bar("d2", 1.0), Bar("d3", 0.0)], title="t", unit="min")
    tall, half, empty = chart.bars
    assert tall.height == pytest.approx(HEIGHT)
    assert half.height == pytest.approx(HEIGHT / 2)
    assert empty.height == 0
    assert all(bar.y + bar.height == pytest.approx(PAD + HEIGHT) for bar in chart.bars)
    assert tall.x < half.x < empty.x
    assert (chart.first_label, chart.last_label) == ("d1", "d3")
    assert half.tip == "d2: 1.00 min"


def test_an_empty_or_all_zero_chart_draws_nothing_tall() -> None:
    assert bar_chart([], title="t", unit="$").bars == []
    zeros = bar_chart([Bar("d", 0.0)] * 3, title="t", unit="$")
    assert all(bar.height == 0 for bar in zeros.bars)


def test_the_template_escapes_labels() -> None:
    from bot.web import templates

    chart = bar_chart([Bar("<script>", 1.0)], title='"><b>', unit="<i>")
    html = templates().get_template("_chart.html").module.chart(chart)  # type: ignore[attr-defined]
    for markup in ("<script>", "<b>", "<i>"):
        assert markup not in html
    assert "&lt;script&gt;" in html
