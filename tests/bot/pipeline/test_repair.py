import json

from bot.gemini import GeminiSegment
from bot.pipeline._repair import has_repetition_loop, repair_segments
from bot.pipeline._salvage import salvage_truncated_json


def seg(ts: str, content: str, **kw: str) -> GeminiSegment:
    fields = {"speaker": "Speaker 1", "language": "en", "translation": "", "emotion": "neutral"}
    fields.update(kw)
    return GeminiSegment(timestamp=ts, content=content, **fields)


def test_segments_get_absolute_times_and_ends_from_the_next_start() -> None:
    repaired = repair_segments(
        [seg("00:00", "Hi"), seg("00:04", "there"), seg("00:09", "bye")],
        offset_s=600.0,
        duration_s=12.0,
    )
    assert [(s.start, s.end) for s in repaired.segments] == [
        (600.0, 604.0),
        (604.0, 609.0),
        (609.0, 612.0),
    ]
    assert [s.timestamp for s in repaired.segments] == ["10:00", "10:04", "10:09"]
    assert repaired.warnings == []


def test_segments_past_the_end_are_dropped_and_said() -> None:
    repaired = repair_segments(
        [seg("00:01", "in"), seg("00:05", "edge"), seg("02:00", "hallucinated")],
        offset_s=0.0,
        duration_s=5.5,
    )
    assert [s.content for s in repaired.segments] == ["in", "edge"]
    assert repaired.segments[-1].end == 5.5
    assert any("past the end" in w for w in repaired.warnings)


def test_out_of_order_timestamps_are_reordered() -> None:
    repaired = repair_segments(
        [seg("00:05", "second"), seg("00:01", "first"), seg("00:09", "third")],
        offset_s=0.0,
        duration_s=10.0,
    )
    assert [s.content for s in repaired.segments] == ["first", "second", "third"]
    assert all(s.end >= s.start for s in repaired.segments)
    assert any("backwards" in w for w in repaired.warnings)


def test_unreadable_timestamps_take_the_previous_time() -> None:
    repaired = repair_segments(
        [seg("00:02", "a"), seg("about now", "b")], offset_s=0.0, duration_s=5.0
    )
    assert [s.start for s in repaired.segments] == [2.0, 2.0]
    assert any("unreadable" in w for w in repaired.warnings)


def test_translation_equal_to_content_or_empty_is_dropped() -> None:
    repaired = repair_segments(
        [
            seg("00:00", "Hola", translation="Hello", language="es"),
            seg("00:02", "Hi", translation="Hi"),
        ],
        offset_s=0.0,
        duration_s=3.0,
    )
    assert [s.translation for s in repaired.segments] == ["Hello", None]


def test_repetition_loops_are_detected_and_collapsed() -> None:
    looped = [seg(f"00:{i:02d}", "thank you") for i in range(30)]
    assert has_repetition_loop([s.content for s in looped])
    repaired = repair_segments([seg("00:00", "hello"), *looped], offset_s=0, duration_s=60)
    assert [s.content for s in repaired.segments] == ["hello", "thank you"]
    assert repaired.looped


def test_ordinary_speech_is_not_a_loop() -> None:
    assert not has_repetition_loop(["yes", "no", "yes", "maybe", "yes", "no", "ok", "fine"])
    assert not has_repetition_loop(["yes", "yes"])


def test_salvage_keeps_only_whole_segments_of_a_cut_reply() -> None:
    full = {
        "language": "en",
        "summary": "s",
        "segments": [{"content": f"line {i}", "timestamp": f"00:0{i}"} for i in range(5)],
        "flags": [],
    }
    text = json.dumps(full)
    cut = text[: text.index("line 3") + 3]  # inside the fourth segment
    salvaged = salvage_truncated_json(cut)
    assert salvaged is not None
    assert [s["content"] for s in salvaged["segments"]] == ["line 0", "line 1", "line 2"]


def test_salvage_of_nothing_useful_is_none() -> None:
    assert salvage_truncated_json('{"summ') is None
    assert salvage_truncated_json("") is None


def test_salvage_respects_braces_inside_strings() -> None:
    text = '{"summary": "a } b", "segments": [{"content": "x}y"}, {"content": "cut'
    salvaged = salvage_truncated_json(text)
    assert salvaged == {"summary": "a } b", "segments": [{"content": "x}y"}]}
