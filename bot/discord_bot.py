"""The Bot class: the one place in ``bot/`` (besides the entry point) that touches discord.py.

It receives services built once at startup, builds the Discord-facing pieces (delivery,
job runner, cogs) in its constructor and ``setup_hook``, and takes them down in ``close``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord
from discord.ext import commands

from bot.jobs import JobRunner, RunnerConfig
from bot.pipeline import Pipeline
from bot.policy import Prices, QuotaPolicy
from bot.settings import Settings
from bot.storage import Storage
from cogs.admin import AdminCommands
from cogs.auto_transcribe import AutoTranscribe
from cogs.cleanup import Cleanup
from cogs.delivery import DiscordDelivery
from cogs.errors import on_app_command_error
from cogs.members import MemberCommands
from cogs.voice_commands import VoiceCommands

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CoreServices:
    """Everything the bot needs, built by the entry point."""

    settings: Settings
    storage: Storage
    pipeline: Pipeline
    http: aiohttp.ClientSession
    policy: QuotaPolicy


def bot_intents(*, message_content: bool) -> discord.Intents:
    """Guilds, guild messages and DMs; message content is privileged (portal switch)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    return intents


def _shard_options(settings: Settings) -> dict[str, Any]:
    """Explicit shards only when configured; otherwise Discord's recommended count."""
    if settings.shard_count is None:
        return {}
    options: dict[str, Any] = {"shard_count": settings.shard_count}
    if settings.shard_ids:
        options["shard_ids"] = list(settings.shard_ids)
    return options


class VoiceNotesBot(commands.AutoShardedBot):
    """The voice-notes bot. Auto-sharded: one process runs every shard Discord recommends,
    or, with ``SHARD_COUNT`` and ``SHARD_IDS``, its share of them while other processes run
    the rest. Jobs are claimed from the shared database by any process, whatever the shard."""

    def __init__(
        self,
        services: CoreServices,
        *,
        message_content: bool = True,
        runner_config: RunnerConfig | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        settings = services.settings
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=bot_intents(message_content=message_content),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            max_ratelimit_timeout=60.0,
            guild_ready_timeout=guild_ready_timeout,
            **_shard_options(settings),
        )
        self.services = services
        self.delivery = DiscordDelivery(
            self, services.storage, services.http, inline_cap=settings.inline_message_cap
        )
        self.runner = JobRunner(
            services.storage,
            services.pipeline,
            self.delivery,
            runner_config or RunnerConfig(concurrency=settings.job_concurrency),
            policy=services.policy,
        )

    def build_cogs(self) -> list[commands.Cog]:
        """Every cog, constructed with the services it needs."""
        storage = self.services.storage
        return [
            AutoTranscribe(self.runner, storage, self.delivery),
            VoiceCommands(self, self.runner, storage),
            AdminCommands(storage),
            Cleanup(self, storage),
            MemberCommands(
                storage, self.services.policy, Prices.from_settings(self.services.settings)
            ),
        ]

    async def setup_hook(self) -> None:
        """Load cogs, install the error handler, sync commands, start the workers."""
        for cog in self.build_cogs():
            await self.add_cog(cog)
        self.tree.on_error = on_app_command_error  # type: ignore[method-assign]
        await self._sync_commands()
        self.runner.start()
        log.info("bot ready to work: worker %s", self.runner.worker_id)

    async def _sync_commands(self) -> None:
        guild_id = self.services.settings.dev_guild_id
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %d", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))

    async def on_ready(self) -> None:
        """Log who we are and where (ids only)."""
        assert self.user is not None
        log.info("connected as %d in %d guilds", self.user.id, len(self.guilds))

    async def close(self) -> None:
        """Stop taking work, let running jobs finish (bounded), then disconnect."""
        await self.runner.stop(self.services.settings.shutdown_grace_seconds)
        await super().close()
