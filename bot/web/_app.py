"""The dashboard's aiohttp application and its server."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import aiohttp
import jinja2
from aiohttp import web

from bot.admin import ServerAdmin
from bot.errors import ConfigError
from bot.jobs import Policy, Prices
from bot.review import CardActions, ReviewQueries
from bot.web._audit_views import AuditViews
from bot.web._auth_views import AuthViews
from bot.web._config import DashboardConfig
from bot.web._context import Dashboard, DashboardStore
from bot.web._oauth import DiscordOAuth
from bot.web._review_views import ReviewViews
from bot.web._rights import CachedRights, RightsBusy, RightsOracle
from bot.web._security import SECURITY_HEADERS, Handler, security_headers
from bot.web._server_views import ServerViews
from bot.web._usage_views import UsageViews

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
VIEWS = (AuthViews, ServerViews, UsageViews, ReviewViews, AuditViews)


def templates() -> jinja2.Environment:
    """The page templates, autoescaped: transcripts, names and file names are text."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


ERROR_TEXT = {
    400: "That request was not understood.",
    403: "That form is stale or did not come from this page: reload it and try again.",
    404: "There is nothing here, or nothing you may see.",
    405: "That is not how this page is used.",
    413: "That form is too large.",
}


def error_pages(environment: jinja2.Environment) -> Callable[..., Awaitable[web.StreamResponse]]:
    """A middleware answering every error with a plain page: HTTP errors keep their status,
    a spent lookup budget is a 503 with Retry-After, anything unexpected a 500 that is
    logged by type only (an exception's text may hold what people said)."""

    def page(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
        html = environment.get_template("error.html").render(
            title="Sorry", message=message, session=None, guild_id=None, rights=None
        )
        response = web.Response(text=html, status=status, content_type="text/html")
        response.headers.update({**SECURITY_HEADERS, **(headers or {})})
        return response

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPException as error:
            if error.status < 400:
                raise
            return page(error.status, ERROR_TEXT.get(error.status, "That did not work."))
        except RightsBusy:
            text = "The dashboard is busy checking permissions with Discord; try again shortly."
            return page(503, text, {"Retry-After": "30"})
        except Exception as error:  # the page must answer whatever broke
            log.error(
                "dashboard %s %s failed: %s", request.method, request.path, type(error).__name__
            )
            return page(500, "Something went wrong on our side; please try again.")

    return middleware


def build_app(dashboard: Dashboard) -> web.Application:
    """The application: every view's routes, the static files, the security headers."""
    app = web.Application(
        middlewares=[security_headers, error_pages(dashboard.templates)],
        client_max_size=64 * 1024,
    )
    for view in VIEWS:
        app.add_routes(view(dashboard).routes())
    app.router.add_static("/static", HERE / "static", show_index=False, follow_symlinks=False)
    return app


@dataclass(frozen=True)
class DashboardServices:
    """What the dashboard uses of the rest of the bot, built once at startup."""

    store: DashboardStore
    rights: RightsOracle
    policy: Policy
    prices: Prices
    actions: CardActions
    queries: ReviewQueries
    clock: Callable[[], datetime]


def build_dashboard(
    config: DashboardConfig, services: DashboardServices, http: aiohttp.ClientSession
) -> Dashboard:
    """The dashboard's handlers' shared state: rights cached, settings through the admin
    service, Discord's OAuth2 over ``http``."""
    clock = services.clock
    return Dashboard(
        config=config,
        store=services.store,
        rights=CachedRights(
            services.rights,
            lookups_per_minute=config.lookups_per_minute,
            clock=lambda: clock().timestamp(),
        ),
        admin=ServerAdmin(services.store),
        oauth=DiscordOAuth(http, config),
        policy=services.policy,
        prices=services.prices,
        actions=services.actions,
        queries=services.queries,
        templates=templates(),
        clock=clock,
    )


async def _listen(runner: web.AppRunner, host: str, port: int) -> str:
    """Start listening; the address. A port in use is a configuration error."""
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:  # a port in use, an address not on this machine
        reason = error.strerror or type(error).__name__
        raise ConfigError(
            f"The dashboard cannot listen on {host}:{port} ({reason}): "
            "check DASHBOARD_HOST and DASHBOARD_PORT."
        ) from None
    address = runner.addresses[0]
    return f"http://{address[0]}:{address[1]}"


@asynccontextmanager
async def serve_dashboard(
    config: DashboardConfig, services: DashboardServices, *, host: str, port: int
) -> AsyncIterator[str]:
    """Serve the dashboard on ``host:port`` until the block ends; yields its address."""
    async with aiohttp.ClientSession() as http:
        app = build_app(build_dashboard(config, services, http))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            url = await _listen(runner, host, port)
            log.info("dashboard listening on %s", url)
            yield url
        finally:
            await runner.cleanup()
