import json

from bot.model import Evidence, Mode, Segment, Source, TranscriptDocument
from bot.render import render_json, render_plain_text, render_srt, render_vtt

SOURCE = Source(
    file_name="note.ogg", sha256="a" * 64, mime_type="audio/ogg", format="ogg/opus", duration_s=65.0
)
SEGMENTS = [
    Segment(
        start=0.0,
        end=4.2,
        timestamp="00:00",
        speaker="Speaker 1",
        content="Hola <b>a</b>",
        language="es",
        translation="Hello",
        emotion="happy",
    ),
    Segment(
        start=4.2,
        end=65.0,
        timestamp="00:04",
        speaker="Speaker 2",
        content="Bye --> now",
        language="en",
        emotion="neutral",
    ),
]


def transcript() -> TranscriptDocument:
    return TranscriptDocument(
        kind=Mode.TRANSCRIPT,
        model="m",
        source=SOURCE,
        language="es",
        summary="Greetings.",
        segments=SEGMENTS,
    )


def test_json_document_is_versioned_and_complete() -> None:
    data = json.loads(render_json(transcript()))
    assert data["version"] == 1
    assert data["kind"] == "transcript"
    assert data["source"]["sha256"] == "a" * 64
    assert data["segments"][0]["start"] == 0.0
    assert data["segments"][0]["end"] == 4.2
    assert data["segments"][0]["translation"] == "Hello"
    assert {"usage", "flags", "summary", "language", "model", "partial"} <= set(data)
    original = transcript()
    reparsed = TranscriptDocument.model_validate_json(render_json(original))
    assert reparsed == original


def test_srt_cues() -> None:
    srt = render_srt(transcript())
    assert srt.startswith("1\n00:00:00,000 --> 00:00:04,200\nSpeaker 1: Hola <b>a</b>\n(Hello)\n")
    assert "2\n00:00:04,200 --> 00:01:05,000\nSpeaker 2: Bye → now\n" in srt


def test_vtt_escapes_markup() -> None:
    vtt = render_vtt(transcript())
    assert vtt.startswith("WEBVTT\n")
    assert "00:00:00.000 --> 00:00:04.200\nSpeaker 1: Hola &lt;b&gt;a&lt;/b&gt;" in vtt
    assert vtt.count("-->") == 2


def test_plain_text_has_summary_and_lines() -> None:
    text = render_plain_text(transcript())
    assert "Summary:\nGreetings." in text
    assert "[00:00] Speaker 1 (happy): Hola <b>a</b>\n    → Hello" in text


def test_plain_text_for_an_answer() -> None:
    doc = TranscriptDocument(
        kind=Mode.ASK,
        model="m",
        source=SOURCE,
        question="When?",
        answer="At noon.",
        evidence=[Evidence(start=3, timestamp="00:03", quote="at noon")],
    )
    text = render_plain_text(doc)
    assert 'Q: When?\nA: At noon.\n[00:03] "at noon"' in text


def test_partial_results_say_so() -> None:
    doc = transcript().model_copy(update={"partial": True, "warnings": ["cut short"]})
    assert "PARTIAL RESULT" in render_plain_text(doc)
    assert "Note: cut short" in render_plain_text(doc)
