"""Durable jobs and the rules they run under.

* :class:`JobRunner` (``_runner``) claims job rows with a lease and runs them through the
  pipeline, talking to the chat platform only through a :class:`JobPort` (``_ports``).
* :class:`Policy` (``_policy``) applies the server's rules before money is spent: the
  server's maximum duration, daily audio quotas; :class:`Consent` (``_consent``) is the one
  opt-out rule for every entry point.
* :class:`StoredResultCache` (``_cache``) keeps finished documents: the same audio asked
  the same way costs one Gemini request.
* :class:`Translations` (``_translations``) translates a job's stored transcript on
  request, from its text alone.
* :class:`SharedRateLimiter` (``_ratelimit``) is ``GEMINI_REQUESTS_PER_MINUTE`` for every
  process sharing the database.
"""

from bot.jobs._cache import StoredResultCache, parse_document
from bot.jobs._consent import OPTED_OUT_MESSAGE, Consent, ConsentStore
from bot.jobs._policy import (
    REPORT_DAYS,
    HearingDefaults,
    Policy,
    PolicyStore,
    Prices,
    QuotaLimits,
    UsageReport,
    is_quota_exempt,
    totals_of,
)
from bot.jobs._ports import (
    JobPolicy,
    JobPort,
    JobStore,
    PlatformBusy,
    QueuedForGemini,
    SourceGone,
    WorkerLoad,
)
from bot.jobs._ratelimit import (
    ARRIVAL_MARGIN_S,
    RATE_WINDOW_S,
    SLOT_HOLD_S,
    SharedRateLimiter,
    gemini_bucket,
)
from bot.jobs._runner import JobRunner, RunnerConfig
from bot.jobs._spend import SERVER_USER_ID
from bot.jobs._translations import Translations, TranslationStore

__all__ = [
    "ARRIVAL_MARGIN_S",
    "OPTED_OUT_MESSAGE",
    "RATE_WINDOW_S",
    "REPORT_DAYS",
    "SERVER_USER_ID",
    "SLOT_HOLD_S",
    "Consent",
    "ConsentStore",
    "HearingDefaults",
    "JobPolicy",
    "JobPort",
    "JobRunner",
    "JobStore",
    "PlatformBusy",
    "Policy",
    "PolicyStore",
    "Prices",
    "QueuedForGemini",
    "QuotaLimits",
    "RunnerConfig",
    "SharedRateLimiter",
    "SourceGone",
    "StoredResultCache",
    "TranslationStore",
    "Translations",
    "UsageReport",
    "WorkerLoad",
    "gemini_bucket",
    "is_quota_exempt",
    "parse_document",
    "totals_of",
]
