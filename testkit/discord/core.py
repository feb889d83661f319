"""The fake's core: owns the world, messages, CDN, gateway and REST API and glues them."""

from __future__ import annotations

from .cdn import Cdn
from .commands import CommandRegistry
from .gateway import Gateway, GatewaySession
from .http_app import RestApi
from .ids import FakeClock, SnowflakeGenerator
from .intents import Intent
from .interactions import FakeInteraction
from .messages import MessageStore
from .models import JSON, FakeChannel, FakeGuild, FakeUser, StoredMessage
from .oauth import OAuth
from .payloads import client_user_payload, guild_create_payload, member_payload, user_payload
from .ratelimits import RateLimits
from .world import World

# Application flags: the "limited" variants are what an unverified bot gets from the portal.
_APP_FLAG_FOR_INTENT = {
    "GUILD_PRESENCES": 1 << 13,
    "GUILD_MEMBERS": 1 << 15,
    "MESSAGE_CONTENT": 1 << 19,
}
_APPLICATION_COMMAND_BADGE = 1 << 23


class Core:
    """Shared state and behaviour behind the REST routes, the gateway and the scenario API."""

    def __init__(
        self,
        *,
        token: str,
        bot_name: str,
        granted_intents: set[str],
        heartbeat_interval_ms: int,
        rate_limits: RateLimits,
    ) -> None:
        self.token = token
        self.granted_intents = granted_intents
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.clock = FakeClock()
        self.ids = SnowflakeGenerator(self.clock)
        self.bot_user = FakeUser(id=self.ids.next(), username=bot_name, bot=True)
        self.application_id = self.bot_user.id
        self.app_owner = FakeUser(id=self.ids.next(), username="app_owner")
        self.world = World(self.clock, self.ids, self.bot_user)
        self.cdn = Cdn(self.clock)
        self.store = MessageStore(self.world, self.cdn, self.ids, self.clock)
        self.gateway = Gateway(self)
        self.rest = RestApi(token, self.clock, rate_limits)
        self.commands = CommandRegistry(self.ids, self.application_id)
        self.interactions: dict[int, FakeInteraction] = {}
        self.oauth = OAuth(self.application_id, self.clock, self.world)
        self.rest.bearer_grant = self.oauth.grant_for
        self.base_url = ""
        self._pending: list[tuple[str, JSON, int | None]] = []

    # ----- GatewayBackend ---------------------------------------------------------------------
    @property
    def bot_id(self) -> int:
        """The bot user's id."""
        return self.bot_user.id

    @property
    def gateway_url(self) -> str:
        """The URL clients connect to."""
        return self.base_url.replace("http://", "ws://", 1) + "/"

    def ready_payload(self, session: GatewaySession) -> JSON:
        """READY for a new session."""
        data: JSON = {
            "v": 10,
            "user": client_user_payload(self.bot_user),
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.gateway_url + "resume/",
            "guilds": [{"id": str(g.id), "unavailable": True} for g in self._guilds_of(session)],
            "application": {"id": str(self.application_id), "flags": self.application_flags()},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
            "_trace": ["fake-gateway"],
        }
        if session.shard is not None:
            data["shard"] = list(session.shard)
        return data

    def guild_create_payloads(self, session: GatewaySession) -> list[JSON]:
        """Full guilds for a new session (members only with GUILD_MEMBERS, else the bot)."""
        return [self.guild_create(g, session.intents) for g in self._guilds_of(session)]

    def guild_create(self, guild: FakeGuild, intents: int) -> JSON:
        """One GUILD_CREATE payload."""
        channels = [self.world.channels[c] for c in guild.channel_ids]
        members = [
            m
            for m in guild.members.values()
            if intents & Intent.GUILD_MEMBERS or m.user.id == self.bot_id
        ]
        return guild_create_payload(
            guild, channels, self.world.threads_of(guild), [member_payload(m) for m in members]
        )

    def members_chunk(self, request: JSON) -> JSON:
        """GUILD_MEMBERS_CHUNK with every member (or the requested ``user_ids``)."""
        guild = self.world.guilds[int(request["guild_id"])]
        wanted = {int(u) for u in request.get("user_ids") or []}
        members = [m for m in guild.members.values() if not wanted or m.user.id in wanted]
        chunk: JSON = {
            "guild_id": str(guild.id),
            "chunk_index": 0,
            "chunk_count": 1,
            "members": [member_payload(m) for m in members],
            "not_found": [],
        }
        if request.get("nonce"):
            chunk["nonce"] = request["nonce"]
        return chunk

    def _guilds_of(self, session: GatewaySession) -> list[FakeGuild]:
        return [
            g
            for g in self.world.guilds.values()
            if session.handles_guild(g.id) and not g.bot_removed
        ]

    # ----- application --------------------------------------------------------------------
    def application_flags(self) -> int:
        """Application flags as the developer portal would set them."""
        flags = _APPLICATION_COMMAND_BADGE
        for name, flag in _APP_FLAG_FOR_INTENT.items():
            if name in self.granted_intents:
                flags |= flag
        return flags

    def application_payload(self) -> JSON:
        """``GET /oauth2/applications/@me``."""
        return {
            "id": str(self.application_id),
            "name": self.bot_user.username,
            "icon": None,
            "description": "",
            "summary": "",
            "type": None,
            "rpc_origins": [],
            "bot_public": True,
            "bot_require_code_grant": False,
            "bot": user_payload(self.bot_user),
            "owner": user_payload(self.app_owner),
            "team": None,
            "verify_key": "0" * 64,
            "flags": self.application_flags(),
            "interactions_endpoint_url": None,
            "redirect_uris": [],
            "tags": [],
            "approximate_guild_count": len(self.world.guilds),
            "integration_types_config": {"0": {}},
            "install_params": None,
        }

    # ----- dispatching -------------------------------------------------------------------------
    def queue_event(self, event: str, data: JSON, guild_id: int | None) -> None:
        """Queue an event from a synchronous world change; sent before the next dispatch."""
        if self.gateway.current_session() is not None:
            self._pending.append((event, data, guild_id))

    async def flush(self) -> None:
        """Send queued world-change events."""
        while self._pending:
            event, data, guild_id = self._pending.pop(0)
            await self.gateway.dispatch(event, data, guild_id=guild_id)

    async def dispatch(self, event: str, data: JSON, *, guild_id: int | None) -> None:
        """Dispatch an event to the connected sessions (after any queued ones)."""
        await self.flush()
        await self.gateway.dispatch(event, data, guild_id=guild_id)

    async def dispatch_message(self, msg: StoredMessage, event: str = "MESSAGE_CREATE") -> None:
        """MESSAGE_CREATE/UPDATE for a stored message (never for ephemeral ones)."""
        if not msg.ephemeral:
            await self.dispatch(event, self.store.payload(msg, gateway=True), guild_id=msg.guild_id)

    async def dispatch_delete(self, msg: StoredMessage) -> None:
        """MESSAGE_DELETE."""
        data: JSON = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
        if msg.guild_id is not None:
            data["guild_id"] = str(msg.guild_id)
        await self.dispatch("MESSAGE_DELETE", data, guild_id=msg.guild_id)

    def filesize_limit(self, channel: FakeChannel) -> int:
        """Upload limit per file in ``channel``."""
        guild = self.world.guild_of(channel)
        return guild.filesize_limit if guild else 10 * 1024 * 1024
