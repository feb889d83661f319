"""The web dashboard for moderators and admins, behind Discord login (off by default).

Server-rendered HTML (aiohttp + Jinja2, autoescaped; no scripts), over the same storage,
rules and services as the Discord commands, so nothing can be done on the web that the
person could not do in Discord:

* ``_auth_views``: log in with Discord (OAuth2 code grant, ``state`` in the database),
  sessions in the database (an opaque cookie id), logout everywhere.
* ``_rights``: what a member may do, from the bot's own view of them, checked at every
  request (cached at most a minute).
* ``_server_views`` (settings, through :class:`bot.admin.ServerAdmin`), ``_usage_views``
  (30 days of usage as SVG charts, ``_charts``).
* ``_security``: CSP and other headers, cookies, CSRF, safe redirects.

The Discord layer implements :class:`RightsOracle` and starts :func:`serve_dashboard`.
"""

from bot.web._app import (
    DashboardServices,
    build_app,
    build_dashboard,
    serve_dashboard,
    templates,
)
from bot.web._config import DashboardConfig
from bot.web._context import Dashboard, DashboardStore
from bot.web._rights import Channel, GuildView, MemberRights, RightsOracle, Role

__all__ = [
    "Channel",
    "Dashboard",
    "DashboardConfig",
    "DashboardServices",
    "DashboardStore",
    "GuildView",
    "MemberRights",
    "RightsOracle",
    "Role",
    "build_app",
    "build_dashboard",
    "serve_dashboard",
    "templates",
]
