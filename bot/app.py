"""``python -m bot run``: build every service once, then run the bot until SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from bot.audio import sweep_stale_workspaces
from bot.cache import StoredResultCache
from bot.discord_bot import CoreServices, VoiceNotesBot
from bot.errors import ConfigError
from bot.jobs import RunnerConfig
from bot.logs import configure_logging
from bot.policy import QuotaLimits, QuotaPolicy
from bot.services import build_pipeline, secret_values
from bot.settings import Settings
from bot.storage import Clock, Storage, utc_now

log = logging.getLogger(__name__)


def point_discord_py_at(settings: Settings) -> None:
    """Route REST and the gateway through another host (a REST proxy, or the test fake)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


@asynccontextmanager
async def core_services(
    settings: Settings, *, clock: Clock = utc_now
) -> AsyncIterator[CoreServices]:
    """Storage, pipeline, quota policy and HTTP session, opened once and always closed;
    ``clock`` is "now" for storage and quotas alike (tests move it to the next day)."""
    storage = await Storage.open(
        settings.database_url or settings.sqlite_default_url,
        clock=clock,
        retention_s=settings.retention_s,
    )
    policy = QuotaPolicy(storage, QuotaLimits.from_settings(settings), clock=clock)
    swept = await asyncio.to_thread(sweep_stale_workspaces, settings.job_root)
    if swept:
        log.info("removed %d stale job dirs left by a previous run", swept)
    pipeline = build_pipeline(
        settings, cache=StoredResultCache(storage, ttl_s=settings.retention_s)
    )
    try:
        async with aiohttp.ClientSession() as http:
            yield CoreServices(
                settings=settings, storage=storage, pipeline=pipeline, http=http, policy=policy
            )
    finally:
        await pipeline.gemini.close()
        await storage.close()


def runner_config_from(settings: Settings) -> RunnerConfig:
    """Job runner tuning from settings. Idle workers poll at least twice per lease, so a
    restarted process picks up a crashed one's jobs soon after their leases lapse."""
    lease_s = settings.job_lease_seconds
    return RunnerConfig(
        concurrency=settings.job_concurrency,
        lease_s=lease_s,
        retry_delay_s=settings.job_retry_delay_seconds,
        result_ttl_s=settings.retention_s,
        idle_poll_s=min(RunnerConfig.idle_poll_s, lease_s / 2),
    )


async def _shut_down(bot: VoiceNotesBot, grace_s: float) -> None:
    """Let running jobs finish within ``grace_s`` (the rest go back to the queue) while
    still connected, so they can post their replies; then disconnect."""
    await bot.runner.stop(grace_s)
    await bot.close()


async def _run_until_signal(bot: VoiceNotesBot, token: str, grace_s: float) -> None:
    loop = asyncio.get_running_loop()
    shutdowns: set[asyncio.Task[None]] = set()  # a strong reference until the task ends

    def on_signal() -> None:
        if not shutdowns:  # a second signal does not start a second shutdown
            shutdowns.add(asyncio.create_task(_shut_down(bot, grace_s)))

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    try:
        await bot.start(token)
    finally:
        if not bot.is_closed():
            await bot.close()
        await asyncio.gather(*shutdowns, return_exceptions=True)


async def serve(settings: Settings, *, runner_config: RunnerConfig | None = None) -> None:
    """Run the bot; without the message-content intent, run on with commands only."""
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    runner_config = runner_config or runner_config_from(settings)
    grace_s = settings.shutdown_grace_seconds
    async with core_services(settings) as services:
        try:
            bot = VoiceNotesBot(services, runner_config=runner_config)
            await _run_until_signal(bot, token, grace_s)
        except discord.PrivilegedIntentsRequired:
            log.error(
                "The Message Content intent is not enabled for this application. Enable it in "
                "the Discord developer portal (Bot > Privileged Gateway Intents) for automatic "
                "transcription in servers; running on with slash commands and context menus only."
            )
            bot = VoiceNotesBot(services, message_content=False, runner_config=runner_config)
            await _run_until_signal(bot, token, grace_s)
        except discord.LoginFailure:
            raise ConfigError("Discord rejected DISCORD_TOKEN: check the bot token.") from None


def run_bot(settings: Settings) -> int:
    """Entry point of ``python -m bot run``; returns the exit code."""
    configure_logging(settings.log_level, settings.log_format, secrets=secret_values(settings))
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        raise ConfigError("DISCORD_TOKEN is not set: put the bot token in the environment or .env")
    settings.require_gemini_key()
    point_discord_py_at(settings)
    asyncio.run(serve(settings))
    return 0
