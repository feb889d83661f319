import pytest

from bot.errors import InvalidOptions
from bot.model import Mode
from bot.options import JobOptions


def test_fingerprint_ignores_case_of_languages_but_not_options() -> None:
    a = JobOptions(translate_to="English", language="French")
    b = JobOptions(translate_to="english", language="french")
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != JobOptions(translate_to="German").fingerprint()
    assert a.fingerprint() != JobOptions(mode=Mode.SUMMARY).fingerprint()
    assert JobOptions(start_s=1).fingerprint() != JobOptions(start_s=2).fingerprint()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": Mode.ASK}, "needs a question"),
        ({"mode": Mode.ASK, "question": "x" * 501}, "500 characters"),
        ({"start_s": -1.0}, "can't be negative"),
        ({"start_s": 10.0, "end_s": 5.0}, "must come after"),
        ({"translate_to": " "}, "language name"),
    ],
)
def test_bad_options_are_explained(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidOptions, match=message):
        JobOptions(**kwargs)  # type: ignore[arg-type]
