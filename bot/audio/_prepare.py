"""Turning whatever someone uploaded into audio Gemini accepts, cheaply and safely.

The flow of :func:`prepare_audio`:

1. Size check on the file as it is (nothing runs on a file over the byte limit).
2. The file is linked into the job workdir as ``input``: the sender's file name never
   reaches the disk or an ffmpeg command line.
3. Three things at once: the probe (one packet-reading ffmpeg pass: container, streams, real
   duration), a short decode of the first seconds (digital silence), and the SHA-256 of the
   bytes in a thread (the cache key). A clean Ogg Opus file, such as a Discord voice note,
   is probed in Python and decoded by libopus instead (``_native``: no ffmpeg starts at
   all). Otherwise, for a small file the probe and the decode share one ffmpeg process; a
   big file gets two side by side.
4. Validation (no audio, truncated, empty, too short, too long), each with its own error.
5. Normalisation. Audio already compact and in a type Gemini lists is passed through as is
   (a Discord voice note: Opus in Ogg) or stream-copied into the right container (AAC from
   MP4 into ADTS, Opus from WebM into Ogg, MP3 out of a video). Everything else (PCM, FLAC,
   multichannel, high bitrates, other codecs) is transcoded to 16 kHz mono Opus in Ogg. ffmpeg
   streams all of it: no decoded audio ever sits in Python memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.audio._ffmpeg import AudioTools, FfmpegRun, file_arg, run_ffmpeg
from bot.audio._native import probe_natively
from bot.audio._probe import (
    INPUT_GUARDS,
    SILENCE_WINDOW_S,
    TRUNCATED,
    UNDECODABLE,
    Loudness,
    Probe,
    decode_timeout_s,
    ogg_truncated,
    parse_time,
    parse_volumedetect,
    peak_level,
    probe_input,
    probe_with_window,
    silence_verdict,
)
from bot.audio._types import NATIVE_CODECS, OPUS_ARGS, AudioLimits, PreparedAudio, too_large
from bot.audio._workspace import adopt_input, regular_file_size, sha256_file
from bot.errors import (
    AudioToolError,
    AudioTooLong,
    AudioTooShort,
    BadInput,
    CorruptAudio,
    EmptyAudio,
)
from bot.timecodes import compared_durations

log = logging.getLogger(__name__)

# Tags, cover art and chapters say nothing Gemini needs (and may say what a sender didn't mean).
_NO_METADATA = ("-map_metadata", "-1", "-map_chapters", "-1")
# At or under these bitrates a transcode would save little upload for a lot of CPU.
COMPACT_MONO_KBPS = 160.0  # mono speech recorders commonly write 128 kb/s MP3
COMPACT_STEREO_KBPS = 96.0
_MIN_COUNTED_AUDIO_BYTES = 16 * 1024  # below this the KiB-rounded byte count is too coarse
# Up to this size (about 4 minutes of a Discord voice note) one ffmpeg both probes and
# decodes the silence window: a second process would cost more to start than it saves.
ONE_PROCESS_MAX_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Plan:
    """What to do with an input: pass it through, copy its stream into the right container,
    or transcode it."""

    action: Literal["pass", "remux", "transcode"]
    mime_type: str
    muxer: str = "ogg"
    extension: str = ".ogg"


@dataclass(frozen=True)
class _Output:
    path: Path
    duration_s: float
    transcoded: bool
    loudness: Loudness | None = None  # whole-file volume, when the transcode measured it


def audio_kbps(probe: Probe, size_bytes: int) -> float:
    """The audio stream's real bitrate: counted bytes when there are enough of them, else
    the declared stream bitrate, else the whole file's."""
    duration = max(probe.duration_s, 1e-3)
    if probe.audio_bytes and probe.audio_bytes >= _MIN_COUNTED_AUDIO_BYTES:
        return probe.audio_bytes * 8 / duration / 1000
    if probe.audio.bitrate_kbps is not None:
        return probe.audio.bitrate_kbps
    return size_bytes * 8 / duration / 1000


def choose_plan(probe: Probe, size_bytes: int) -> Plan:
    """Pass through, remux or transcode (see the module docstring for the rules)."""
    stream = probe.audio
    native = NATIVE_CODECS.get(stream.codec)
    limit = {1: COMPACT_MONO_KBPS, 2: COMPACT_STEREO_KBPS}.get(stream.channels or 0)
    if native is None or limit is None or audio_kbps(probe, size_bytes) > limit:
        return Plan("transcode", "audio/ogg")
    claimed = probe.claimed_duration_s
    # A header that disagrees with the packets would mislead Gemini too: a remux rewrites it.
    honest = claimed is None or abs(claimed - probe.duration_s) <= max(1.0, 0.02 * claimed)
    action: Literal["pass", "remux"] = "remux"
    if probe.format_name == native.demuxer and len(probe.streams) == 1 and honest:
        action = "pass"
    return Plan(action, native.mime_type, native.muxer, native.extension)


def _checked_size(source: Path, limits: AudioLimits) -> int:
    size = regular_file_size(source)
    if size is None:
        raise BadInput("I couldn't open this file.")
    if size == 0:
        raise EmptyAudio("This file is empty.")
    if size > limits.max_bytes:
        raise too_large(size, limits.max_bytes)
    return size


def _check_duration(duration_s: float, limits: AudioLimits) -> None:
    if duration_s < limits.min_duration_s:
        value, limit = compared_durations(duration_s, limits.min_duration_s)
        raise AudioTooShort(f"This clip is only {value} long; send at least {limit} of audio.")
    if duration_s > limits.max_duration_s:
        value, limit = compared_durations(duration_s, limits.max_duration_s)
        raise AudioTooLong(f"This audio is {value} long; the limit is {limit}.")


async def prepare_audio(
    source: Path, workdir: Path, limits: AudioLimits, tools: AudioTools
) -> PreparedAudio:
    """Validate ``source`` and make the file to send to Gemini, inside ``workdir``.

    Raises a :class:`bot.errors.BadInput` subclass with a message for the sender when the
    input is unusable, :class:`bot.errors.AudioToolError` when ffmpeg itself fails.
    """
    started = time.monotonic()
    size = await asyncio.to_thread(_checked_size, source, limits)
    path = await asyncio.to_thread(adopt_input, source, workdir)
    # The hash needs nothing from ffmpeg: it runs in a thread while ffmpeg works.
    digest = asyncio.ensure_future(asyncio.to_thread(sha256_file, path))
    try:
        probe, first = await _inspect(path, size, limits, tools)
        plan = choose_plan(probe, size)
        output = await _normalize(plan, probe, path, workdir, limits, tools, first)
        silent = await silence_verdict(
            path, output.duration_s, tools, first=first, whole=output.loudness
        )
        prepared = PreparedAudio(
            path=output.path,
            mime_type=plan.mime_type,
            duration_s=round(output.duration_s, 3),
            size_bytes=await asyncio.to_thread(lambda: output.path.stat().st_size),
            source_sha256=await digest,
            source_format=probe.source_format,
            transcoded=output.transcoded,
            is_digital_silence=silent,
        )
    finally:
        await _settle(digest)
    _log_prepared(prepared, plan, size, time.monotonic() - started)
    return prepared


def _log_prepared(prepared: PreparedAudio, plan: Plan, size: int, elapsed_s: float) -> None:
    log.info(
        "audio prepared: format=%s action=%s duration=%.1fs bytes=%d->%d elapsed=%.2fs",
        prepared.source_format,
        plan.action,
        prepared.duration_s,
        size,
        prepared.size_bytes,
        elapsed_s,
    )


async def _inspect(
    path: Path, size: int, limits: AudioLimits, tools: AudioTools
) -> tuple[Probe, Loudness]:
    """Probe, validate, and decode the first seconds for the silence check.

    A clean Ogg Opus file (a voice note) needs no ffmpeg (``_native``). Otherwise a small
    file gets one ffmpeg doing both; a big one gets two running side by side, because one
    process would read the long input through a slower threaded path.
    """
    if (native := await probe_natively(path, size, tools)) is not None:
        probe, first = native
        _check_duration(probe.duration_s, limits)
    elif size <= ONE_PROCESS_MAX_BYTES:
        probe, first = await probe_with_window(path, tools, limits.probe_timeout_s)
        await _validate(probe, path, limits)
    else:
        window = asyncio.ensure_future(
            peak_level(path, tools, timeout_s=limits.probe_timeout_s, seconds=SILENCE_WINDOW_S)
        )
        try:
            probe = await probe_input(path, tools, limits.probe_timeout_s)
            await _validate(probe, path, limits)
            first = await window
        finally:
            await _settle(window)
    if first.n_samples == 0:
        raise CorruptAudio(UNDECODABLE)  # packets, but not one decodable sample
    return probe, first


async def _validate(probe: Probe, path: Path, limits: AudioLimits) -> None:
    if probe.format_name == "ogg" and await ogg_truncated(path):
        raise CorruptAudio(TRUNCATED)
    _check_duration(probe.duration_s, limits)


async def _settle(*tasks: asyncio.Future[Any]) -> None:
    """Cancel helpers an early error left running and wait for them (threads finish alone)."""
    for task in tasks:
        if not task.done():
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _normalize(
    plan: Plan,
    probe: Probe,
    path: Path,
    workdir: Path,
    limits: AudioLimits,
    tools: AudioTools,
    first: Loudness,
) -> _Output:
    if plan.action == "pass":
        return _Output(path, probe.duration_s, transcoded=False)
    if plan.action == "remux":
        remuxed = await _remux(plan, probe, path, workdir, tools)
        if remuxed is not None:
            return remuxed
        log.info("remux of %s failed; transcoding instead", probe.source_format)
    # When the first seconds were all zeros, the transcode measures the rest for free.
    measure_volume = first.silent and probe.duration_s > SILENCE_WINDOW_S
    output = await _transcode(probe, path, workdir, limits, tools, measure_volume)
    _check_duration(output.duration_s, limits)  # the decoder may find less than the packets
    return output


async def _remux(
    plan: Plan, probe: Probe, path: Path, workdir: Path, tools: AudioTools
) -> _Output | None:
    """Stream-copy the audio into ``plan``'s container; None if ffmpeg refuses."""
    target = workdir / f"audio{plan.extension}"
    source = [*INPUT_GUARDS, "-i", file_arg(path), "-map", "0:a:0"]
    args = [*source, "-c:a", "copy", *_NO_METADATA, "-f", plan.muxer, "-y", file_arg(target)]
    run = await run_ffmpeg(tools, args, timeout_s=decode_timeout_s(probe.duration_s))
    if not run.ok:
        return None
    return _Output(target, parse_time(run.stderr) or probe.duration_s, transcoded=False)


async def _transcode(
    probe: Probe,
    path: Path,
    workdir: Path,
    limits: AudioLimits,
    tools: AudioTools,
    measure_volume: bool,
) -> _Output:
    """Decode and re-encode to compact mono Opus; the output's own clock is the duration."""
    target = workdir / "audio.ogg"
    source = [*INPUT_GUARDS, "-i", file_arg(path), "-map", "0:a:0", *_NO_METADATA]
    volume = ["-af", "volumedetect"] if measure_volume else []
    # A guard, not the check: the probe already measured the length.
    guard = ["-t", f"{limits.max_duration_s + 1:.3f}"]
    args = [*source, *volume, *OPUS_ARGS, *guard, "-f", "ogg", "-y", file_arg(target)]
    run = await run_ffmpeg(
        tools,
        args,
        timeout_s=transcode_timeout_s(probe.duration_s),
        keep=lambda line: "n_samples:" in line or "max_volume:" in line,
    )
    if not run.ok:
        raise _transcode_error(run)
    duration = parse_time(run.stderr) or 0.0
    if duration <= 0.0:
        raise CorruptAudio(UNDECODABLE)
    loudness = parse_volumedetect(run.matched) if measure_volume else None
    return _Output(target, duration, transcoded=True, loudness=loudness)


def transcode_timeout_s(duration_s: float) -> float:
    """Generous: even a small ARM board encodes 16 kHz mono Opus at 4x real time."""
    return 120.0 + duration_s / 4.0


def _transcode_error(run: FfmpegRun) -> Exception:
    tail = run.stderr.splitlines()[-3:]
    log.warning("ffmpeg transcode failed (exit %d): %s", run.returncode, " | ".join(tail))
    if "No space left on device" in run.stderr:
        return AudioToolError("The server ran out of disk space while converting the audio.")
    if "Error while decoding" in run.stderr or "Invalid data found" in run.stderr:
        return CorruptAudio(UNDECODABLE)
    return AudioToolError("Converting the audio failed.")
