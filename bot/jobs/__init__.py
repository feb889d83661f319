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
)
from bot.jobs._runner import SERVER_USER_ID, JobRunner, RunnerConfig
from bot.jobs._translations import Translations, TranslationStore

__all__ = [
    "OPTED_OUT_MESSAGE",
    "REPORT_DAYS",
    "SERVER_USER_ID",
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
    "SourceGone",
    "StoredResultCache",
    "TranslationStore",
    "Translations",
    "UsageReport",
    "is_quota_exempt",
    "parse_document",
    "totals_of",
]
