"""Gemini economy: one request per voice note shorter than CHUNK_SECONDS, its input tokens
at most 1.1x (32 per audio second + the prompt the bot sent), the same audio again costs
no request at all; requests and tokens per audio minute reported for a long file (in
parts) and for its summary (``/summarize``). Tokens are the ones the bot counted
(``voicenotes_gemini_tokens_total``, as Gemini's usage reported them)."""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path

from bench.inputs import Inputs
from bench.sizes import Sizes
from bench.table import Row, judged
from bench.world import BenchWorld, RunningBot, Samples, open_world, poll_async, sample
from testkit.discord import FakeAttachment
from testkit.gemini import AUDIO_TOKENS_PER_SECOND, text_tokens

NOTE_S = 30.0


def tokens(after: Samples, before: Samples, kind: str) -> float:
    """Tokens of ``kind`` counted between two scrapes."""
    name = "voicenotes_gemini_tokens_total"
    return sample(after, name, kind=kind) - sample(before, name, kind=kind)


async def spend(
    world: BenchWorld, bot: RunningBot, act: Awaitable[object]
) -> tuple[int, Samples, Samples]:
    """Requests Gemini received and the metrics around one finished job started by ``act``."""
    before, requests, done = await bot.metrics(), len(world.gemini.requests), await bot.jobs_done()
    await act

    async def finished() -> bool:
        return await bot.jobs_done() > done

    await poll_async(finished, timeout=900, what="the job to finish")
    return len(world.gemini.requests) - requests, before, await bot.metrics()


def prompt_tokens(world: BenchWorld, first: int) -> int:
    """The prompt of the request at index ``first``: its text and the system instruction."""
    body = world.gemini.requests[first].body
    texts = [str(part.get("text") or "") for part in world.gemini.requests[first].text_parts]
    return sum(text_tokens(text) for text in [*texts, str(body.get("system_instruction", ""))])


def per_minute(label: str, seconds: float, requests: int, before: Samples, after: Samples) -> Row:
    """Requests and tokens per audio minute (reported, no target)."""
    minutes = seconds / 60
    made = tokens(after, before, "output") + tokens(after, before, "thought")
    return Row(
        f"economy: {label} ({minutes:g} min)",
        f"{requests / minutes:.2f} requests, {tokens(after, before, 'input') / minutes:.0f} "
        f"input and {made / minutes:.0f} output+thinking tokens per audio minute",
        "reported",
        None,
    )


async def run(inputs: Inputs, sizes: Sizes, tmp: Path) -> list[Row]:
    """The economy figure's rows."""
    (note,) = inputs.distinct(NOTE_S, 1)
    long = inputs.note(sizes.economy_long_s).read_bytes()
    async with open_world(tmp, latency_s=0.05) as world:
        bot = await world.start_bot()
        first = len(world.gemini.requests)
        asked, before, after = await spend(world, bot, world.post(note))
        prompt = prompt_tokens(world, first)
        again, _, _ = await spend(world, bot, world.post(note))
        long_asked, long_before, long_after = await spend(world, bot, world.post(long))
        summary = world.discord.invoke_slash_command(
            "summarize",
            user=world.member,
            channel=world.channels[0],
            options={"attachment": FakeAttachment("meeting.ogg", long, "audio/ogg")},
        )
        sum_asked, sum_before, sum_after = await spend(world, bot, summary)
    expected = AUDIO_TOKENS_PER_SECOND * NOTE_S + prompt
    billed = tokens(after, before, "input")
    return [
        judged(
            f"economy: a {NOTE_S:g}-s note: requests; input tokens vs 32/s + prompt",
            f"{asked}; {billed:.0f} = {billed / expected:.3f}x ({expected:.0f}: {prompt} prompt)",
            "1; <= 1.1x",
            asked == 1 and billed <= 1.1 * expected,
            judge=True,
        ),
        judged("economy: the same audio again: requests", str(again), "0", again == 0, judge=True),
        per_minute(
            "long file, transcript", sizes.economy_long_s, long_asked, long_before, long_after
        ),
        per_minute("long file, /summarize", sizes.economy_long_s, sum_asked, sum_before, sum_after),
    ]
