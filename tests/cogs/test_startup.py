"""Starting ``python -m bot run`` as a new server owner would: Discord out of reach, a 5xx
from the login call, a refused token. One clear line each, never a traceback."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio

from testkit.bot_process import BotProcess, bot_environment
from testkit.discord import FakeDiscord
from testkit.gemini import FakeGemini
from tests.helpers.polling import poll_until


@pytest_asyncio.fixture
async def fakes() -> AsyncIterator[tuple[FakeDiscord, FakeGemini]]:
    async with FakeDiscord() as discord, FakeGemini() as gemini:
        discord.add_guild("Startup Guild")
        yield discord, gemini


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start(env: dict[str, str], tmp_path: Path) -> BotProcess:
    (tmp_path / "run").mkdir(exist_ok=True)
    return await BotProcess.start(env, cwd=tmp_path / "run", log_path=tmp_path / "bot.log")


def log_lines(bot: BotProcess) -> list[str]:
    return bot.log_path.read_text(errors="replace").splitlines()


async def test_discord_unreachable_is_one_line_then_retried_and_sigterm_exits_0(
    fakes: tuple[FakeDiscord, FakeGemini], tmp_path: Path
) -> None:
    discord, gemini = fakes
    port = closed_port()
    env = bot_environment(
        discord,
        gemini,
        tmp_path / "data",
        discord_api_base=f"http://127.0.0.1:{port}/api/v10",
        discord_gateway_url=f"ws://127.0.0.1:{port}/",
    )
    bot = await start(env, tmp_path)
    try:
        await poll_until(
            lambda: any("unreachable" in line for line in log_lines(bot)),
            timeout=20,
            what="the unreachable line",
        )
        assert bot.running  # waiting to try again, not exited
        assert await bot.terminate() == 0
    finally:
        await bot.ensure_stopped()
    (line,) = [line for line in log_lines(bot) if "unreachable" in line]
    assert line.endswith(
        "Discord (127.0.0.1) is unreachable: the connection was refused; trying again in 2 s."
    )
    text = bot.log_path.read_text()
    assert "Traceback" not in text
    assert "PyNaCl" not in text
    assert "davey" not in text  # voice warnings are noise for a bot that uses no voice


async def test_a_5xx_from_the_login_call_is_retried_until_discord_answers(
    fakes: tuple[FakeDiscord, FakeGemini], tmp_path: Path
) -> None:
    discord, gemini = fakes
    # 503 is what an outage answers; discord.py itself retries 500/502/504/524 a few times.
    discord.fail_next("GET", "/users/@me", status=503)
    bot = await start(bot_environment(discord, gemini, tmp_path / "data"), tmp_path)
    try:
        await bot.wait_connected(discord, 0, timeout=30)
        assert await bot.terminate() == 0
    finally:
        await bot.ensure_stopped()
    unreachable = [line for line in log_lines(bot) if "unreachable" in line]
    assert len(unreachable) == 1
    assert "Discord answered HTTP 503; trying again in 2 s." in unreachable[0]
    assert "Traceback" not in bot.log_path.read_text()


async def test_a_refused_token_is_one_line_and_exit_code_2(
    fakes: tuple[FakeDiscord, FakeGemini], tmp_path: Path
) -> None:
    discord, gemini = fakes
    env = bot_environment(discord, gemini, tmp_path / "data", discord_token="not.the.token")
    bot = await start(env, tmp_path)
    try:
        assert await bot.wait(timeout=20) == 2
    finally:
        await bot.ensure_stopped()
    text = bot.log_path.read_text()
    assert "error: Discord rejected DISCORD_TOKEN: check the bot token." in text.splitlines()
    assert "Traceback" not in text
    assert "not.the.token" not in text
    assert len(discord.requests_to("GET", "/users/@me")) == 1  # never retried


async def test_an_unreachable_database_is_one_line_without_its_password(
    fakes: tuple[FakeDiscord, FakeGemini], tmp_path: Path
) -> None:
    discord, gemini = fakes
    url = f"postgresql://alice:pw-not-to-leak@127.0.0.1:{closed_port()}/voicenotes"
    env = bot_environment(discord, gemini, tmp_path / "data", database_url=url)
    bot = await start(env, tmp_path)
    try:
        assert await bot.wait(timeout=30) == 1
    finally:
        await bot.ensure_stopped()
    text = bot.log_path.read_text()
    assert "pw-not-to-leak" not in text
    assert "Traceback" not in text
    (line,) = [line for line in text.splitlines() if line.startswith("error: ")]
    assert line.startswith("error: I couldn't open the database at postgresql+asyncpg://alice:***@")


async def test_a_half_configured_dashboard_is_one_line_and_exit_code_2(
    fakes: tuple[FakeDiscord, FakeGemini], tmp_path: Path
) -> None:
    discord, gemini = fakes
    env = bot_environment(
        discord,
        gemini,
        tmp_path / "data",
        dashboard_port="0",
        dashboard_url="https://notes.example.org",
        dashboard_secret_key="k" * 40,
    )
    bot = await start(env, tmp_path)
    try:
        assert await bot.wait(timeout=20) == 2
    finally:
        await bot.ensure_stopped()
    text = bot.log_path.read_text()
    expected = (
        "error: The dashboard needs DISCORD_CLIENT_ID, DISCORD_CLIENT_SECRET (see the README)."
    )
    assert expected in text.splitlines()
    assert "k" * 40 not in text
    assert "Traceback" not in text


async def test_a_dashboard_port_in_use_is_one_line_and_exit_code_2(
    fakes: tuple[FakeDiscord, FakeGemini], tmp_path: Path
) -> None:
    discord, gemini = fakes
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = bot_environment(
            discord,
            gemini,
            tmp_path / "data",
            dashboard_port=str(port),
            dashboard_url=f"http://127.0.0.1:{port}",
            discord_client_id=str(discord.application_id),
            discord_client_secret=discord.oauth.client_secret,
            dashboard_secret_key="k" * 40,
        )
        bot = await start(env, tmp_path)
        try:
            assert await bot.wait(timeout=30) == 2
        finally:
            await bot.ensure_stopped()
    lines = bot.log_path.read_text().splitlines()
    assert any(
        line.startswith(f"error: The dashboard cannot listen on 127.0.0.1:{port}") for line in lines
    )
    assert discord.oauth.client_secret not in "\n".join(lines)
