"""The composition root, Discord half: ``python -m bot run`` builds the core, then the bot.

Runs until SIGTERM/SIGINT, then lets running jobs finish (bounded) while still connected so
they can post their replies, and disconnects. Without the Message Content intent the bot
runs on with commands and context menus only. When Discord cannot be reached at startup
(DNS, a refused connection, a 5xx from the login call) it says so in one line and tries
again with backoff: an outage must not need a human. A token Discord refuses is a
configuration error: one line, no retry.

Exit codes (of ``python -m bot run``): 0 after SIGTERM/SIGINT, 2 for a configuration error
(a missing key, a refused token), 1 for anything unexpected (logged with its traceback).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl

from bot.app import Core, open_core, runner_config_from
from bot.errors import ConfigError
from bot.jobs import RunnerConfig, WorkerLoad
from bot.logs import configure_logging
from bot.ops import (
    DatabaseCheck,
    GeminiCheck,
    LoopLagMonitor,
    OpsServer,
    Readiness,
    StoreGauges,
    WorkersCheck,
    store_gauges,
)
from bot.settings import Settings
from cogs.bot import VoiceNotesBot
from cogs.ops import DiscordCheck, ShardMonitor

log = logging.getLogger(__name__)
# What a failed login looks like when Discord is down or out of reach (not a refused token).
UNREACHABLE = (aiohttp.ClientError, OSError, TimeoutError, discord.DiscordServerError)
FIRST_RETRY_S = 2.0
MAX_RETRY_S = 300.0


def point_discord_py_at(settings: Settings) -> None:
    """Route REST and the gateway through another host (a REST proxy, or the test fake)."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def unreachable_reason(error: BaseException) -> str:
    """A short, secret-free reason for a failed connection to Discord."""
    if isinstance(error, discord.DiscordServerError):
        return f"Discord answered HTTP {error.status}"
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return "the host name could not be resolved"
    if isinstance(error, aiohttp.ClientConnectorError):
        if isinstance(error.os_error, ConnectionRefusedError):
            return "the connection was refused"
        return "the connection failed"
    if isinstance(error, TimeoutError):
        return "the connection timed out"
    return type(error).__name__


class Lifecycle:
    """Signals, the running bot, and the backoff between attempts to reach Discord."""

    def __init__(self, grace_s: float) -> None:
        self._grace_s = grace_s
        self.stopping = asyncio.Event()
        self._bot: VoiceNotesBot | None = None
        self._shutdowns: set[asyncio.Task[None]] = set()  # strong references

    def install(self) -> None:
        """Handle SIGTERM and SIGINT: the first starts a graceful shutdown, later ones wait."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal)

    def _on_signal(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        if self._bot is not None:
            self._shutdowns.add(asyncio.create_task(self._shut_down(self._bot)))

    async def _shut_down(self, bot: VoiceNotesBot) -> None:
        """Let running jobs finish within the grace period (the rest go back to the
        queue) while still connected, so they can post their replies; then disconnect."""
        await bot.runner.stop(self._grace_s)
        await bot.close()

    @property
    def current(self) -> VoiceNotesBot | None:
        """The bot of the attempt running now, if any."""
        return self._bot

    async def run(self, bot: VoiceNotesBot, token: str) -> None:
        """Run ``bot`` until it stops (a signal, or an error raised from ``start``)."""
        self._bot = bot
        try:
            await bot.start(token)
        finally:
            if not bot.is_closed():
                await bot.close()
            await asyncio.gather(*self._shutdowns, return_exceptions=True)
            self._bot = None

    async def wait(self, seconds: float) -> None:
        """Sleep before the next attempt, cut short by a signal."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)


async def _attempts(core: Core, life: Lifecycle, token: str, config: RunnerConfig) -> None:
    """Start the bot until it runs to a signal; retry while Discord is out of reach."""
    message_content, delay = True, FIRST_RETRY_S
    while not life.stopping.is_set():
        bot = VoiceNotesBot(core, message_content=message_content, runner_config=config)
        try:
            await life.run(bot, token)
            return
        except discord.PrivilegedIntentsRequired:
            log.error(
                "The Message Content intent is not enabled for this application. Enable it in "
                "the Discord developer portal (Bot > Privileged Gateway Intents) for automatic "
                "transcription in servers; running on with slash commands and context menus only."
            )
            message_content = False
        except discord.LoginFailure:
            raise ConfigError("Discord rejected DISCORD_TOKEN: check the bot token.") from None
        except UNREACHABLE as error:
            host = yarl.URL(discord.http.Route.BASE).host
            log.error(
                "Discord (%s) is unreachable: %s; trying again in %.0f s.",
                host,
                unreachable_reason(error),
                delay,
            )
            await life.wait(delay)
            delay = min(delay * 2, MAX_RETRY_S)


def readiness(core: Core, current: Callable[[], VoiceNotesBot | None]) -> Readiness:
    """The readiness checks of a process running ``current()``: Discord's shards, the
    database, the workers, Gemini's pause."""

    def load() -> WorkerLoad | None:
        bot = current()
        return None if bot is None else bot.runner.load

    def monitor() -> ShardMonitor | None:
        bot = current()
        return None if bot is None else bot.shard_monitor

    model = core.pipeline.gemini.model
    stall_s = core.settings.ready_queue_stall_seconds
    return Readiness(
        [
            DiscordCheck(monitor),
            DatabaseCheck(core.storage),
            WorkersCheck(core.storage, load, model=model, stall_s=stall_s, clock=core.clock),
            GeminiCheck(core.storage, model),
        ]
    )


@contextlib.asynccontextmanager
async def operations(
    core: Core, current: Callable[[], VoiceNotesBot | None]
) -> AsyncIterator[OpsServer | None]:
    """The operators' HTTP server and the event-loop lag monitor, while the block runs;
    nothing without ``HTTP_PORT``."""
    settings = core.settings
    if settings.http_port is None:
        yield None
        return
    model = core.pipeline.gemini.model
    gauges = StoreGauges(
        core.metrics,
        core.storage,
        store_gauges(model),
        clock=core.clock,
        per_minute=settings.gemini_requests_per_minute,
    )
    server = OpsServer(
        host=settings.http_host,
        port=settings.http_port,
        readiness=readiness(core, current),
        metrics=core.metrics,
        gauges=gauges,
    )
    lag = LoopLagMonitor(core.metrics)
    await server.start()
    lag.start()
    try:
        yield server
    finally:
        await lag.stop()
        await server.stop()


async def serve(settings: Settings, *, runner_config: RunnerConfig | None = None) -> None:
    """Run the bot until a signal (see the module docstring); the operators' endpoints
    answer from before the first connection to Discord until the end."""
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    config = runner_config or runner_config_from(settings)
    life = Lifecycle(settings.shutdown_grace_seconds)
    life.install()
    async with open_core(settings) as core, operations(core, lambda: life.current):
        await _attempts(core, life, token, config)


def run_bot(settings: Settings) -> int:
    """Entry point of ``python -m bot run``; returns the exit code."""
    configure_logging(settings.log_level, settings.log_format, secrets=settings.secrets())
    if settings.discord_token is None or not settings.discord_token.get_secret_value().strip():
        raise ConfigError("DISCORD_TOKEN is not set: put the bot token in the environment or .env")
    settings.require_gemini_key()
    point_discord_py_at(settings)
    asyncio.run(serve(settings))
    return 0
