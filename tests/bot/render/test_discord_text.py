import re

from bot.model import Mode, Segment, Source, TranscriptDocument
from bot.render import escape_untrusted, render_discord_messages, split_messages
from bot.render._discord import CONTINUATION

SOURCE = Source(
    file_name="voice-message.ogg",
    sha256="0" * 64,
    mime_type="audio/ogg",
    format="ogg/opus",
    duration_s=12.0,
)


def document(segments: list[Segment], **kw: object) -> TranscriptDocument:
    return TranscriptDocument(
        kind=Mode.TRANSCRIPT, model="gemini-test", source=SOURCE, segments=segments, **kw
    )


def segment(content: str, *, start: float = 0.0, translation: str | None = None) -> Segment:
    return Segment(
        start=start,
        end=start + 1,
        timestamp="00:00",
        speaker="Speaker 1",
        content=content,
        language="en",
        translation=translation,
        emotion="angry",
    )


def test_segment_line_reads_like_the_spec() -> None:
    messages = render_discord_messages(document([segment("hello there")], summary="A greeting."))
    text = "\n".join(messages)
    assert "**Summary** · A greeting." in text
    assert "`00:00` **Speaker 1** · 😠 · hello there" in text


def test_translation_is_shown_under_its_segment() -> None:
    text = "\n".join(render_discord_messages(document([segment("hola", translation="hello")])))
    assert "hola\n-# ↳ hello" in text


def test_untrusted_text_cannot_ping_or_format() -> None:
    hostile = (
        "@everyone @here <@123> <@&456> <#789> **bold** __u__ `code` [x](https://e.vil) > q # h"
    )
    escaped = escape_untrusted(hostile)
    assert "@everyone" not in escaped
    assert "@here" not in escaped
    assert not re.search(r"(?<!\\)<[@#]", escaped)
    assert not re.search(r"(?<!\\)\*\*", escaped)
    assert not re.search(r"(?<!\\)\[x(?<!\\)\]", escaped)
    assert not re.search(r"(?<!\\)`", escaped)


def test_newlines_in_content_cannot_start_a_heading_or_quote() -> None:
    escaped = escape_untrusted("fine\n# Heading\n> quote")
    assert "\n" not in escaped


def test_long_transcripts_split_at_line_boundaries_without_losing_text() -> None:
    segments = [segment(f"sentence number {i} " + "word " * 40, start=i) for i in range(300)]
    messages = render_discord_messages(document(segments))
    assert all(len(m) <= 2000 for m in messages)
    joined = "\n".join(messages)
    for i in range(300):
        assert f"sentence number {i} " in joined


def test_a_single_line_longer_than_a_message_is_split_at_spaces() -> None:
    line = " ".join(f"w{i}" for i in range(1500))
    pieces = split_messages([line], limit=2000)
    assert all(len(p) <= 2000 for p in pieces)
    assert pieces[1].startswith(CONTINUATION)
    rejoined = " ".join(p.removeprefix(CONTINUATION) for p in pieces)
    assert rejoined.split() == line.split()


def test_split_never_ends_a_piece_on_a_lone_backslash() -> None:
    line = "\\*" * 1500
    pieces = split_messages([line], limit=2000)
    assert all(len(p) <= 2000 for p in pieces)
    assert all(not p.endswith("\\") or p.endswith("\\\\") for p in pieces)
    assert "".join(p.removeprefix(CONTINUATION) for p in pieces) == line


def test_no_speech_is_one_short_line() -> None:
    doc = document([], no_speech=True, summary="No speech heard: the audio is silent.")
    assert render_discord_messages(doc) == ["🔇 No speech heard: the audio is silent."]
