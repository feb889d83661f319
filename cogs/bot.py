"""The Bot class: receives the core services, builds the Discord-facing pieces.

Built by :mod:`cogs.app` (or a test harness) from a :class:`bot.app.Core`. Its constructor
builds the delivery and the job runner, ``setup_hook`` loads the cogs and syncs commands,
and ``close`` stops the workers (bounded) before disconnecting.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord.ext import commands

from bot.admin import ServerAdmin
from bot.app import Core, build_runner, runner_config_from
from bot.jobs import JobRunner, RunnerConfig
from bot.ops import GuildStatusReader
from bot.review import Cards, Review, ReviewedPort, build_cards, build_review
from bot.settings import Settings
from cogs.admin import AdminCommands
from cogs.auto_transcribe import AutoTranscribe
from cogs.cleanup import Cleanup
from cogs.dashboard import DashboardHost
from cogs.delivery import DiscordDelivery
from cogs.erase_button import erase_button_type
from cogs.erasure import Eraser
from cogs.errors import VoiceNotesTree
from cogs.members import MemberCommands
from cogs.ops import (
    SendPacer,
    ShardMonitor,
    discord_trace,
    gate_courtesies,
    global_share,
    share_pacer,
)
from cogs.reactions import ReactionTranscribe
from cogs.review import (
    DYNAMIC_ITEMS,
    DiscordReviewPort,
    ReportCommand,
    ReviewClicks,
    ReviewCommands,
)
from cogs.setup_check import SetupCheck
from cogs.translate_button import translate_items
from cogs.voice_commands import VoiceCommands

log = logging.getLogger(__name__)
# Reaction changes still running at shutdown get this long (a few 0.25-s bucket waits).
REACTIONS_GRACE_S = 5.0


def bot_intents(*, message_content: bool) -> discord.Intents:
    """Guilds, guild messages and DMs; guild reactions (not privileged) for transcribe on
    reaction, whose events carry ids only, so the message is fetched, and comes back with
    its attachments only under message content (privileged: a portal switch)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.guild_reactions = True
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


def _pacer(settings: Settings) -> SendPacer:
    """This process's share of the global limit (see :mod:`cogs.ops`)."""
    return share_pacer(global_share(settings.shard_ids, settings.shard_count))


def _silence_voice_warnings() -> None:
    """discord.py warns at construction that voice libraries are missing: noise for a bot
    that uses no voice (a voice feature would install them and drop this)."""
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


class VoiceNotesBot(commands.AutoShardedBot):
    """The voice-notes bot. Auto-sharded: one process runs every shard Discord recommends,
    or, with ``SHARD_COUNT`` and ``SHARD_IDS``, its share of them while other processes run
    the rest. Jobs are claimed from the shared database by the process running their
    server's shard (:class:`bot.storage.ShardSet`)."""

    def __init__(
        self,
        core: Core,
        *,
        message_content: bool = True,
        runner_config: RunnerConfig | None = None,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        settings = core.settings
        _silence_voice_warnings()
        pacer = _pacer(settings)
        super().__init__(
            command_prefix=commands.when_mentioned,
            tree_cls=VoiceNotesTree,
            intents=bot_intents(message_content=message_content),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            max_ratelimit_timeout=60.0,
            guild_ready_timeout=guild_ready_timeout,
            http_trace=discord_trace(core.metrics, pacer=pacer),
            **_shard_options(settings),
        )
        gate_courtesies(self.http, pacer)
        self.core = core
        self._translate_button, self._language_select = translate_items(
            core.translations, core.storage, core.prices, inline_cap=settings.inline_message_cap
        )
        self.delivery = self._build_delivery()
        self.review_port = DiscordReviewPort(self, core.storage)
        cards = build_cards(core.storage, self.review_port, clock=core.clock)
        self.eraser = Eraser(self, core.storage, cards=cards.lifecycle)
        self.runner, self.review = self._runner_and_review(
            cards, runner_config or runner_config_from(settings)
        )
        self._erase_button = erase_button_type(self.eraser, core.storage)
        # Checked here, before connecting: a misconfigured dashboard is a configuration error.
        self.dashboard = DashboardHost(settings)
        self.shard_monitor = ShardMonitor(self, core.metrics)

    def _build_delivery(self) -> DiscordDelivery:
        """The platform's JobPort; its transcript replies carry the Translate button."""
        core = self.core
        return DiscordDelivery(
            self,
            core.storage,
            core.http,
            downloads=core.downloads,
            inline_cap=core.settings.inline_message_cap,
            clock=core.clock,
            reply_view=self._reply_view,
        )

    def _reply_view(self, job_id: int) -> discord.ui.View:
        """The buttons under a transcript reply: Translate (persistent)."""
        view = discord.ui.View(timeout=None)
        view.add_item(self._translate_button(job_id))
        return view

    def _runner_and_review(self, cards: Cards, config: RunnerConfig) -> tuple[JobRunner, Review]:
        """The job runner, whose port feeds the cards, and review, whose reports and
        re-runs queue jobs on the runner."""
        core = self.core
        runner = build_runner(core, ReviewedPort(self.delivery, cards.intake), config)
        review = build_review(
            cards,
            core.storage,
            self.review_port,
            runner,
            self.eraser,
            clock=core.clock,
            reports_per_hour=core.settings.review_reports_per_hour,
        )
        return runner, review

    def build_cogs(self) -> list[commands.Cog]:
        """Every cog, constructed with the services it needs."""
        core = self.core
        reaction = core.settings.transcribe_reaction
        return [
            AutoTranscribe(self.runner, core.storage, core.consent, self.delivery),
            ReactionTranscribe(
                self, self.runner, core.storage, core.consent, self.delivery, emoji=reaction
            ),
            VoiceCommands(self, self.runner, core.storage, core.consent),
            AdminCommands(
                ServerAdmin(core.storage),
                GuildStatusReader(
                    core.storage, core.policy, core.pipeline.gemini, clock=core.clock
                ),
            ),
            Cleanup(self.eraser, core.storage, guild_grace_s=core.settings.guild_grace_s),
            MemberCommands(core.storage, core.policy, core.prices, self._erase_button),
            SetupCheck(self),
            self.shard_monitor,
            ReviewCommands(self.review, core.storage, core.clock),
            ReportCommand(self, self.review, self.review_port, core.storage),
            ReviewClicks(self, self.review, core.storage),
        ]

    async def setup_hook(self) -> None:
        """Load cogs and persistent buttons, sync commands, start the workers."""
        for cog in self.build_cogs():
            await self.add_cog(cog)
        self.add_dynamic_items(
            self._erase_button, self._translate_button, self._language_select, *DYNAMIC_ITEMS
        )
        await self._sync_commands()
        await self.dashboard.start(self, self.core, self.review)
        self.runner.start()
        log.info("bot ready to work: worker %s", self.runner.worker_id)

    async def _sync_commands(self) -> None:
        guild_id = self.core.settings.dev_guild_id
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
        """Stop taking work, let running jobs finish (bounded), stop the cogs' loops, then
        disconnect. discord.py does not unload cogs when it closes; their loops must not
        outlive the database, which closes next."""
        await self.runner.stop(self.core.settings.shutdown_grace_seconds)
        await self.delivery.status.drain(REACTIONS_GRACE_S)
        await self.dashboard.stop()
        for name in list(self.cogs):
            await self.remove_cog(name)
        await super().close()
