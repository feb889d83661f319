"""The real bot as a child process (``python -m bot run``), talking to in-process fakes.

The fake Discord and fake Gemini run in the test's event loop, so the child is started with
``asyncio.create_subprocess_exec`` and everything about it is awaited, never blocked on.
It runs in a scratch directory with a minimal environment, so neither a developer's ``.env``
nor their shell's keys reach it. Its stdout and stderr are appended to one log file across
restarts, for the test to read afterwards (privacy checks, failure reports).
"""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from testkit.discord import FakeDiscord
from testkit.discord.waiting import poll_until
from testkit.gemini import FakeGemini

REPO_ROOT = Path(__file__).resolve().parents[1]
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
_LOG_TAIL_CHARS = 4000


def bot_environment(
    discord: FakeDiscord, gemini: FakeGemini, data_dir: Path, **settings: object
) -> dict[str, str]:
    """Environment for ``python -m bot run`` pointed at the fakes, with its database and work
    dirs under ``data_dir``; ``settings`` adds or overrides variables (``JOB_LEASE_SECONDS=2``)."""
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    env.update(
        DISCORD_TOKEN=discord.token,
        DISCORD_API_BASE=discord.api_base,
        DISCORD_GATEWAY_URL=discord.gateway_url,
        GEMINI_API_KEY=gemini.api_key,
        GEMINI_BASE_URL=gemini.base_url,
        DATA_DIR=str(data_dir),
        DATABASE_URL=database_url(data_dir),
        DOWNLOAD_HOSTS="127.0.0.1",  # the fake CDN, explicitly allowlisted on loopback
        DOWNLOAD_PRIVATE_NETWORKS="127.0.0.1/32",
        PYTHONPATH=str(REPO_ROOT),  # the checkout, whether or not it is pip-installed
        PYTHONUNBUFFERED="1",
    )
    env.update({name.upper(): str(value) for name, value in settings.items()})
    return env


def database_url(data_dir: Path) -> str:
    """The SQLite database the child uses, which outlives it across restarts."""
    return f"sqlite:///{data_dir / 'bot.sqlite3'}"


@dataclass(frozen=True)
class Memory:
    """A process's memory, from ``/proc/<pid>/status``: resident now and at its peak."""

    rss_mb: float
    peak_mb: float


async def http_get(port: int, path: str, timeout: float = 10.0) -> tuple[int, str]:
    """``GET http://127.0.0.1:{port}{path}``: the status and the body's text."""
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, await response.text()


class BotProcess:
    """One run of the bot. End it with :meth:`kill` (SIGKILL, like ``kill -9``),
    :meth:`terminate` (SIGTERM) or :meth:`ensure_stopped` (teardown)."""

    def __init__(self, process: asyncio.subprocess.Process, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    @classmethod
    async def start(
        cls, env: dict[str, str], *, cwd: Path, log_path: Path, argv: list[str] | None = None
    ) -> BotProcess:
        """Spawn ``python -m bot run`` (or ``argv``, found on ``env``'s PATH) with ``env``
        in ``cwd``, logging to ``log_path``."""
        command = argv or [sys.executable, "-m", "bot", "run"]
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                *command,
                env=env,
                cwd=cwd,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        return cls(process, log_path)

    @property
    def running(self) -> bool:
        """Whether the child has not exited (as far as the event loop has noticed)."""
        return self.process.returncode is None

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye. Safe to call from a synchronous fake hook."""
        if self.running:
            self.process.kill()

    async def wait(self, timeout: float = 10.0) -> int:
        """The exit code once the child has exited (negative: killed by that signal)."""
        return await asyncio.wait_for(self.process.wait(), timeout)

    async def terminate(self, timeout: float = 20.0) -> int:
        """SIGTERM, then the exit code of the graceful shutdown."""
        self.process.send_signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def ensure_stopped(self) -> None:
        """Kill the child if it is still running, and reap it."""
        self.kill()
        await self.wait()

    async def wait_connected(
        self, discord: FakeDiscord, sessions_before: int, timeout: float = 20.0
    ) -> None:
        """Until this run identified on the fake gateway and received its guilds (its job
        workers start before it connects); fails early, with the log, if the child exits."""

        def connected() -> bool:
            if not self.running:
                raise RuntimeError(f"the bot exited early:\n{self.log_tail()}")
            sessions = discord.sessions
            return len(sessions) > sessions_before and sessions[-1].ready

        try:
            await poll_until(connected, timeout=timeout, interval=0.05, what="the bot to connect")
        except TimeoutError as error:
            raise TimeoutError(f"{error}; log:\n{self.log_tail()}") from None

    def memory(self) -> Memory:
        """Resident memory now and at its peak (Linux: VmRSS and VmHWM)."""
        fields: dict[str, float] = {}
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for line in status.splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024  # kB
        return Memory(rss_mb=fields["VmRSS"], peak_mb=fields["VmHWM"])

    def log_tail(self) -> str:
        """The end of the log, for failure messages."""
        return self.log_path.read_text(errors="replace")[-_LOG_TAIL_CHARS:]
