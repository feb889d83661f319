"""Operations: the operators' HTTP server, readiness, scrape-time gauges, loop lag, status.

* :class:`OpsServer` (``_server``) serves ``/livez``, ``/readyz`` and ``/metrics`` on
  ``HTTP_HOST:HTTP_PORT`` (off by default, loopback by default).
* :class:`Readiness` runs :class:`Check` objects (``_checks``): the database answers
  (:class:`DatabaseCheck`), the workers are not stuck (:class:`WorkersCheck`), Gemini work
  is not paused (:class:`GeminiCheck`); the Discord layer adds the shards' check.
* :class:`StoreGauges` (``_gauges``) refreshes the gauges read from the database (queue
  depth, oldest queued job, pauses, the shared request window) before each scrape.
* :class:`LoopLagMonitor` (``_lag``) samples how late the event loop runs.
* :class:`GuildStatusReader` (``_status``) gathers one server's state for its admins.

No Discord here: the metrics themselves are :class:`bot.metrics.Metrics`.
"""

from bot.ops._checks import (
    Check,
    CheckResult,
    DatabaseCheck,
    GeminiCheck,
    Readiness,
    ReadinessReport,
    WorkersCheck,
)
from bot.ops._gauges import StoreGauge, StoreGauges, store_gauges
from bot.ops._lag import LoopLagMonitor
from bot.ops._server import OpsServer
from bot.ops._status import GuildStatus, GuildStatusReader, StatusStore

__all__ = [
    "Check",
    "CheckResult",
    "DatabaseCheck",
    "GeminiCheck",
    "GuildStatus",
    "GuildStatusReader",
    "LoopLagMonitor",
    "OpsServer",
    "Readiness",
    "ReadinessReport",
    "StatusStore",
    "StoreGauge",
    "StoreGauges",
    "WorkersCheck",
    "store_gauges",
]
