"""Real audio files for the tests, generated on the fly with espeak-ng and ffmpeg.

No binary fixtures live in the repository: each file is made from a few seconds of synthetic
speech (``espeak-ng``) converted by ffmpeg into every accepted format, plus the hostile set
(empty, random, truncated, renamed images...). Plain functions with no pytest import, so the
benchmark can use them too; ``tests/helpers/audio_fixtures.py`` caches them once per test session.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import wave
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

SPEECH_TEXT = "Testing one two three. This is a short voice note for the transcription bot."
PAUSE_TEXTS = (
    "Here is the first thought of the long recording.",
    "And now a second idea, spoken after a short pause.",
    "A third sentence, to keep the speaker busy for a while.",
    "Finally, some words about the weather and the garden.",
)
HOSTILE_NAMES = (
    "voice note with spaces.ogg",
    "ünïcødé 🎤 ノート.ogg",
    "-leading-dash.ogg",
    "--help.ogg",
    "$(touch pwned).ogg",
    "`touch pwned`.ogg",
    "a;rm -rf ~;b.ogg",
    "quote'\"&|<>.ogg",
    "new\nline.ogg",
)
DISCORD_OPUS_ARGS = ("-c:a", "libopus", "-b:a", "32k", "-ac", "1", "-ar", "48000")
BLACK_VIDEO = ("-f", "lavfi", "-i", "color=c=black:s=64x64:r=10")


def ffmpeg_exe() -> str:
    """The ffmpeg the fixtures use: the system one, else imageio-ffmpeg's bundled build."""
    found = shutil.which("ffmpeg")
    if found is not None:
        return found
    import imageio_ffmpeg  # only needed on machines without a system ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def run_ffmpeg_sync(*args: str) -> None:
    """Run ffmpeg quietly and fail loudly (fixture generation is never expected to fail)."""
    argv = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    done = subprocess.run(argv, capture_output=True, timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {argv}\n{done.stderr.decode(errors='replace')}")


def speech_wav(dest: Path, text: str = SPEECH_TEXT) -> Path:
    """Synthetic speech as a mono 22.05 kHz 16-bit WAV (espeak-ng's native output)."""
    done = subprocess.run(
        ["espeak-ng", "-w", str(dest), text], capture_output=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"espeak-ng failed: {done.stderr.decode(errors='replace')}")
    return dest


def wav_duration(path: Path) -> float:
    """Exact duration of a PCM WAV file, from its sample count."""
    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


@dataclass(frozen=True)
class FormatCase:
    """One accepted input format and what prepare_audio should make of it."""

    name: str
    filename: str
    args: tuple[str, ...]
    expect_mime: str
    expect_transcoded: bool
    video: bool = False


FORMAT_CASES = (
    FormatCase("wav", "speech.wav", ("-c:a", "pcm_s16le", "-ar", "44100"), "audio/ogg", True),
    FormatCase(
        "wav_stereo",
        "stereo.wav",
        ("-c:a", "pcm_s16le", "-ac", "2", "-ar", "48000"),
        "audio/ogg",
        True,
    ),
    FormatCase(
        "wav_6ch",
        "surround.wav",
        ("-c:a", "pcm_s16le", "-ac", "6", "-ar", "48000"),
        "audio/ogg",
        True,
    ),
    FormatCase("mp3", "speech.mp3", ("-c:a", "libmp3lame", "-b:a", "64k"), "audio/mp3", False),
    FormatCase(
        "mp3_stereo_hq",
        "music.mp3",
        ("-c:a", "libmp3lame", "-b:a", "256k", "-ac", "2"),
        "audio/ogg",
        True,
    ),
    FormatCase(
        "aiff",
        "speech.aiff",
        (
            "-c:a",
            "pcm_s16be",
        ),
        "audio/ogg",
        True,
    ),
    FormatCase("m4a", "speech.m4a", ("-c:a", "aac", "-b:a", "64k"), "audio/aac", False),
    FormatCase(
        "aac", "speech.aac", ("-c:a", "aac", "-b:a", "64k", "-f", "adts"), "audio/aac", False
    ),
    FormatCase("ogg_vorbis", "speech.ogg", ("-c:a", "libvorbis", "-q:a", "2"), "audio/ogg", False),
    FormatCase("ogg_opus", "voice-message.ogg", DISCORD_OPUS_ARGS, "audio/ogg", False),
    FormatCase(
        "flac",
        "speech.flac",
        (
            "-c:a",
            "flac",
        ),
        "audio/ogg",
        True,
    ),
    FormatCase("webm", "speech.webm", ("-c:a", "libopus", "-b:a", "32k"), "audio/ogg", False),
    FormatCase(
        "mp4",
        "video.mp4",
        ("-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"),
        "audio/aac",
        False,
        video=True,
    ),
    FormatCase(
        "mov", "video.mov", ("-c:v", "mpeg4", "-c:a", "pcm_s16le"), "audio/ogg", True, video=True
    ),
    FormatCase(
        "mkv",
        "video.mkv",
        ("-c:v", "mpeg4", "-c:a", "ac3", "-ac", "2"),
        "audio/ogg",
        True,
        video=True,
    ),
)


def make_format(case: FormatCase, speech: Path, dest_dir: Path) -> Path:
    """Convert ``speech`` into ``case``'s format (muxed with black video when it is a video)."""
    dest = dest_dir / case.filename
    if case.video:
        run_ffmpeg_sync(
            "-i",
            str(speech),
            *BLACK_VIDEO,
            "-map",
            "1:v",
            "-map",
            "0:a",
            "-shortest",
            *case.args,
            str(dest),
        )
    else:
        run_ffmpeg_sync("-i", str(speech), *case.args, str(dest))
    return dest


def make_formats(speech: Path, dest_dir: Path) -> dict[str, Path]:
    """Every case of FORMAT_CASES, generated concurrently (ffmpeg does the work)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        paths = pool.map(lambda case: make_format(case, speech, dest_dir), FORMAT_CASES)
        return {case.name: path for case, path in zip(FORMAT_CASES, paths, strict=True)}


def digital_silence(
    dest: Path, seconds: float, codec_args: Sequence[str] = DISCORD_OPUS_ARGS
) -> Path:
    """Pure zeros, encoded (by default like a Discord voice note)."""
    run_ffmpeg_sync(
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=48000:cl=mono",
        "-t",
        f"{seconds}",
        *codec_args,
        str(dest),
    )
    return dest


def quiet_noise(dest: Path, seconds: float) -> Path:
    """Very quiet (-60 dBFS) noise: sounds like silence, is not digital silence."""
    run_ffmpeg_sync(
        "-f",
        "lavfi",
        "-i",
        f"anoisesrc=r=48000:a=0.001:d={seconds}",
        "-ac",
        "1",
        "-c:a",
        "pcm_s16le",
        str(dest),
    )
    return dest


def silence_then_speech(dest: Path, speech: Path, lead_s: float) -> Path:
    """``lead_s`` seconds of digital silence, then speech (silence must not be misdetected)."""
    run_ffmpeg_sync(
        "-f",
        "lavfi",
        "-t",
        f"{lead_s}",
        "-i",
        "anullsrc=r=22050:cl=mono",
        "-i",
        str(speech),
        "-filter_complex",
        "[0:a][1:a]concat=n=2:v=0:a=1[a]",
        "-map",
        "[a]",
        *DISCORD_OPUS_ARGS,
        str(dest),
    )
    return dest


def looped(dest: Path, source: Path, seconds: float, codec_args: Sequence[str]) -> Path:
    """``source`` looped to ``seconds`` and encoded with ``codec_args``."""
    run_ffmpeg_sync(
        "-stream_loop", "-1", "-i", str(source), "-t", f"{seconds}", *codec_args, str(dest)
    )
    return dest


@dataclass(frozen=True)
class PausedSpeech:
    """Speech separated by digital-silence pauses, with the true pause intervals."""

    path: Path
    duration_s: float
    pauses: list[tuple[float, float]] = field(default_factory=list)
    wav_path: Path | None = None  # the same audio as PCM (slow to prepare: it transcodes)


def _pcm(path: Path) -> tuple[bytes, int]:
    with wave.open(str(path), "rb") as reader:
        assert reader.getnchannels() == 1
        assert reader.getsampwidth() == 2
        return reader.readframes(reader.getnframes()), reader.getframerate()


def speech_with_pauses(dest_dir: Path, total_s: float = 180.0) -> PausedSpeech:
    """About ``total_s`` of speech in 2–5 s phrases separated by 0.8–2 s silent pauses.

    Built as PCM in Python (small: 3 minutes at 22 kHz is 8 MB) so the pause positions are
    exact, then encoded to Discord-style Opus.
    """
    phrases = [_pcm(speech_wav(dest_dir / f"phrase{i}.wav", t)) for i, t in enumerate(PAUSE_TEXTS)]
    rate = phrases[0][1]
    chunks: list[bytes] = []
    pauses: list[tuple[float, float]] = []
    position = 0.0
    index = 0
    while position < total_s:
        pcm, _ = phrases[index % len(phrases)]
        chunks.append(pcm)
        position += len(pcm) / 2 / rate
        gap = 0.8 + (index % 4) * 0.4
        pauses.append((position, position + gap))
        chunks.append(b"\x00\x00" * int(gap * rate))
        position += int(gap * rate) / rate
        index += 1
    wav_path = dest_dir / "paused.wav"
    with wave.open(str(wav_path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(b"".join(chunks))
    dest = dest_dir / "paused.ogg"
    run_ffmpeg_sync("-i", str(wav_path), *DISCORD_OPUS_ARGS, str(dest))
    return PausedSpeech(dest, wav_duration(wav_path), pauses[:-1], wav_path)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def wav_claiming(dest: Path, real: Path, claimed_s: float) -> Path:
    """A copy of the PCM WAV ``real`` whose header claims ``claimed_s`` seconds of data."""
    data = bytearray(real.read_bytes())
    rate, block = struct.unpack_from("<I", data, 24)[0], struct.unpack_from("<H", data, 32)[0]
    offset = data.index(b"data")
    claimed = min(int(claimed_s * rate) * block, 0xFFFFFFF0)
    struct.pack_into("<I", data, offset + 4, claimed)
    struct.pack_into("<I", data, 4, min(claimed + offset, 0xFFFFFFF0))
    return _write(dest, bytes(data))


def mp3_claiming_short(dest: Path, speech: Path, dest_dir: Path, real_s: float) -> Path:
    """An MP3 whose Xing header claims ~3 s while ``real_s`` seconds of frames follow."""
    head = dest_dir / "claim-head.mp3"
    tail = dest_dir / "claim-tail.mp3"
    run_ffmpeg_sync("-i", str(speech), "-t", "3", "-c:a", "libmp3lame", "-b:a", "32k", str(head))
    looped(tail, speech, real_s - 3, ("-c:a", "libmp3lame", "-b:a", "32k", "-write_xing", "0"))
    return _write(dest, head.read_bytes() + tail.read_bytes())


def _made_with_ffmpeg(dest_dir: Path, speech: Path) -> dict[str, Path]:
    """Hostile inputs that take ffmpeg to make: an image posing as MP3, a film with no
    sound, a clip too short, a WAV with a header and no samples, a header that lies."""
    out = {
        "png": dest_dir / "picture.mp3",
        "video_no_audio": dest_dir / "silent-film.mp4",
        "tiny": dest_dir / "tiny.ogg",
        "no_samples": dest_dir / "header-only.wav",
    }
    red = ("-f", "lavfi", "-i", "color=c=red:s=32x32", "-frames:v", "1")
    run_ffmpeg_sync(*red, "-f", "image2", "-c:v", "png", str(out["png"]))
    run_ffmpeg_sync(*BLACK_VIDEO, "-t", "2", "-c:v", "mpeg4", str(out["video_no_audio"]))
    run_ffmpeg_sync("-i", str(speech), "-t", "0.05", *DISCORD_OPUS_ARGS, str(out["tiny"]))
    nothing = ("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-frames:a", "0")
    run_ffmpeg_sync(*nothing, str(out["no_samples"]))
    pcm_copy = dest_dir / "pcm.wav"
    run_ffmpeg_sync("-i", str(speech), "-c:a", "pcm_s16le", str(pcm_copy))
    out["claims_long"] = wav_claiming(dest_dir / "claims-long.wav", pcm_copy, 10 * 3600)
    return out


def make_hostile(dest_dir: Path, speech: Path, voice_note: Path) -> dict[str, Path]:
    """The bad inputs, keyed by name (see tests/bot/audio/test_prepare.py for the errors)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    half_a_note = voice_note.read_bytes()[: voice_note.stat().st_size // 2]
    mp3_junk = b"ID3\x03\x00\x00\x00\x00\x00\x00" + os.urandom(32 * 1024)
    return {
        "empty": _write(dest_dir / "empty.ogg", b""),
        "one_byte": _write(dest_dir / "one.ogg", b"\x00"),
        "random": _write(dest_dir / "random.ogg", os.urandom(64 * 1024)),
        "text": _write(dest_dir / "notes.wav", b"Dear diary, this is not audio at all.\n" * 50),
        "truncated_ogg": _write(dest_dir / "truncated.ogg", half_a_note),
        "mp3_garbage": _write(dest_dir / "garbage.mp3", mp3_junk),
        **_made_with_ffmpeg(dest_dir, speech),
    }


def with_hostile_names(
    source: Path, dest_dir: Path, names: Iterable[str] = HOSTILE_NAMES
) -> list[Path]:
    """Copies of ``source`` under each hostile name."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = dest_dir / name
        shutil.copyfile(source, path)
        paths.append(path)
    return paths
