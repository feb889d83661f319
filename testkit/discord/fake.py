"""``FakeDiscord``: an in-process Discord (gateway, REST API, CDN) for end-to-end tests."""

from __future__ import annotations

import re
from types import TracebackType
from typing import Self

from aiohttp import web

from .actions import ScenarioActions
from .building import WorldBuilding
from .cdn import CdnFetch
from .core import Core
from .failures import FailureScenarios
from .gateway import GatewaySession
from .ids import FakeClock
from .interactions import FakeInteraction
from .models import (
    JSON,
    FakeChannel,
    FakeGuild,
    FakeUser,
    RecordedRequest,
    StoredMessage,
)
from .oauth import OAuth
from .ratelimits import RateLimits
from .rest_channels import ChannelRoutes
from .rest_commands import CommandRoutes
from .rest_core import CoreRoutes
from .rest_interactions import InteractionRoutes
from .rest_messages import MessageRoutes
from .world import ChannelRef

_PRIVILEGED = ("GUILD_MEMBERS", "GUILD_PRESENCES", "MESSAGE_CONTENT")


class FakeDiscord(WorldBuilding, ScenarioActions, FailureScenarios):
    """A fake Discord on 127.0.0.1 that the unmodified discord.py client talks to.

    Build the world (guilds, channels, users) before starting the bot, point discord.py at
    ``api_base``/``gateway_url`` (see ``point_discord_py_at``), then drive the scenario with
    the async actions and assert on what the bot sent.
    """

    def __init__(
        self,
        *,
        token: str = "fake-bot-token.0.0",
        bot_name: str = "VoiceNotes",
        message_content_enabled: bool = True,
        members_intent_enabled: bool = True,
        presence_intent_enabled: bool = True,
        heartbeat_interval_ms: int = 41_250,
        rate_limits: RateLimits | None = None,
    ) -> None:
        granted = dict(
            zip(
                _PRIVILEGED,
                (members_intent_enabled, presence_intent_enabled, message_content_enabled),
                strict=True,
            )
        )
        self._core = Core(
            token=token,
            bot_name=bot_name,
            granted_intents={name for name, on in granted.items() if on},
            heartbeat_interval_ms=heartbeat_interval_ms,
            rate_limits=rate_limits or RateLimits(),
        )
        self._runner: web.AppRunner | None = None

    # ----- lifecycle --------------------------------------------------------------------------
    async def start(self) -> Self:
        """Start the server on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=256 * 1024 * 1024)
        core = self._core
        core.rest.add_routes(app)
        core.gateway.add_routes(app)
        core.cdn.add_routes(app)
        app.router.add_get("/oauth2/authorize", core.oauth.authorize)
        for routes in (CoreRoutes, MessageRoutes, ChannelRoutes, CommandRoutes, InteractionRoutes):
            routes(core).register(core.rest.router)
        core.oauth.register(core.rest.router)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        core.base_url = core.cdn.base_url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        """Close websockets and stop the server."""
        if self._runner is not None:
            await self._core.gateway.close_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # ----- identity and URLs --------------------------------------------------------------------
    @property
    def oauth(self) -> OAuth:
        """OAuth2 for dashboards: ``sign_in(user)``, ``redirect_uris``, ``client_secret``,
        ``expire_tokens()`` (see :mod:`testkit.discord.oauth`)."""
        return self._core.oauth

    @property
    def authorize_url(self) -> str:
        """Where a browser starts Discord's OAuth2 login (``/oauth2/authorize``)."""
        return f"{self._core.base_url}/oauth2/authorize"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return self._core.base_url

    @property
    def api_base(self) -> str:
        """What goes into ``discord.http.Route.BASE``."""
        return self._core.base_url + "/api/v10"

    @property
    def gateway_url(self) -> str:
        """What goes into ``DiscordWebSocket.DEFAULT_GATEWAY``."""
        return self._core.gateway_url

    @property
    def token(self) -> str:
        """The bot token the fake accepts."""
        return self._core.token

    @property
    def bot_user(self) -> FakeUser:
        """The bot's user."""
        return self._core.bot_user

    @property
    def application_id(self) -> int:
        """The application id (same as the bot user id, like modern Discord apps)."""
        return self._core.application_id

    @property
    def clock(self) -> FakeClock:
        """The fake clock (``advance`` it to cross deadlines)."""
        return self._core.clock

    @property
    def granted_intents(self) -> set[str]:
        """Privileged intents enabled "in the developer portal" (mutable)."""
        return self._core.granted_intents

    def channel(self, channel: ChannelRef) -> FakeChannel:
        """A channel by object or id."""
        return self._core.world.channel(channel)

    def messages_in(self, channel: ChannelRef) -> list[StoredMessage]:
        """Visible messages of a channel or thread, oldest first."""
        return self._core.store.visible(self._core.world.channel(channel).id)

    def bot_messages(self, channel: ChannelRef | None = None) -> list[StoredMessage]:
        """Every message the bot created (ephemeral ones included), oldest first."""
        wanted = None if channel is None else self._core.world.channel(channel).id
        return [
            m
            for m in self._core.store.messages.values()
            if m.author.id == self.bot_user.id and wanted in (None, m.channel_id)
        ]

    @property
    def threads(self) -> list[FakeChannel]:
        """Every thread."""
        return [c for c in self._core.world.channels.values() if c.is_thread]

    def threads_in(self, parent: ChannelRef) -> list[FakeChannel]:
        """Threads whose parent is ``parent``."""
        parent_id = self._core.world.channel(parent).id
        return [t for t in self.threads if t.parent_id == parent_id]

    def reactions_on(self, message: StoredMessage | int) -> dict[str, list[int]]:
        """Emoji -> user ids on a message."""
        return self.message(message).reactions

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every REST request received, in order."""
        return self._core.rest.requests

    def requests_to(self, method: str, path_regex: str) -> list[RecordedRequest]:
        """Recorded requests whose method matches and path fully matches ``path_regex``."""
        pattern = re.compile(path_regex)
        return [r for r in self.requests if method in ("*", r.method) and pattern.fullmatch(r.path)]

    @property
    def unknown_routes(self) -> list[RecordedRequest]:
        """Requests to routes the fake (and Discord) does not know: 404/405."""
        return self._core.rest.unknown_routes

    def commands(self, guild: FakeGuild | None = None) -> list[JSON]:
        """Registered commands (global, or of a guild) as Discord stores them."""
        return self._core.commands.scopes.get(guild.id if guild else None, [])

    @property
    def command_syncs(self) -> list[tuple[int | None, list[JSON]]]:
        """Every bulk overwrite: (guild id or None, payload exactly as sent)."""
        return self._core.commands.syncs

    @property
    def interactions(self) -> dict[int, FakeInteraction]:
        """Dispatched interactions by id."""
        return self._core.interactions

    @property
    def identify_payloads(self) -> list[JSON]:
        """IDENTIFY ``d`` payloads received (``intents``, ``shard``, ``properties``...)."""
        return self._core.gateway.identifies

    @property
    def intents(self) -> int | None:
        """The intents of the last IDENTIFY, if any."""
        identifies = self._core.gateway.identifies
        return identifies[-1].get("intents") if identifies else None

    @property
    def sessions(self) -> list[GatewaySession]:
        """Gateway sessions (sequence logs, resumes, intents)."""
        return list(self._core.gateway.sessions.values())

    @property
    def cdn_fetches(self) -> list[CdnFetch]:
        """Every CDN download attempt."""
        return self._core.cdn.fetches
