import pytest

from bot.errors import InvalidOptions
from bot.timecodes import (
    compared_durations,
    format_duration,
    format_timecode,
    parse_timecode,
    parse_user_timecode,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("00:00", 0.0),
        ("01:23", 83.0),
        ("1:23", 83.0),
        ("59:59", 3599.0),
        ("75:10", 4510.0),  # Gemini sometimes keeps counting minutes past an hour
        ("1:02:03", 3723.0),
        ("01:02:03.5", 3723.5),
        ("83", 83.0),
        ("83.5", 83.5),
        ("83,5", 83.5),
        (" 2:05 ", 125.0),
    ],
)
def test_parse_timecode_reads_clock_and_seconds(text: str, seconds: float) -> None:
    assert parse_timecode(text) == seconds


@pytest.mark.parametrize("text", ["", "abc", "1:75", "1:60:00", "-5", "1::2", "12:3:4:5"])
def test_parse_timecode_rejects_nonsense(text: str) -> None:
    assert parse_timecode(text) is None


def test_parse_user_timecode_explains_the_format() -> None:
    with pytest.raises(InvalidOptions, match="MM:SS, H:MM:SS or a number of seconds"):
        parse_user_timecode("soon", field="start")


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "00:00"), (83.9, "01:23"), (3599, "59:59"), (3723, "1:02:03")]
)
def test_format_timecode(seconds: float, text: str) -> None:
    assert format_timecode(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(42, "42 s"), (185, "3 min 5 s"), (180, "3 min"), (7800, "2 h 10 min"), (7200, "2 h")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_durations_read_like_a_person_wrote_them() -> None:
    assert format_duration(0.05) == "0.05 s"
    assert format_duration(0.3) == "0.3 s"
    assert format_duration(200) == "3 min 20 s"
    assert format_duration(10 * 3600 + 12 * 60) == "10 h 12 min"
    assert format_duration(9.5 * 3600) == "9 h 30 min"
    assert format_duration(9 * 3600 + 5) == "9 h"
    assert compared_durations(9.5 * 3600 + 20, 9.5 * 3600) == ("9 h 30 min 20 s", "9 h 30 min")
    assert compared_durations(9 * 3600 + 5, 9 * 3600) == ("9 h 5 s", "9 h")
    assert compared_durations(0.299, 0.3) == ("0.299 s", "0.3 s")
