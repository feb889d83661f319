import json

from bot.model import Evidence, Mode, Segment, Source, TranscriptDocument, Word
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
    assert data["version"] == 2
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


def word_timed() -> TranscriptDocument:
    words = [
        Word(start=0.5, end=0.9, text="Hello"),
        Word(start=1.0, end=1.4, text="everyone,"),
        Word(start=3.2, end=3.6, text="Kubernetes"),  # after a pause: a cue of its own
        Word(start=3.7, end=4.1, text="is"),
        Word(start=4.2, end=4.9, text="down."),
    ]
    segment = Segment(
        start=0.5,
        end=4.9,
        timestamp="00:00",
        speaker="Speaker 1",
        content="Hello everyone, Kubernetes is down.",
        language="en",
        emotion=None,
        words=words,
    )
    return transcript().model_copy(update={"segments": [segment], "timing": "words"})


def test_srt_cues_follow_the_words_when_there_are_word_timestamps() -> None:
    srt = render_srt(word_timed())
    assert srt == (
        "1\n00:00:00,500 --> 00:00:01,400\nSpeaker 1: Hello everyone,\n\n"
        "2\n00:00:03,200 --> 00:00:04,900\nSpeaker 1: Kubernetes is down.\n"
    )
    assert "00:00:00.500 --> 00:00:01.400" in render_vtt(word_timed())


def test_a_long_run_of_words_is_split_into_short_cues() -> None:
    words = [Word(start=i * 0.5, end=i * 0.5 + 0.4, text=f"w{i}") for i in range(40)]
    segment = word_timed().segments[0].model_copy(update={"words": words, "end": 20.0})
    cues = render_srt(word_timed().model_copy(update={"segments": [segment]})).split("\n\n")
    assert len(cues) >= 4
    for cue in cues:
        start, end = cue.splitlines()[1].split(" --> ")
        assert _seconds(end) - _seconds(start) <= 6.0


def _seconds(clock: str) -> float:
    hours, minutes, rest = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest.replace(",", "."))


def test_no_emotion_is_shown_as_none() -> None:
    text = render_plain_text(word_timed())
    assert "[00:00] Speaker 1: Hello everyone" in text


VERSION_1 = {  # a document as version 1 stored it in the result cache
    "version": 1,
    "kind": "transcript",
    "created_at": "2030-01-01T12:00:00Z",
    "model": "gemini-3.5-flash",
    "source": {
        "file_name": "note.ogg",
        "sha256": "b" * 64,
        "mime_type": "audio/ogg",
        "format": "ogg/opus",
        "duration_s": 3.0,
    },
    "usage": {"requests": 1, "input_tokens": 120, "output_tokens": 40},
    "language": "en",
    "summary": "Hi.",
    "segments": [
        {
            "start": 0.0,
            "end": 3.0,
            "timestamp": "00:00",
            "speaker": "Alice",
            "content": "Hi all.",
            "language": "en",
            "translation": None,
            "emotion": "happy",
        }
    ],
}


def test_version_1_documents_still_read_and_render() -> None:
    document = TranscriptDocument.model_validate(VERSION_1)
    assert document.version == 1
    assert document.segments[0].words == []
    assert document.engine == "gemini"
    assert document.timing == "model"
    assert render_srt(document) == "1\n00:00:00,000 --> 00:00:03,000\nAlice: Hi all.\n"
    assert "[00:00] Alice (happy): Hi all." in render_plain_text(document)
