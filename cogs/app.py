"""The composition root, Discord half: ``python -m bot run`` builds the core, then the bot.

Runs until SIGTERM/SIGINT, then lets running jobs finish (bounded) while still connected so
they can post their replies, and disconnects. Without the Message Content intent the bot
runs on with commands and context menus only.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import discord
import discord.gateway
import discord.http
import yarl

from bot.app import open_core, runner_config_from, secret_values
from bot.errors import ConfigError
from bot.jobs import RunnerConfig
from bot.logs import configure_logging
from bot.settings import Settings
from cogs.bot import VoiceNotesBot

log = logging.getLogger(__name__)


def point_discord_py_at(settings: Settings) -> None:
    """Route REST and the gateway through another host (a REST proxy, or the test fake)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


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
    async with open_core(settings) as core:
        try:
            bot = VoiceNotesBot(core, runner_config=runner_config)
            await _run_until_signal(bot, token, grace_s)
        except discord.PrivilegedIntentsRequired:
            log.error(
                "The Message Content intent is not enabled for this application. Enable it in "
                "the Discord developer portal (Bot > Privileged Gateway Intents) for automatic "
                "transcription in servers; running on with slash commands and context menus only."
            )
            bot = VoiceNotesBot(core, message_content=False, runner_config=runner_config)
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
