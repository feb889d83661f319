"""REST routes for identity and discovery: users, members, the application, the gateway."""

from __future__ import annotations

from . import errors
from .core import Core
from .http_app import Reply, RequestContext, Router
from .payloads import client_user_payload, member_payload, user_payload


class CoreRoutes:
    """``/users/@me``, ``/users/{id}``, ``/oauth2/applications/@me``, ``/gateway[/bot]``."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def register(self, router: Router) -> None:
        """Add the routes."""
        router.add("GET", "/users/@me", self.me, bearer=True)
        router.add("GET", "/users/{user_id}", self.user)
        router.add("GET", "/guilds/{guild_id}/members/{user_id}", self.member)
        router.add("GET", "/oauth2/applications/@me", self.application)
        router.add("GET", "/applications/@me", self.application)
        router.add("GET", "/gateway", self.gateway, auth=False)
        router.add("GET", "/gateway/bot", self.gateway_bot)

    async def me(self, ctx: RequestContext) -> Reply:
        """The bot's own user; with an OAuth2 Bearer token, that token's user."""
        if ctx.grant is not None:
            return Reply(self.core.oauth.me(ctx))
        return Reply(client_user_payload(self.core.bot_user))

    async def user(self, ctx: RequestContext) -> Reply:
        """Any known user."""
        return Reply(user_payload(self.core.world.user(ctx.snowflake("user_id"))))

    async def member(self, ctx: RequestContext) -> Reply:
        """Get Guild Member (resources/guild): needs no privileged intent; 404 10007 for a
        user who is not a member, 403 50001 in a server the bot is not in."""
        guild = self.core.world.guilds.get(ctx.snowflake("guild_id"))
        if guild is None:
            raise errors.unknown_guild()
        if guild.bot_removed:
            raise errors.missing_access()
        member = guild.members.get(ctx.snowflake("user_id"))
        if member is None:
            raise errors.unknown_member()
        return Reply(member_payload(member))

    async def application(self, ctx: RequestContext) -> Reply:
        """The bot's application (id, flags, owner...)."""
        return Reply(self.core.application_payload())

    async def gateway(self, ctx: RequestContext) -> Reply:
        """The gateway URL."""
        return Reply({"url": self.core.gateway_url.rstrip("/")})

    async def gateway_bot(self, ctx: RequestContext) -> Reply:
        """The gateway URL, recommended shards and session start limits."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
        return Reply(
            {"url": self.core.gateway_url.rstrip("/"), "shards": 1, "session_start_limit": limit}
        )
