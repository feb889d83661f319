"""Measurements: each engine's cost per audio minute, implicit caching of a server's prefix,
and what a YouTube link bills, against the fake Gemini (which bills as Gemini documents:
audio at 32 tokens a second, text at about 4 characters a token, thinking by level; see
``testkit/gemini/_usage.py``) with replies of realistic size.

    python -m bench.bench_inputs [--minutes N]

Reply sizes are modelled on real speech: about 150 words a minute, a segment every 6 s. The
numbers are as good as that model; the README quotes them as estimates.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from pydantic import SecretStr

from bot.app import open_pipeline
from bot.jobs import Prices, totals_of
from bot.model import Usage
from bot.options import Engine, Hearing, JobOptions
from bot.pipeline import Pipeline
from bot.settings import Settings
from testkit.audio import DISCORD_OPUS_ARGS, run_ffmpeg_sync, speech_wav
from testkit.gemini import FakeGemini, RecordedRequest, Reply, SpeechWord

WORDS_PER_MINUTE = 150
SEGMENT_S = 6.0
VOCABULARY = {
    "typical (30 short terms)": [f"Term{i:02d}" for i in range(30)],
    "full (100 terms of 60 chars)": [f"{i:03d} " + "x" * 56 for i in range(100)],
}


def _line(index: int) -> str:
    words = int(WORDS_PER_MINUTE * SEGMENT_S / 60)
    return " ".join(f"word{index}-{n}" for n in range(words))


def realistic(request: RecordedRequest, seconds: float) -> Reply:
    """An answer of realistic size to whatever the request asks."""
    count = max(1, int(seconds / SEGMENT_S))
    if request.model and "transcribe" in request.model:
        words = [
            SpeechWord(w, i * SEGMENT_S + n * 0.4, i * SEGMENT_S + n * 0.4 + 0.3)
            for i in range(count)
            for n, w in enumerate(_line(i).split())
        ]
        return Reply.speech(*words)
    properties = (request.response_schema or {}).get("properties", {})
    if "fixes" in properties:
        lines = [{"line": i + 1, "language": "en", "translation": ""} for i in range(count)]
        notes = {"language": "en", "summary": "A summary. " * 3, "lines": lines}
        return Reply.json(notes | {"flags": [], "fixes": []})
    segments = [
        {
            "speaker": "Speaker 1",
            "timestamp": f"{int(i * SEGMENT_S) // 60:02d}:{int(i * SEGMENT_S) % 60:02d}",
            "content": _line(i),
            "language": "en",
            "translation": "",
            "emotion": "neutral",
        }
        for i in range(count)
    ]
    return Reply.json(
        {"language": "en", "summary": "A summary. " * 3, "segments": segments, "flags": []}
    )


def note(seconds: float, where: Path) -> Path:
    """Speech looped to ``seconds``, as a Discord-style voice note."""
    one = speech_wav(where / "speech.wav")
    out = where / f"note-{seconds:.0f}.ogg"
    run_ffmpeg_sync(
        "-stream_loop", "-1", "-i", str(one), "-t", f"{seconds}", *DISCORD_OPUS_ARGS, str(out)
    )
    return out


@asynccontextmanager
async def pipeline_on(fake: FakeGemini, work: Path) -> AsyncIterator[Pipeline]:
    settings = Settings(
        _env_file=None,
        gemini_api_key=SecretStr(fake.api_key),
        gemini_base_url=fake.base_url,
        data_dir=work,
    )
    async with open_pipeline(settings) as pipeline:
        yield pipeline


def per_minute(usage: Usage, seconds: float, prices: Prices) -> str:
    minutes = seconds / 60
    cost = prices.cost(totals_of(usage)) / minutes
    spent_out = (usage.output_tokens + usage.thought_tokens) / minutes
    return (
        f"{usage.input_tokens / minutes:,.0f} in / {spent_out:,.0f} out+thinking tokens a "
        f"minute, ≈ ${cost:.4f} a minute (${cost * 60:.2f} an hour)"
    )


async def engines(fake: FakeGemini, pipeline: Pipeline, path: Path, seconds: float) -> None:
    prices = Prices(1.0, 2.5, 0.25)
    fake.set_responder(lambda request: realistic(request, seconds))
    for engine in Engine:
        for stamps in (False, True) if engine is Engine.SPEECH else (False,):
            hearing = Hearing(engine=engine, word_timestamps=stamps)
            fake.prefix_cache.clear()  # each engine measured cold
            document = await pipeline.process_file(
                path, file_name=path.name, options=JobOptions(), hearing=hearing
            )
            label = f"{engine.value}{' + word timestamps' if stamps else ''}"
            print(f"  {label}: {per_minute(document.usage, seconds, prices)}")


async def caching(fake: FakeGemini, pipeline: Pipeline, path: Path, other: Path) -> None:
    for label, terms in VOCABULARY.items():
        fake.prefix_cache.clear()
        hearing = Hearing(vocabulary=tuple(terms), context="A community of testers.")
        for source in (path, other):  # two notes of one server, one after the other
            document = await pipeline.process_file(
                source, file_name=source.name, options=JobOptions(), hearing=hearing
            )
        usage = document.usage
        cached = f"{usage.cached_tokens:,} of {usage.input_tokens:,}"
        print(f"  {label}: the second note had {cached} input tokens cached")


async def video(fake: FakeGemini, pipeline: Pipeline) -> None:
    for minutes in (10, 60):
        url = fake.youtube.add(f"video{minutes:04d}xx"[:11], minutes * 60.0)
        fake.set_responder(lambda request: realistic(request, 900))
        processed = await pipeline.process_video(url, JobOptions())
        usage = processed.document.usage
        print(
            f"  a {minutes} min video, bounded to 15 min: {usage.audio_tokens:,} audio + "
            f"{usage.video_tokens:,} frame tokens; counts as {usage.audio_equivalent_s() / 60:.1f} "
            "min of quota"
        )


async def measure(minutes: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        path, other = note(minutes * 60, where), note(minutes * 60 + 1, where)
        async with FakeGemini() as fake, pipeline_on(fake, where / "data") as pipeline:
            print(f"Engines, on {minutes:g} min of speech:")
            await engines(fake, pipeline, path, minutes * 60)
            print("Implicit caching of a server's prefix (Flash minimum: 1,024 tokens):")
            fake.set_responder(lambda request: realistic(request, minutes * 60))
            await caching(fake, pipeline, path, other)
            print("YouTube links:")
            await video(fake, pipeline)


def main(argv: list[str] | None = None) -> int:
    """Print the measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    args = parser.parse_args(argv)
    asyncio.run(measure(args.minutes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
