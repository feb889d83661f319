"""REST routes for application commands (global and per guild)."""

from __future__ import annotations

from . import errors
from .core import Core
from .http_app import Reply, RequestContext, Router

_GLOBAL = "/applications/{application_id}/commands"
_GUILD = "/applications/{application_id}/guilds/{guild_id}/commands"


class CommandRoutes:
    """List, bulk-overwrite, upsert, fetch and delete commands; every sync is recorded."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def register(self, router: Router) -> None:
        """Add the routes for both scopes."""
        for base in (_GLOBAL, _GUILD):
            router.add("GET", base, self.list_commands)
            router.add("PUT", base, self.overwrite)
            router.add("POST", base, self.upsert)
            router.add("GET", base + "/{command_id}", self.get_command)
            router.add("DELETE", base + "/{command_id}", self.delete_command)

    def _scope(self, ctx: RequestContext) -> int | None:
        if ctx.snowflake("application_id") != self.core.application_id:
            raise errors.missing_access()
        if "guild_id" not in ctx.params:
            return None
        guild_id = ctx.snowflake("guild_id")
        if guild_id not in self.core.world.guilds:
            raise errors.missing_access()
        return guild_id

    async def list_commands(self, ctx: RequestContext) -> Reply:
        """Registered commands of the scope."""
        return Reply(self.core.commands.scopes.get(self._scope(ctx), []))

    async def overwrite(self, ctx: RequestContext) -> Reply:
        """``PUT``: bulk overwrite (what ``CommandTree.sync`` sends)."""
        scope = self._scope(ctx)
        return Reply(self.core.commands.overwrite(scope, ctx.body.json))

    async def upsert(self, ctx: RequestContext) -> Reply:
        """``POST``: create or replace one command (201 when new)."""
        stored, created = self.core.commands.upsert(self._scope(ctx), ctx.json())
        return Reply(stored, 201 if created else 200)

    async def get_command(self, ctx: RequestContext) -> Reply:
        """One command."""
        return Reply(self.core.commands.get(self._scope(ctx), ctx.snowflake("command_id")))

    async def delete_command(self, ctx: RequestContext) -> Reply:
        """Delete one command."""
        self.core.commands.delete(self._scope(ctx), ctx.snowflake("command_id"))
        return Reply(None)
