"""The audit log for staff, and review's export for moderators.

Audit entries about a channel the member cannot view are left out (as ``/review export``
leaves them out); entries about no channel (settings) stay. An export is the same files
``/review export`` attaches, audited the same way: the JSON document, or both CSV files in
one zip archive.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta

from aiohttp import web

from bot.errors import InvalidOptions
from bot.review import ExportFormat, check_period, parse_when
from bot.web._context import Dashboard
from bot.web._review_forms import MAX_FIELD_CHARS, download

DEFAULT_DAYS = 30
SHOWN = 500  # entries on one page, newest first; an export has them all


class AuditViews:
    """``/servers/{guild_id}/audit`` and ``/servers/{guild_id}/review/export``."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard

    def routes(self) -> list[web.RouteDef]:
        """The routes these views answer."""
        return [
            web.get("/servers/{guild_id}/audit", self.audit),
            web.get("/servers/{guild_id}/review/export", self.export),
        ]

    def _period(self, request: web.Request) -> tuple[dict[str, str], datetime, datetime | None]:
        """The period of the address (the last 30 days by default), checked."""
        fields = {n: request.query.get(n, "").strip()[:MAX_FIELD_CHARS] for n in ("since", "until")}
        now = self.d.clock()
        since = parse_when(fields["since"], now=now, field="since") if fields["since"] else None
        until = (
            parse_when(fields["until"], now=now, field="until", end=True)
            if fields["until"]
            else None
        )
        since = since or now - timedelta(days=DEFAULT_DAYS)
        check_period(since, until)
        return fields, since, until

    async def audit(self, request: web.Request) -> web.Response:
        """Who did what in review and settings, newest first."""
        session = await self.d.require_session(request)
        guild_id, rights = await self.d.rights_in(request, session)
        problem, entries = None, []
        fields = {"since": "", "until": ""}
        try:
            fields, since, until = self._period(request)
            found = await self.d.store.audit_entries(
                guild_id, since=since, until=until, visible=rights.viewer.visible
            )
            entries = found[::-1][:SHOWN]
        except InvalidOptions as error:
            problem = error.user_message
        return self.d.render(
            "audit.html",
            status=400 if problem else 200,
            title=f"Audit log · {rights.guild_name}",
            session=session,
            guild_id=guild_id,
            rights=rights,
            fields=fields,
            entries=entries,
            more=len(entries) == SHOWN,
            problem=problem,
            member=lambda user_id: self.d.rights.member_name(guild_id, user_id),
            channel=self.d.rights.guild_view(guild_id).channel_label,  # one view per page
        )

    async def export(self, request: web.Request) -> web.Response:
        """The period's cards and audit entries as JSON, or as CSV files in a zip."""
        session = await self.d.require_session(request)
        _, rights = await self.d.rights_in(request, session, need="moderator")
        try:
            fmt = ExportFormat(request.query.get("format", "json"))
            _, since, until = self._period(request)
        except (ValueError, InvalidOptions):
            raise web.HTTPBadRequest from None
        files = await self.d.queries.export(rights.viewer, since=since, until=until, fmt=fmt)
        if fmt is ExportFormat.JSON:
            ((name, data),) = files
            return download(name, data, "application/json")
        stem = files[0][0].removesuffix("-cards.csv")
        return download(f"{stem}.zip", _zip(files), "application/zip")


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(name, data)
    return buffer.getvalue()
