"""Reading a :class:`bot.metrics.Metrics` registry the way Prometheus does: its text
exposition, parsed with ``prometheus_client.parser``."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    """The value of one sample (StopIteration when the registry has no such sample)."""
    text = metrics.render().decode()
    return next(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and s.labels == labels
    )
