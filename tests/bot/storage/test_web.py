"""Dashboard sessions and OAuth2 states, on both backends."""

from __future__ import annotations

from bot.storage import Storage
from tests.helpers.clocks import FakeClock


async def _session(storage: Storage, id_hash: str = "h1", ttl_s: float = 3600) -> None:
    await storage.create_web_session(
        id_hash,
        user_id=42,
        user_name="ada",
        guild_ids=(1, 2),
        csrf_token="csrf",
        ttl_s=ttl_s,
    )


async def test_a_session_lives_until_it_expires(storage: Storage, clock: FakeClock) -> None:
    await _session(storage)
    found = await storage.web_session("h1")
    assert found is not None
    assert (found.user_id, found.user_name, found.guild_ids) == (42, "ada", (1, 2))
    assert found.csrf_token == "csrf"
    clock.advance(3601)
    assert await storage.web_session("h1") is None


async def test_ending_a_session_removes_it(storage: Storage) -> None:
    await _session(storage, "h1")
    await _session(storage, "h2")
    await storage.end_web_session("h1")
    assert await storage.web_session("h1") is None
    assert await storage.web_session("h2") is not None


async def test_an_oauth_state_works_once(storage: Storage) -> None:
    await storage.save_oauth_state("s1", next_path="/servers/1", ttl_s=600)
    assert await storage.take_oauth_state("s1") == "/servers/1"
    assert await storage.take_oauth_state("s1") is None
    assert await storage.take_oauth_state("never-saved") is None


async def test_an_expired_oauth_state_is_refused(storage: Storage, clock: FakeClock) -> None:
    await storage.save_oauth_state("s1", next_path="/", ttl_s=600)
    clock.advance(601)
    assert await storage.take_oauth_state("s1") is None


async def test_purge_removes_only_what_expired(storage: Storage, clock: FakeClock) -> None:
    await _session(storage, "old", ttl_s=60)
    await _session(storage, "new", ttl_s=7200)
    await storage.save_oauth_state("gone", next_path="/", ttl_s=60)
    await storage.save_oauth_state("kept", next_path="/", ttl_s=7200)
    clock.advance(120)
    assert await storage.purge_web_state() == 2
    assert await storage.web_session("new") is not None
    assert await storage.take_oauth_state("kept") == "/"
