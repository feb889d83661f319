"""The dashboard's protections as pure functions."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from bot.web._security import ascii_number, csrf_ok, id_hash, is_https, new_token, safe_next


@pytest.mark.parametrize(
    "value",
    ["/", "/servers/1/usage", "/servers/1/review?page=2&flagged=1", "/a/b%20c"],
)
def test_paths_inside_the_dashboard_are_kept(value: str) -> None:
    assert safe_next(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "/servers\r\nLocation: https://evil.example",
        "/ok\x00",
        "/" + "a" * 600,
        "servers/1",
    ],
)
def test_anything_else_goes_to_the_start(value: str | None) -> None:
    assert safe_next(value) == "/"


def test_tokens_are_long_and_unique() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(t) >= 40 for t in tokens)


def test_the_session_hash_depends_on_the_key() -> None:
    assert id_hash(b"k1" * 16, "id") == id_hash(b"k1" * 16, "id")
    assert id_hash(b"k1" * 16, "id") != id_hash(b"k2" * 16, "id")
    assert "id" not in id_hash(b"k1" * 16, "id")


@pytest.mark.parametrize("given", [None, "", "other", 42, ["csrf"]])
def test_only_the_sessions_csrf_token_passes(given: object) -> None:
    assert csrf_ok("csrf", "csrf")
    assert not csrf_ok("csrf", given)


def test_forwarded_proto_counts_only_when_trusted() -> None:
    request = make_mocked_request("GET", "/", headers={"X-Forwarded-Proto": "https"})
    assert not is_https(request, trust_forwarded=False, always=False)
    assert is_https(request, trust_forwarded=True, always=False)
    plain = make_mocked_request("GET", "/")
    assert not is_https(plain, trust_forwarded=True, always=False)
    assert is_https(plain, trust_forwarded=False, always=True)  # DASHBOARD_URL is https


@pytest.mark.parametrize(
    ("text", "number"),
    [("0", 0), ("123", 123), ("9" * 20, int("9" * 20)), ("9" * 21, None), ("", None)]
    + [(text, None) for text in ("²", "1²", "٣", "-1", "+1", " 1", "1.0", "1e5", None, 5)],
)
def test_numbers_in_addresses_and_forms_are_ascii_digits_only(
    text: object, number: int | None
) -> None:
    assert ascii_number(text, max_digits=20) == number
