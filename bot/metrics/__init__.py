"""The bot's Prometheus metrics: one :class:`Metrics` service over its own registry.

Built once at startup (:func:`bot.app.open_core`) and passed to what counts: the Gemini
service (requests by outcome, tokens by kind), the job runner (jobs by origin and outcome,
stage and end-to-end latency, audio seconds, cache hits), the policy (quota refusals) and
the Discord layer (rate-limit hits, invalid responses, shards). Nothing registers in
prometheus-client's global registry. Every label takes its values from a closed set (the
enums here, :class:`bot.options.Origin`), never an id, and every series exists from the
start at zero. Gauges read from the database at scrape time live in :mod:`bot.ops`.
"""

from bot.metrics._metrics import (
    GeminiOutcome,
    JobResult,
    Metrics,
    QuotaScope,
    RetryReason,
    Stage,
)

__all__ = ["GeminiOutcome", "JobResult", "Metrics", "QuotaScope", "RetryReason", "Stage"]
