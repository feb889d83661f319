"""Finding ffmpeg and running it safely from asyncio.

Only ``ffmpeg`` is required. imageio-ffmpeg's wheel (the fallback when the system has no
ffmpeg) ships no ffprobe, so nothing in the audio pipeline calls ffprobe: probing parses the
banner ffmpeg itself prints for its input.

Every run is an argv list (never a shell), always with ``-nostdin`` so ffmpeg cannot wait on
or read our terminal, bounded in time, and killed and reaped when it times out or when the
awaiting task is cancelled. stderr is read as it comes (so a chatty ffmpeg never blocks on a
full pipe) and kept bounded in memory.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import logging
import shutil
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bot.audio._opus import OpusLibrary
from bot.errors import AudioToolError, ConfigError

log = logging.getLogger(__name__)

STDERR_HEAD_BYTES = 64 * 1024  # the input banner (formats, streams) comes first
STDERR_TAIL_BYTES = 64 * 1024  # the final report (time=, filter stats) comes last
MAX_LINE_CHARS = 4096  # a hostile tag can print a megabyte on one line
MAX_MATCHED_LINES = 200_000
_READ_BYTES = 64 * 1024


@dataclass(frozen=True)
class AudioTools:
    """The audio tools found at startup: ffmpeg's path (``ffprobe`` is informational:
    nothing requires it) and the system's libopus when there is one (voice notes are then
    checked without starting ffmpeg, see ``_native``)."""

    ffmpeg: str
    ffprobe: str | None
    opus: OpusLibrary | None = None


class FfmpegTimeout(AudioToolError):
    """ffmpeg ran past its time budget and was killed."""


@dataclass(frozen=True)
class FfmpegRun:
    """The outcome of one ffmpeg run.

    ``stderr`` holds the first and last lines only when ffmpeg printed more than the bound
    (``stderr_truncated``); ``matched`` holds every line the caller's ``keep`` predicate
    selected, wherever it appeared.
    """

    returncode: int
    stderr: str
    elapsed_s: float
    stderr_truncated: bool = False
    matched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when ffmpeg exited with status 0."""
        return self.returncode == 0


def locate_audio_tools() -> AudioTools:
    """The system ffmpeg on PATH, else the static build bundled with imageio-ffmpeg; and
    the system's libopus."""
    system = shutil.which("ffmpeg")
    if system is not None:
        return AudioTools(system, shutil.which("ffprobe"), OpusLibrary.load())
    try:
        import imageio_ffmpeg  # imported lazily: only needed when the system has no ffmpeg

        bundled = str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as error:
        raise ConfigError(
            "ffmpeg was not found: install it (e.g. apt-get install ffmpeg) or the "
            "imageio-ffmpeg package"
        ) from error
    log.info("no ffmpeg on PATH; using imageio-ffmpeg's bundled build")
    return AudioTools(bundled, None, OpusLibrary.load())


def file_arg(path: Path) -> str:
    """An ffmpeg URL for a local file: the ``file:`` protocol makes names that start with a
    dash, contain a colon or look like another protocol harmless."""
    return f"file:{path}"


class _StderrCollector:
    """Splits stderr into lines (on ``\\n`` or ``\\r``) and keeps a bounded head and tail."""

    def __init__(self, keep: Callable[[str], bool] | None) -> None:
        self._keep = keep
        self._pending = ""
        self._head: list[str] = []
        self._head_size = 0
        self._tail: deque[str] = deque()
        self._tail_size = 0
        self.truncated = False
        self.matched: list[str] = []

    def feed(self, data: str) -> None:
        """Take the next piece of stderr (lines may span pieces)."""
        self._pending += data
        *lines, self._pending = self._pending.replace("\r", "\n").split("\n")
        if len(self._pending) > MAX_LINE_CHARS:
            lines.append(self._pending)
            self._pending = ""
        for line in lines:
            self._add(line[:MAX_LINE_CHARS])

    def close(self) -> None:
        """Flush a last line that had no newline."""
        if self._pending:
            self._add(self._pending[:MAX_LINE_CHARS])
            self._pending = ""

    def _add(self, line: str) -> None:
        if not line.strip():
            return
        if self._keep is not None and len(self.matched) < MAX_MATCHED_LINES and self._keep(line):
            self.matched.append(line)
        if self._head_size < STDERR_HEAD_BYTES:
            self._head.append(line)
            self._head_size += len(line) + 1
            return
        self._tail.append(line)
        self._tail_size += len(line) + 1
        while self._tail_size > STDERR_TAIL_BYTES:
            self._tail_size -= len(self._tail.popleft()) + 1
            self.truncated = True

    def text(self) -> str:
        """What was kept, with a marker where lines were dropped."""
        marker = ["[... stderr truncated ...]"] if self.truncated else []
        return "\n".join([*self._head, *marker, *self._tail])


async def run_ffmpeg(
    tools: AudioTools,
    args: Sequence[str],
    *,
    timeout_s: float,
    cwd: Path | None = None,
    keep: Callable[[str], bool] | None = None,
) -> FfmpegRun:
    """Run ``ffmpeg -hide_banner -nostdin -nostats <args>`` and collect its stderr.

    A non-zero exit is returned, not raised: callers decide whether it is the input's fault.
    Raises :class:`FfmpegTimeout` after ``timeout_s`` and :class:`AudioToolError` when ffmpeg
    cannot be started; the process is killed and reaped on timeout and on cancellation.
    """
    argv = [tools.ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", *args]
    started = time.monotonic()
    process = await _start(argv, cwd)
    collector = _StderrCollector(keep)
    try:
        async with asyncio.timeout(timeout_s):
            await _drain(process, collector)
            returncode = await process.wait()
    except TimeoutError:
        await _kill(process)
        log.warning("ffmpeg killed after %.1fs timeout", timeout_s)
        raise FfmpegTimeout(
            f"The audio converter took longer than {timeout_s:.0f} s and was stopped."
        ) from None
    except BaseException:
        await _kill(process)  # cancellation: never leave an orphan writing into the workdir
        raise
    collector.close()
    return FfmpegRun(
        returncode=returncode,
        stderr=collector.text(),
        elapsed_s=time.monotonic() - started,
        stderr_truncated=collector.truncated,
        matched=collector.matched,
    )


async def _start(argv: list[str], cwd: Path | None) -> asyncio.subprocess.Process:
    try:
        return await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            cwd=cwd,
        )
    except OSError as error:
        log.error("could not start ffmpeg (%s): %s", argv[0], error)
        raise AudioToolError("The audio converter (ffmpeg) could not be started.") from error


async def _drain(process: asyncio.subprocess.Process, collector: _StderrCollector) -> None:
    assert process.stderr is not None
    # Incremental: a multi-byte character split across two reads still decodes whole.
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while chunk := await process.stderr.read(_READ_BYTES):
        collector.feed(decoder.decode(chunk))
    collector.feed(decoder.decode(b"", final=True))


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):  # it exited since the check
            process.kill()
    # Shielded: if a second cancellation arrives, the reaping still completes in the
    # background instead of leaving a zombie.
    await asyncio.shield(process.wait())
