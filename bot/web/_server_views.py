"""A server's pages for its admins: the overview and the settings (the same service and
validators as the /voicenotes-admin commands, so nothing here can do more than they can)."""

from __future__ import annotations

from aiohttp import web

from bot.admin import INHERIT, cannot_post_cards, parse_vocabulary, unpingable_role
from bot.errors import InvalidOptions
from bot.model import Severity
from bot.options import MAX_CONTEXT_CHARS, MAX_VOCABULARY_TERMS, Engine, OutputMode
from bot.storage import AutoMode, GuildSettings, ReplyStyle, ReviewCards
from bot.timecodes import format_timecode
from bot.web._context import Dashboard
from bot.web._rights import GuildView
from bot.web._security import ascii_number

SETTING_FIELDS = ("auto", "output", "translate_to", "reply_style", "max_duration", "engine")
CHECKBOXES = ("quiet", "links", "word_timestamps")


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
            engines=list(Engine),
            vocabulary="\n".join(await self.d.store.vocabulary(guild_id)),
            max_terms=MAX_VOCABULARY_TERMS,
            max_context=MAX_CONTEXT_CHARS,
            review_cards=list(ReviewCards),
            severities=list(Severity),
            review_warning=review_warning(settings, view),
            problem=problem,
            saved=request.query.get("saved") == "1",
        )

    async def save_settings(self, request: web.Request) -> web.Response:
        """Apply the form through the admin service, then show the settings again."""
        session = await self.d.require_session(request)
        guild_id, _ = await self.d.rights_in(request, session, need="admin")
        form = await self.d.check_csrf(request, session)
        entered: dict[str, str | bool | None] = {k: str(form.get(k, "")) for k in SETTING_FIELDS}
        entered |= {name: form.get(name) == "on" for name in CHECKBOXES}
        entered["max_duration"] = entered["max_duration"] or "default"  # emptied: the bot's
        try:
            review = review_changes(form, self.d.rights.guild_view(guild_id))
            parse_vocabulary(str(form.get("vocabulary", "")))  # refused before any change
            await self.d.admin.update(guild_id, session.user_id, entered)
            await self.d.admin.update_review(guild_id, session.user_id, review)
            await self._channels_and_roles(guild_id, session.user_id, form)
            await self._hearing(guild_id, session.user_id, form)
        except InvalidOptions as error:
            return await self.settings_page(request, problem=error.user_message, status=400)
        raise web.HTTPFound(f"/servers/{guild_id}/settings?saved=1")

    async def _hearing(self, guild_id: int, actor_id: int, form: dict[str, object]) -> None:
        """The server's vocabulary (the whole list, one term per line) and description."""
        await self.d.admin.replace_vocabulary(guild_id, actor_id, str(form.get("vocabulary", "")))
        await self.d.admin.set_context(guild_id, actor_id, str(form.get("context", "")).strip())

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


def review_changes(form: dict[str, object], view: GuildView) -> dict[str, object]:
    """The review settings of the form, checked like ``/voicenotes-admin review``: a
    channel where the bot cannot post cards is refused with what it lacks; an empty choice
    turns review off (or clears the role); an id that is not this server's is refused."""
    channel = view.channel(_id(form.get("review_channel")))
    role = view.role(_id(form.get("review_role")))
    if (form.get("review_channel") and channel is None) or (
        form.get("review_role") and role is None
    ):
        raise InvalidOptions("That review channel or role is not one of this server's any more.")
    if channel is not None and channel.missing_for_cards:
        raise cannot_post_cards(f"#{channel.name}", channel.missing_for_cards)
    try:
        cards = ReviewCards(str(form.get("review_cards", ReviewCards.ALL.value)))
        severity = Severity(str(form.get("review_min_severity", Severity.MEDIUM.value)))
    except ValueError:
        raise InvalidOptions(
            "Choose the review cards and the lowest severity from the lists."
        ) from None
    return {
        "review_channel_id": channel.id if channel else None,
        "review_role_id": role.id if role else None,
        "review_cards": cards,
        "review_min_severity": severity,
    }


def review_warning(settings: GuildSettings, view: GuildView) -> str | None:
    """Why the moderator role would not be pinged in the review channel, if it would not."""
    channel = view.channel(settings.review_channel_id)
    role = view.role(settings.review_role_id)
    if channel is None or role is None or role.mentionable or channel.mention_everyone:
        return None
    return unpingable_role(f"@{role.name}", f"#{channel.name}")


def _id(raw: object) -> int | None:
    return ascii_number(raw, max_digits=20)


def _editable_duration(seconds: float | None) -> str:
    """The limit as the form reads it back unchanged ("" for the bot's default)."""
    if seconds is None:
        return ""
    return format_timecode(seconds) if float(seconds).is_integer() else f"{seconds:g}"
