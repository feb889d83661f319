"""The metrics service: its own registry, every series at zero from the start, labels that
cannot take an id."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import GeminiOutcome, JobResult, Metrics, Stage
from bot.model import Usage
from bot.options import Origin


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.render().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_each_instance_has_its_own_registry_and_none_uses_the_global_one() -> None:
    first, second = Metrics(), Metrics()
    first.cache_hit()
    assert samples(first)[("voicenotes_cache_hits_total", ())] == 1
    assert samples(second)[("voicenotes_cache_hits_total", ())] == 0
    assert REGISTRY.get_sample_value("voicenotes_cache_hits_total") is None


def test_every_labelled_series_exists_at_zero() -> None:
    seen = samples(Metrics())
    for origin in Origin:
        for result in JobResult:
            key = ("voicenotes_jobs_total", (("origin", origin), ("outcome", result)))
            assert seen[key] == 0
    for outcome in GeminiOutcome:
        assert seen[("voicenotes_gemini_requests_total", (("outcome", outcome),))] == 0
    for stage in Stage:
        assert seen[("voicenotes_job_stage_seconds_count", (("stage", stage),))] == 0
    for status in ("401", "403", "429"):
        assert seen[("voicenotes_discord_invalid_responses_total", (("status", status),))] == 0


def test_labels_outside_their_sets_are_refused() -> None:
    metrics = Metrics()
    with pytest.raises(ValueError, match="is not a valid Origin"):
        metrics.job_finished("123456789012345678", JobResult.DONE, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="is not a valid GeminiOutcome"):
        metrics.gemini_request("guild-42")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not an invalid-request status"):
        metrics.discord_invalid(404)
    metrics.discord_rate_limited("a-made-up-scope")  # an unknown header value is bucketed
    assert samples(metrics)[("voicenotes_discord_rate_limits_total", (("scope", "unknown"),))] == 1


def test_tokens_are_counted_by_kind() -> None:
    metrics = Metrics()
    metrics.gemini_tokens(Usage(requests=1, input_tokens=100, output_tokens=20, thought_tokens=5))
    seen = samples(metrics)
    counts = {
        kind: seen[("voicenotes_gemini_tokens_total", (("kind", kind),))]
        for kind in ("input", "output", "thought", "cached")
    }
    assert counts == {"input": 100, "output": 20, "thought": 5, "cached": 0}
