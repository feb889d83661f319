"""The dashboard's aiohttp application and its server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiohttp
import jinja2
from aiohttp import web

from bot.admin import ServerAdmin
from bot.jobs import Policy, Prices
from bot.web._auth_views import AuthViews
from bot.web._config import DashboardConfig
from bot.web._context import Dashboard, DashboardStore
from bot.web._oauth import DiscordOAuth
from bot.web._rights import CachedRights, RightsOracle
from bot.web._security import security_headers
from bot.web._server_views import ServerViews
from bot.web._usage_views import UsageViews

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
VIEWS = (AuthViews, ServerViews, UsageViews)


def templates() -> jinja2.Environment:
    """The page templates, autoescaped: transcripts, names and file names are text."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def build_app(dashboard: Dashboard) -> web.Application:
    """The application: every view's routes, the static files, the security headers."""
    app = web.Application(middlewares=[security_headers], client_max_size=64 * 1024)
    for view in VIEWS:
        app.add_routes(view(dashboard).routes())
    app.router.add_static("/static", HERE / "static", show_index=False, follow_symlinks=False)
    return app


@asynccontextmanager
async def serve_dashboard(
    config: DashboardConfig,
    *,
    store: DashboardStore,
    rights: RightsOracle,
    policy: Policy,
    prices: Prices,
    clock: Callable[[], datetime],
    host: str,
    port: int,
) -> AsyncIterator[str]:
    """Serve the dashboard on ``host:port`` until the block ends; yields its address."""
    async with aiohttp.ClientSession() as http:
        dashboard = Dashboard(
            config=config,
            store=store,
            rights=CachedRights(rights),
            admin=ServerAdmin(store),
            oauth=DiscordOAuth(http, config),
            policy=policy,
            prices=prices,
            templates=templates(),
            clock=clock,
        )
        runner = web.AppRunner(build_app(dashboard), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        address = runner.addresses[0]
        url = f"http://{address[0]}:{address[1]}"
        log.info("dashboard listening on %s", url)
        try:
            yield url
        finally:
            await runner.cleanup()
