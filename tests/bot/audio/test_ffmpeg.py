"""Locating and running ffmpeg (timeouts, cancellation, bounded stderr) and reading its output."""

from __future__ import annotations

import asyncio
import os
import stat
import uuid
from pathlib import Path

import imageio_ffmpeg
import pytest

from bot.audio import AudioLimits, AudioTools, locate_audio_tools, prepare_audio
from bot.audio._ffmpeg import (
    MAX_LINE_CHARS,
    STDERR_HEAD_BYTES,
    STDERR_TAIL_BYTES,
    FfmpegTimeout,
    _StderrCollector,
    file_arg,
    run_ffmpeg,
)
from bot.audio._probe import is_banner_line, parse_banner, parse_stream, parse_volumedetect
from bot.errors import AudioToolError
from tests.helpers.polling import poll_until
from tests.helpers.processes import processes_running_with

LIMITS = AudioLimits(0.3, 3600.0, 50 * 1024 * 1024, 30.0)


def _endless(marker: str) -> list[str]:
    """An ffmpeg that never ends on its own (real-time silence into the null muxer); the
    marker makes its command line findable in /proc."""
    return [
        "-re",
        "-f",
        "lavfi",
        "-i",
        "anullsrc",
        "-metadata",
        f"comment={marker}",
        "-f",
        "null",
        "-",
    ]


def test_an_ffmpeg_on_path_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = tmp_path / "ffmpeg"
    on_path.symlink_to(imageio_ffmpeg.get_ffmpeg_exe())
    monkeypatch.setenv("PATH", str(tmp_path))
    assert locate_audio_tools().ffmpeg == str(on_path)


def test_falls_back_to_imageio_without_ffmpeg_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    tools = locate_audio_tools()
    assert tools.ffmpeg == imageio_ffmpeg.get_ffmpeg_exe()
    assert tools.ffprobe is None


@pytest.mark.parametrize("name", ["ogg_opus", "wav", "m4a"])
async def test_prepare_audio_works_with_imageio_ffmpeg_alone(
    name: str,
    format_files: dict[str, Path],
    speech_duration: float,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffmpeg, no ffprobe anywhere on PATH
    tools = locate_audio_tools()
    workdir = tmp_path / "job"
    workdir.mkdir()
    audio = await prepare_audio(format_files[name], workdir, LIMITS, tools)
    assert abs(audio.duration_s - speech_duration) <= 0.2
    assert audio.mime_type in {"audio/ogg", "audio/aac"}


async def test_failure_is_returned_not_raised(audio_tools: AudioTools) -> None:
    run = await run_ffmpeg(audio_tools, ["-i", "file:/nonexistent/input"], timeout_s=10)
    assert not run.ok
    assert "No such file" in run.stderr


async def test_timeout_kills_and_reaps(audio_tools: AudioTools) -> None:
    marker = f"timeout-{uuid.uuid4()}"
    with pytest.raises(FfmpegTimeout, match="longer than"):
        await run_ffmpeg(audio_tools, _endless(marker), timeout_s=0.5)
    assert processes_running_with(marker) == []


async def test_cancellation_kills_and_reaps(audio_tools: AudioTools) -> None:
    marker = f"cancel-{uuid.uuid4()}"
    task = asyncio.create_task(run_ffmpeg(audio_tools, _endless(marker), timeout_s=60))
    await poll_until(lambda: processes_running_with(marker), what="ffmpeg to be running")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert processes_running_with(marker) == []


async def test_missing_executable_is_a_tool_error() -> None:
    tools = AudioTools(ffmpeg="/nonexistent/ffmpeg", ffprobe=None)
    with pytest.raises(AudioToolError, match="could not be started"):
        await run_ffmpeg(tools, ["-version"], timeout_s=5)


async def test_non_executable_is_a_tool_error(tmp_path: Path) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("not a program")
    fake.chmod(stat.S_IRUSR)  # no x bit at all: not executable, even for root
    assert not os.access(fake, os.X_OK)
    with pytest.raises(AudioToolError):
        await run_ffmpeg(AudioTools(str(fake), None), ["-version"], timeout_s=5)


async def test_keep_collects_matching_lines(audio_tools: AudioTools) -> None:
    args = ["-f", "lavfi", "-i", "anullsrc=d=1", "-af", "volumedetect", "-f", "null", "-"]
    run = await run_ffmpeg(audio_tools, args, timeout_s=10, keep=lambda ln: "n_samples" in ln)
    assert run.ok
    assert run.matched
    assert all("n_samples" in line for line in run.matched)


def test_stderr_is_bounded() -> None:
    collector = _StderrCollector(keep=lambda line: line.startswith("keep"))
    for i in range(50_000):
        collector.feed(f"line {i} " + "x" * 20 + "\r\n")
    collector.feed("keep me\n")
    collector.feed("y" * (MAX_LINE_CHARS * 10))  # one enormous line, no newline
    collector.close()
    text = collector.text()
    assert collector.truncated
    assert len(text) <= STDERR_HEAD_BYTES + STDERR_TAIL_BYTES + 2 * MAX_LINE_CHARS
    assert text.startswith("line 0 ")
    assert "line 49999 " in text
    assert collector.matched == ["keep me"]


def test_file_arg_neutralises_option_like_names() -> None:
    assert file_arg(Path("-y")) == "file:-y"
    assert file_arg(Path("http://example.com/a.ogg")) == "file:http:/example.com/a.ogg"


# --- parsing ffmpeg's banner --------------------------------------------------------------

BANNER = """\
[ogg @ 0x55] something probed
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/tmp/job/input':
  Metadata:
    title           : Stream #0:9: Audio: opus, 48000 Hz, mono
                    : Stream #0:8: Audio: mp3, 8000 Hz, mono
    Stream #0:7: Audio: opus, 48000 Hz, mono: a tag whose key looks like a stream
  Duration: 00:01:02.50, start: 0.000000, bitrate: 77 kb/s
  Stream #0:0[0x1](und): Video: h264 (avc1 / 0x31637661), yuv420p(tv, bt709), 64x64, 10 fps
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, 5.1(side), fltp, 75 kb/s (default)
Stream mapping:
  Stream #0:1 -> #0:0 (copy)
Output #0, null, to 'pipe:':
  Stream #0:0(und): Audio: aac (LC), 44100 Hz, mono, fltp
"""  # noqa: E501


def test_banner_reads_only_the_input_streams() -> None:
    parsed = parse_banner(BANNER)
    assert parsed == parse_banner("\n".join(filter(is_banner_line, BANNER.splitlines())))
    assert parsed is not None
    name, streams, claimed = parsed
    assert name == "mov,mp4,m4a,3gp,3g2,mj2"
    assert claimed == 62.5
    kinds = [(s.index, s.kind, s.codec) for s in streams]
    assert kinds == [(0, "Video", "h264"), (1, "Audio", "aac")]
    audio = streams[1]
    assert (audio.sample_rate, audio.channels, audio.bitrate_kbps) == (44100, 6, 75.0)


@pytest.mark.parametrize(
    ("description", "channels"),
    [
        ("opus, 48000 Hz, mono, fltp", 1),
        ("pcm_s16le ([1][0][0][0] / 0x0001), 22050 Hz, 2 channels, s16, 705 kb/s", 2),
        ("ac3, 48000 Hz, 7.1, fltp", 8),
        ("vorbis, 44100 Hz, stereo, fltp", 2),
        ("flac, 96000 Hz, weird-layout, s32", None),
    ],
)
def test_stream_descriptions(description: str, channels: int | None) -> None:
    assert parse_stream(0, "Audio", description).channels == channels


def test_volumedetect_keeps_the_real_report() -> None:
    lines = [
        "[Parsed_volumedetect_0 @ 0x1] n_samples: 0",
        "[Parsed_volumedetect_0 @ 0x2] n_samples: 96000",
        "[Parsed_volumedetect_0 @ 0x2] max_volume: -91.0 dB",
    ]
    loudness = parse_volumedetect(lines)
    assert loudness.n_samples == 96000
    assert loudness.silent
