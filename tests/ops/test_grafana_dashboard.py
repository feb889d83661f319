"""The Grafana dashboard and the Prometheus example under ops/ use only metrics the bot
exposes, under the names it exposes them, and scrape the ports compose.yaml publishes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics
from bot.ops import StoreGauges, store_gauges
from bot.storage import Storage
from tests.helpers.clocks import FakeClock

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bvoicenotes_[a-z_]+\b")


def expressions(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


async def exposed(storage: Storage, clock: FakeClock) -> set[str]:
    """Every sample name of a bot's /metrics, the database gauges included."""
    metrics = Metrics()
    gauges = StoreGauges(
        metrics, storage, store_gauges("gemini-3.5-flash"), clock=clock, per_minute=60
    )
    await gauges.refresh()
    text = metrics.render().decode()
    return {s.name for f in text_string_to_metric_families(text) for s in f.samples}


async def test_the_dashboard_uses_only_exposed_metrics(storage: Storage, clock: FakeClock) -> None:
    dashboard = json.loads((ROOT / "ops" / "grafana-dashboard.json").read_text())
    used = {name for expr in expressions(dashboard) for name in NAME.findall(expr)}
    names = await exposed(storage, clock)
    assert used
    assert used - names == set()
    # every family the bot exposes is on the dashboard somewhere
    families = {re.sub(r"_(total|bucket|count|sum|created)$", "", n) for n in names}
    shown = {re.sub(r"_(total|bucket|count|sum)$", "", n) for n in used}
    assert families - shown == set()


def test_the_prometheus_example_scrapes_the_published_ports() -> None:
    config = yaml.safe_load((ROOT / "ops" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    targets = job["static_configs"][0]["targets"]
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    published = {port.rsplit(":", 1)[0] for port in compose["services"]["bot"]["ports"]}
    assert {target.rsplit(":", 1)[0] for target in targets} == {"127.0.0.1"}
    assert {"127.0.0.1:" + p.split(":")[1] for p in compose["services"]["bot"]["ports"]} == set(
        targets
    )
    assert published == {"127.0.0.1:8080"}
