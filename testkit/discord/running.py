"""Running a discord.py client against the fake: point discord.py at it, start and stop a bot."""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TypeVar

import discord
import discord.gateway
import discord.http
import yarl

from .fake import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)


@contextmanager
def point_discord_py_at(fake: FakeDiscord) -> Iterator[None]:
    """Set ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY`` to the fake
    and restore the previous values afterwards."""
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


async def _wait_started(
    fake: FakeDiscord,
    client: discord.Client,
    task: asyncio.Task[None],
    timeout: float,
    wait_ready: bool,
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (client.is_ready() if wait_ready else _connected(fake, client)):
        if task.done():
            task.result()
            raise RuntimeError("the bot stopped before it was ready")
        if loop.time() > deadline:
            raise TimeoutError(f"the bot was not ready after {timeout:.1f}s")
        await asyncio.sleep(0.01)


def _connected(fake: FakeDiscord, client: discord.Client) -> bool:
    session = fake.sessions[-1] if fake.sessions else None
    return (
        session is not None
        and session.ready
        and len(client.guilds) >= len([e for e in session.log if e.event == "GUILD_CREATE"])
    )


@asynccontextmanager
async def running_bot(
    fake: FakeDiscord, client: ClientT, *, timeout: float = 10.0, wait_ready: bool = True
) -> AsyncIterator[ClientT]:
    """Run ``client.start(fake.token)`` in a task until the block ends, then close it.

    Waits for ``on_ready`` (``wait_ready``; pass ``guild_ready_timeout=0.1`` to the client to
    keep that fast) or only for the guild cache.  Startup errors (``LoginFailure``,
    ``PrivilegedIntentsRequired``...) are raised here.
    """
    task = asyncio.create_task(client.start(fake.token), name="fake-discord-bot")
    try:
        await _wait_started(fake, client, task, timeout, wait_ready)
    except BaseException:
        await client.close()
        await _finish(task, timeout, reraise=False)
        raise
    try:
        yield client
    finally:
        await client.close()
        await _finish(task, timeout, reraise=True)


async def _finish(task: asyncio.Task[None], timeout: float, *, reraise: bool) -> None:
    try:
        await asyncio.wait_for(task, timeout)
    except Exception:
        if reraise:
            raise
