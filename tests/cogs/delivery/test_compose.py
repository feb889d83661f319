"""What a reply looks like, from a document: inline cap, summary switch, attachments."""

from __future__ import annotations

from bot.model import Mode, Segment, Source, TranscriptDocument
from cogs.delivery._compose import compose_reply


def _document(lines: int, *, summary: str = "Alice plans the demo.") -> TranscriptDocument:
    segments = [
        Segment(
            start=2.0 * i,
            end=2.0 * i + 2,
            timestamp=f"00:{2 * i:02d}",
            speaker="Alice",
            content=f"Line number {i} " + "words " * 30,
            language="en",
        )
        for i in range(lines)
    ]
    source = Source(
        file_name="note.ogg",
        sha256="0" * 64,
        mime_type="audio/ogg",
        format="ogg/opus",
        duration_s=2.0 * lines,
    )
    return TranscriptDocument(
        kind=Mode.TRANSCRIPT, model="m", source=source, summary=summary, segments=segments
    )


def test_a_short_transcript_fits_with_its_files() -> None:
    plan = compose_reply(_document(3), inline_cap=4)
    (message,) = plan.messages
    assert message.startswith("**Summary** · Alice plans the demo.")
    assert [name for name, _ in plan.files] == [
        "transcript.json",
        "transcript.txt",
        "transcript.srt",
    ]


def test_past_the_inline_cap_a_note_points_to_the_files() -> None:
    plan = compose_reply(_document(200), inline_cap=3)
    assert len(plan.messages) == 3
    assert all(len(message) <= 2000 for message in plan.messages)
    assert plan.messages[-1].startswith("📎 ")
    hidden = int(plan.messages[-1].split()[1])
    shown = sum(len(message.splitlines()) for message in plan.messages[:2])
    assert hidden + shown == 1 + 200 + 1  # summary, segments, footer: every line accounted for


def test_transcript_only_output_leaves_the_summary_out() -> None:
    plan = compose_reply(_document(3), inline_cap=4, show_summary=False)
    assert "**Summary**" not in plan.messages[0]
    assert "Line number 0" in plan.messages[0]


def test_without_segments_the_summary_is_kept_whatever_the_switch() -> None:
    plan = compose_reply(_document(0, summary="Birdsong."), inline_cap=4, show_summary=False)
    assert plan.messages[0].startswith("**Summary** · Birdsong.")
    assert [name for name, _ in plan.files] == ["transcript.json"]
