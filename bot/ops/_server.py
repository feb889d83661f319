"""The operators' HTTP server in the bot process: ``/livez``, ``/readyz`` and ``/metrics``.

Off unless ``HTTP_PORT`` is set, and bound to ``HTTP_HOST`` (127.0.0.1 by default): these
endpoints are for the machine's operator, never for the public. In a container, set
``HTTP_HOST=0.0.0.0`` and publish the port only to the monitoring network.

* ``/livez`` answers 200 whenever the event loop does: what a container runtime should
  restart on. Nothing else is checked, so a Discord or Gemini outage never causes a
  restart loop.
* ``/readyz`` answers 200 when every readiness check passes, else 503; both with a short
  JSON body naming each check's verdict (see :mod:`bot.ops._checks`).
* ``/metrics`` is Prometheus' text exposition of the bot's registry, the database gauges
  refreshed first (:mod:`bot.ops._gauges`).
"""

from __future__ import annotations

import logging

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics
from bot.ops._checks import Readiness
from bot.ops._gauges import StoreGauges

log = logging.getLogger(__name__)


class OpsServer:
    """The HTTP server; :meth:`start` binds it, :meth:`stop` closes it."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        readiness: Readiness,
        metrics: Metrics,
        gauges: StoreGauges,
    ) -> None:
        self._host = host
        self._port = port
        self._readiness = readiness
        self._metrics = metrics
        self._gauges = gauges
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on ``host:port``."""
        app = web.Application()
        app.add_routes(
            [
                web.get("/livez", self._livez),
                web.get("/readyz", self._readyz),
                web.get("/metrics", self._metrics_page),
            ]
        )
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, self._host, self._port).start()
        self._runner = runner
        log.info(
            "operations endpoints on http://%s:%d (livez, readyz, metrics)", self._host, self._port
        )

    async def stop(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
        self._runner = None

    async def _livez(self, _request: web.Request) -> web.Response:
        return web.json_response({"live": True})

    async def _readyz(self, _request: web.Request) -> web.Response:
        report = await self._readiness.evaluate()
        return web.json_response(report.body(), status=200 if report.ready else 503)

    async def _metrics_page(self, _request: web.Request) -> web.Response:
        await self._gauges.refresh()
        response = web.Response(body=self._metrics.render())
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response
