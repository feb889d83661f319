"""Language names and ISO 639-1 codes become the BCP-47 tags the speech model takes."""

from __future__ import annotations

import pytest

from bot.gemini import bcp47, iso_639_1


@pytest.mark.parametrize(
    ("given", "tag"),
    [
        ("en", "en-US"),
        ("English", "en-US"),
        ("german", "de-DE"),
        ("de", "de-DE"),
        ("de-AT", "de-AT"),
        ("pt_pt", "pt-PT"),
        ("Portuguese", "pt-BR"),
        ("Japanese", "ja-JP"),
        ("zh", "zh-CN"),
    ],
)
def test_known_languages_get_a_tag(given: str, tag: str) -> None:
    assert bcp47(given) == tag


@pytest.mark.parametrize("given", ["Klingon", "xx", "", "und"])
def test_unknown_languages_get_none(given: str) -> None:
    assert bcp47(given) is None
    assert iso_639_1(given) is None
