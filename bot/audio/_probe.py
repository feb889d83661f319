"""Probing audio with ffmpeg alone: what is in the file, how long it really is, is it silent.

No ffprobe (imageio-ffmpeg does not ship one). One ``ffmpeg -i input -map 0:a:0 -c copy
-f null -`` pass reads every packet without decoding: its banner names the container and the
streams, and its final report gives the real duration (the last packet's time, not the
header's claim) and the audio byte count. It costs about as much as a bare remux.

Digital silence needs decoded samples. A short decode of the first few seconds runs beside
the probe: one non-zero sample proves the file is not silent, which settles almost every real
recording at once. Only when that window is all zeros is the rest decoded (folded into the
transcode when there is one).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path

from bot.audio._ffmpeg import AudioTools, FfmpegRun, FfmpegTimeout, file_arg, run_ffmpeg
from bot.errors import CorruptAudio, EmptyAudio, NotAudio

# Demuxers ffmpeg may pick for an upload. Without this list a crafted "audio" file could
# be an HLS or concat playlist (which open other files or URLs) or an image sequence.
ALLOWED_DEMUXERS = "ogg,mp3,wav,w64,aiff,aac,mov,matroska,flac,caf,amr,avi,asf"
INPUT_GUARDS = ("-protocol_whitelist", "file", "-format_whitelist", ALLOWED_DEMUXERS)
SILENCE_WINDOW_S = 5.0
SILENT_PEAK_DB = -90.5  # volumedetect reports -91.0 dB for all-zero 16-bit samples
# Demuxer messages that mean the container is cut short or broken, not merely unusual.
_CORRUPT_MARKERS = ("moov atom not found", "File ended prematurely", "partial file")

NO_AUDIO_TRACK = "This file has no audio track."
UNRECOGNISED = "I couldn't recognise this file as audio or video."
UNDECODABLE = "This file looks damaged or incomplete: I couldn't decode its audio."
TRUNCATED = "This file looks damaged or incomplete: it stops in the middle of the audio."
NO_SAMPLES = "This file holds no audio samples."

_INPUT_RE = re.compile(r"^Input #0, (.+), from '")
# Exactly two spaces: tag keys and values are printed with four or more, so a crafted tag
# cannot pose as a stream.
_STREAM_RE = re.compile(r"^  Stream #0:(\d+)(?:\[0x[0-9a-fA-F]+\])?(?:\([^)]*\))?: (\w+): (.*)$")
_DURATION_RE = re.compile(r"^  Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_BANNER_PREFIXES = ("Input #", "Output #", "Stream mapping:", "  Stream #", "  Duration:")
_TIME_RE = re.compile(r"time=\s*(-?\d+):(\d\d):(\d\d(?:\.\d+)?)")
_AUDIO_BYTES_RE = re.compile(r"audio:\s*(\d+)\s*(?:KiB|kB)")
_NAMED_LAYOUTS = {
    "mono": 1,
    "stereo": 2,
    "downmix": 2,
    "binaural": 2,
    "quad": 4,
    "hexagonal": 6,
    "octagonal": 8,
    "hexadecagonal": 16,
}


@dataclass(frozen=True)
class StreamInfo:
    """One stream of the input as ffmpeg describes it."""

    index: int
    kind: str
    codec: str
    sample_rate: int | None = None
    channels: int | None = None
    bitrate_kbps: float | None = None
    attached_pic: bool = False


@dataclass(frozen=True)
class Probe:
    """What the copy pass found out about the input."""

    format_name: str
    streams: tuple[StreamInfo, ...]
    claimed_duration_s: float | None
    duration_s: float
    audio_bytes: int | None

    @property
    def audio(self) -> StreamInfo:
        """The stream ``-map 0:a:0`` selects (the first audio stream)."""
        return next(s for s in self.streams if s.kind == "Audio")

    @property
    def source_format(self) -> str:
        """``container/codec``, e.g. ``ogg/opus``, for the transcript's JSON document."""
        return f"{self.format_name}/{self.audio.codec}"


@dataclass(frozen=True)
class Loudness:
    """volumedetect's verdict: how many samples were decoded and the loudest one."""

    n_samples: int
    max_volume_db: float | None

    @property
    def silent(self) -> bool:
        """Samples were decoded and every one of them was zero."""
        return self.n_samples > 0 and (self.max_volume_db or 0.0) <= SILENT_PEAK_DB


def _hms(hours: str, minutes: str, seconds: str) -> float:
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses: ``5.1(side)`` and ``(mp4a / 0x...)`` stay whole."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    parts.append("".join(current).strip())
    return parts


def _channels(part: str) -> int | None:
    if part in _NAMED_LAYOUTS:
        return _NAMED_LAYOUTS[part]
    if match := re.fullmatch(r"(\d+) channels", part):
        return int(match.group(1))
    base = part.split("(")[0]
    if re.fullmatch(r"\d+(\.\d+)+", base):  # "5.1" is five full-range channels plus one LFE
        return sum(int(n) for n in base.split("."))
    return None


def parse_stream(index: int, kind: str, description: str) -> StreamInfo:
    """Turn ``aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 128 kb/s`` into fields."""
    parts = _split_top_level(description)
    codec = parts[0].split(" ")[0]
    rate = channels = None
    bitrate = None
    for part in parts[1:]:
        if match := re.fullmatch(r"(\d+) Hz", part):
            rate = int(match.group(1))
        elif match := re.match(r"(\d+(?:\.\d+)?) kb/s", part):
            bitrate = float(match.group(1))
        elif channels is None:
            channels = _channels(part)
    return StreamInfo(
        index, kind, codec, rate, channels, bitrate, attached_pic="(attached pic)" in description
    )


def parse_banner(stderr: str) -> tuple[str, tuple[StreamInfo, ...], float | None] | None:
    """Container name, streams and claimed duration from ffmpeg's ``Input #0`` banner.

    Only the indented block right after ``Input #0`` is read: output banners repeat the
    stream lines. Works on the full stderr or on the lines :func:`is_banner_line` kept.
    """
    lines = stderr.splitlines()
    start = next((i for i, line in enumerate(lines) if _INPUT_RE.match(line)), None)
    if start is None:
        return None
    match = _INPUT_RE.match(lines[start])
    assert match is not None
    streams: list[StreamInfo] = []
    claimed = None
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        if found := _STREAM_RE.match(line):
            streams.append(parse_stream(int(found.group(1)), found.group(2), found.group(3)))
        elif duration := _DURATION_RE.match(line):
            claimed = _hms(*duration.groups())
    return match.group(1), tuple(streams), claimed


def is_banner_line(line: str) -> bool:
    """Lines :func:`parse_banner` needs."""
    return line.startswith(_BANNER_PREFIXES)


def parse_time(stderr: str) -> float | None:
    """The ``time=`` of ffmpeg's final report: where the last packet or sample landed."""
    found = _TIME_RE.findall(stderr)
    return max(0.0, _hms(*found[-1])) if found else None


def parse_audio_bytes(stderr: str) -> int | None:
    """Bytes of audio the (single) output received, from the final report."""
    found = _AUDIO_BYTES_RE.findall(stderr)
    return int(found[-1]) * 1024 if found else None


def parse_volumedetect(lines: list[str]) -> Loudness:
    """The fullest volumedetect report (ffmpeg 7+ also prints an empty one at graph setup)."""
    best = Loudness(0, None)
    current: Loudness | None = None
    for line in lines:
        if match := re.search(r"n_samples: (\d+)", line):
            current = Loudness(int(match.group(1)), None)
        elif (match := re.search(r"max_volume: (-?[\d.]+|-inf) dB", line)) and current:
            value = match.group(1)
            current = Loudness(current.n_samples, -200.0 if value == "-inf" else float(value))
        if current is not None and current.n_samples >= best.n_samples:
            best = current
    return best


async def probe_input(path: Path, tools: AudioTools, timeout_s: float) -> Probe:
    """Identify the input and measure it by reading every packet (no decoding).

    Raises NotAudio, EmptyAudio or CorruptAudio with a message fit for the sender.
    """
    args = [*INPUT_GUARDS, "-i", file_arg(path), "-map", "0:a:0", "-c", "copy", "-f", "null", "-"]
    run = await _run_probe(tools, args, timeout_s)
    return _interpret(run, count_bytes=True)


async def probe_with_window(
    path: Path, tools: AudioTools, timeout_s: float
) -> tuple[Probe, Loudness]:
    """:func:`probe_input` and the first-window :func:`peak_level` in one ffmpeg process.

    For small files, where starting a second ffmpeg costs more than the work itself. The
    file is opened twice (a ``-t`` input stops its demuxer after the window); ffmpeg then
    reads inputs in threads, a per-packet cost that only pays off on short inputs.
    """
    args = [
        *INPUT_GUARDS,
        "-i",
        file_arg(path),
        *INPUT_GUARDS,
        "-t",
        f"{SILENCE_WINDOW_S:.3f}",
        "-i",
        file_arg(path),
        "-map",
        "0:a:0",
        "-c",
        "copy",
        "-f",
        "null",
        "-",
        "-map",
        "1:a:0",
        "-af",
        "volumedetect",
        "-f",
        "null",
        "-",
    ]
    run = await _run_probe(tools, args, timeout_s)
    # The final report sums the bytes of both outputs here, so they are not counted.
    probe = _interpret(run, count_bytes=False)
    return probe, parse_volumedetect([line for line in run.matched if _is_volume_line(line)])


async def _run_probe(tools: AudioTools, args: list[str], timeout_s: float) -> FfmpegRun:
    try:
        # Banner lines are kept apart: pages of tags could push them out of the bounded head.
        return await run_ffmpeg(
            tools,
            args,
            timeout_s=timeout_s,
            keep=lambda line: is_banner_line(line) or _is_volume_line(line),
        )
    except FfmpegTimeout:
        raise CorruptAudio(
            f"I couldn't read this file within {timeout_s:.0f} s; it may be damaged."
        ) from None


def _interpret(run: FfmpegRun, *, count_bytes: bool) -> Probe:
    banner = parse_banner("\n".join(line for line in run.matched if is_banner_line(line)))
    if banner is None:
        corrupt = any(marker in run.stderr for marker in _CORRUPT_MARKERS)
        raise CorruptAudio(UNDECODABLE) if corrupt else NotAudio(UNRECOGNISED)
    format_name, streams, claimed = banner
    if not any(s.kind == "Audio" for s in streams):
        raise NotAudio(NO_AUDIO_TRACK)
    if not run.ok or any(marker in run.stderr for marker in _CORRUPT_MARKERS):
        raise CorruptAudio(TRUNCATED if run.ok else UNDECODABLE)
    duration = parse_time(run.stderr) or 0.0
    audio_bytes = parse_audio_bytes(run.stderr)
    if duration <= 0.0 and not audio_bytes:
        raise EmptyAudio(NO_SAMPLES)
    return Probe(format_name, streams, claimed, duration, audio_bytes if count_bytes else None)


async def peak_level(
    path: Path, tools: AudioTools, *, timeout_s: float, seconds: float | None = None
) -> Loudness:
    """Decode the first ``seconds`` (or everything) of the first audio stream and measure.

    ``-t`` is an input option here: it stops the demuxer, so no more than the window is
    decoded. A failed decode reports zero samples rather than raising.
    """
    limit = ["-t", f"{seconds:.3f}"] if seconds is not None else []
    args = [
        *INPUT_GUARDS,
        *limit,
        "-i",
        file_arg(path),
        "-map",
        "0:a:0",
        "-af",
        "volumedetect",
        "-f",
        "null",
        "-",
    ]
    run = await run_ffmpeg(tools, args, timeout_s=timeout_s, keep=_is_volume_line)
    return parse_volumedetect(run.matched)


def _is_volume_line(line: str) -> bool:
    return "n_samples:" in line or "max_volume:" in line


async def silence_verdict(
    path: Path,
    duration_s: float,
    tools: AudioTools,
    *,
    first: Loudness | None = None,
    whole: Loudness | None = None,
    timeout_s: float = 30.0,
) -> bool:
    """True when every decoded sample is zero (digital silence: nothing to send Gemini).

    The first window decides unless it was all zeros and there is more audio after it; then
    the whole file does. Pass what was already measured (``first``, from the probe; ``whole``,
    from a transcode) and only what is missing is decoded.
    """
    if first is None:
        first = await peak_level(path, tools, timeout_s=timeout_s, seconds=SILENCE_WINDOW_S)
    if not first.silent or duration_s <= SILENCE_WINDOW_S:
        return first.silent
    if whole is None:
        whole = await peak_level(path, tools, timeout_s=decode_timeout_s(duration_s))
    return whole.silent


def decode_timeout_s(duration_s: float) -> float:
    """A generous bound for one full decode (even a slow machine decodes 20x real time)."""
    return 60.0 + duration_s / 20.0


_OGG_MAX_PAGE = 27 + 255 + 255 * 255


def ogg_is_truncated(path: Path) -> bool:
    """True when an Ogg file ends inside a page (a cut download).

    ffmpeg silently drops a partial last page, so this is checked on the bytes: some page
    near the end must finish exactly at end of file. Blocking: call it in a thread.
    """
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - _OGG_MAX_PAGE - 27))
        tail = handle.read()
    overshoot = False
    for start in (m.start() for m in re.finditer(b"OggS\x00", tail)):
        end = _chain_end(tail, start)
        if end == len(tail):
            return False
        overshoot = overshoot or end > len(tail)
    return overshoot


def _chain_end(tail: bytes, start: int) -> int:
    """Follow consecutive pages from ``start``; where the last one ends (maybe past EOF)."""
    position = start
    while position < len(tail):
        header = tail[position : position + 27]
        if not b"OggS\x00".startswith(header[:5]):
            return position  # not a page: trailing junk, not a cut
        segments = header[26] if len(header) == 27 else 0
        table = tail[position + 27 : position + 27 + segments]
        if len(header) < 27 or len(table) < segments:
            return len(tail) + 1  # the file ends inside a page header
        position += 27 + segments + sum(table)
    return position


async def ogg_truncated(path: Path) -> bool:
    """:func:`ogg_is_truncated` off the event loop."""
    return await asyncio.to_thread(ogg_is_truncated, path)
