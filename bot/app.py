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
from bot.services import build_pipeline, secret_values
from bot.settings import Settings
from bot.storage import Storage

log = logging.getLogger(__name__)
RETENTION_S = 30 * 86400


def point_discord_py_at(settings: Settings) -> None:
    """Route REST and the gateway through another host (a REST proxy, or the test fake)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


@asynccontextmanager
async def core_services(settings: Settings) -> AsyncIterator[CoreServices]:
    """Storage, pipeline and HTTP session, opened once and always closed."""
    storage = await Storage.open(settings.database_url or settings.sqlite_default_url)
    swept = await asyncio.to_thread(sweep_stale_workspaces, settings.job_root)
    if swept:
        log.info("removed %d stale job dirs left by a previous run", swept)
    pipeline = build_pipeline(settings, cache=StoredResultCache(storage, ttl_s=RETENTION_S))
    try:
        async with aiohttp.ClientSession() as http:
            yield CoreServices(settings=settings, storage=storage, pipeline=pipeline, http=http)
    finally:
        await pipeline.gemini.close()
        await storage.close()


async def _run_until_signal(bot: VoiceNotesBot, token: str) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    try:
        await bot.start(token)
    finally:
        if not bot.is_closed():
            await bot.close()


async def serve(settings: Settings, *, runner_config: RunnerConfig | None = None) -> None:
    """Run the bot; without the message-content intent, run on with commands only."""
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    async with core_services(settings) as services:
        try:
            bot = VoiceNotesBot(services, runner_config=runner_config)
            await _run_until_signal(bot, token)
        except discord.PrivilegedIntentsRequired:
            log.error(
                "The Message Content intent is not enabled for this application. Enable it in "
                "the Discord developer portal (Bot > Privileged Gateway Intents) for automatic "
                "transcription in servers; running on with slash commands and context menus only."
            )
            bot = VoiceNotesBot(services, message_content=False, runner_config=runner_config)
            await _run_until_signal(bot, token)
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
