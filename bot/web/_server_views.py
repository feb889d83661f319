"""A server's pages for its admins: the overview and the settings (the same service and
validators as the /voicenotes-admin commands, so nothing here can do more than they can)."""

from __future__ import annotations

from aiohttp import web

from bot.admin import INHERIT
from bot.errors import InvalidOptions
from bot.options import OutputMode
from bot.storage import AutoMode, ReplyStyle
from bot.timecodes import format_timecode
from bot.web._context import Dashboard

SETTING_FIELDS = ("auto", "output", "translate_to", "reply_style", "max_duration")


class ServerViews:
    """``/servers/{guild_id}`` and its settings."""

    def __init__(self, dashboard: Dashboard) -> None:
        self.d = dashboard

    def routes(self) -> list[web.RouteDef]:
        """The routes these views answer."""
        return [
            web.get("/servers/{guild_id}", self.overview),
            web.get("/servers/{guild_id}/settings", self.settings_page),
            web.post("/servers/{guild_id}/settings", self.save_settings),
        ]

    async def overview(self, request: web.Request) -> web.Response:
        """What this person may do in the server."""
        session = await self.d.require_session(request)
        guild_id, rights = await self.d.rights_in(request, session)
        return self.d.render(
            "server.html",
            title=rights.guild_name,
            session=session,
            guild_id=guild_id,
            rights=rights,
        )

    async def settings_page(
        self, request: web.Request, *, problem: str | None = None, status: int = 200
    ) -> web.Response:
        """Every server setting the admin commands have, as a form."""
        session = await self.d.require_session(request)
        guild_id, rights = await self.d.rights_in(request, session, need="admin")
        settings = await self.d.store.guild_settings(guild_id)
        view = self.d.rights.guild_view(guild_id)
        modes = {c.id: await self.d.store.channel_auto_mode(c.id) for c in view.channels}
        return self.d.render(
            "settings.html",
            status=status,
            title=f"Settings · {rights.guild_name}",
            session=session,
            guild_id=guild_id,
            rights=rights,
            settings=settings,
            view=view,
            channel_modes=modes,
            auto_modes=list(AutoMode),
            output_modes=list(OutputMode),
            reply_styles=list(ReplyStyle),
            max_duration=_editable_duration(settings.max_duration_s),
            problem=problem,
            saved=request.query.get("saved") == "1",
        )

    async def save_settings(self, request: web.Request) -> web.Response:
        """Apply the form through the admin service, then show the settings again."""
        session = await self.d.require_session(request)
        guild_id, _ = await self.d.rights_in(request, session, need="admin")
        form = await self.d.check_csrf(request, session)
        entered: dict[str, str | bool | None] = {k: str(form.get(k, "")) for k in SETTING_FIELDS}
        entered["quiet"] = form.get("quiet") == "on"
        entered["max_duration"] = entered["max_duration"] or "default"  # emptied: the bot's
        try:
            await self.d.admin.update(guild_id, session.user_id, entered)
            await self._channels_and_roles(guild_id, session.user_id, form)
        except InvalidOptions as error:
            return await self.settings_page(request, problem=error.user_message, status=400)
        raise web.HTTPFound(f"/servers/{guild_id}/settings?saved=1")

    async def _channels_and_roles(
        self, guild_id: int, actor_id: int, form: dict[str, object]
    ) -> None:
        """Per-channel modes and quota-exempt roles, only for channels and roles of this
        server (a forged id from elsewhere is ignored)."""
        view = self.d.rights.guild_view(guild_id)
        for channel in view.channels:
            wanted = str(form.get(f"channel-{channel.id}", INHERIT))
            current = await self.d.store.channel_auto_mode(channel.id)
            if wanted != (current.value if current else INHERIT):
                await self.d.admin.set_channel_mode(guild_id, actor_id, channel.id, wanted)
        exempt = set((await self.d.store.guild_settings(guild_id)).exempt_role_ids)
        for role in view.roles:
            wanted_exempt = form.get(f"exempt-{role.id}") == "on"
            if wanted_exempt != (role.id in exempt):
                await self.d.admin.set_exempt_role(
                    guild_id, actor_id, role.id, exempt=wanted_exempt
                )


def _editable_duration(seconds: float | None) -> str:
    """The limit as the form reads it back unchanged ("" for the bot's default)."""
    if seconds is None:
        return ""
    return format_timecode(seconds) if float(seconds).is_integer() else f"{seconds:g}"
