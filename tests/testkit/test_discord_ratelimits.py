"""The fake Discord's rate limits, invalid-request count and rejection check, against the
real discord.py client and a raw HTTP client that ignores the headers."""

from __future__ import annotations

import discord
import pytest

from testkit.discord import BucketLimit, FakeDiscord, point_discord_py_at
from tests.testkit.discord_bot import bot_in, raw


async def test_responses_carry_the_bucket_of_their_route_and_channel(
    fake_discord: FakeDiscord,
) -> None:
    guild = fake_discord.add_guild()
    general = fake_discord.add_text_channel(guild, "general")
    other = fake_discord.add_text_channel(guild, "other")
    note = await fake_discord.post_message(general, fake_discord.make_user("alice"), content="hi")
    _, _, first = await raw(
        fake_discord, "POST", f"/channels/{general.id}/messages", json={"content": "a"}
    )
    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("5", "4")
    reset_after = float(first["X-RateLimit-Reset-After"])
    assert 4.5 < reset_after <= 5.0
    assert float(first["X-RateLimit-Reset"]) == pytest.approx(
        fake_discord.clock.time() + reset_after, abs=0.5
    )
    assert "X-RateLimit-Scope" not in first  # only on a 429
    _, _, second = await raw(
        fake_discord, "POST", f"/channels/{general.id}/messages", json={"content": "b"}
    )
    _, _, elsewhere = await raw(
        fake_discord, "POST", f"/channels/{other.id}/messages", json={"content": "c"}
    )
    assert second["X-RateLimit-Remaining"] == "3"
    assert elsewhere["X-RateLimit-Remaining"] == "4"  # a channel is a top-level resource
    assert first["X-RateLimit-Bucket"] == elsewhere["X-RateLimit-Bucket"]
    reaction = f"/channels/{general.id}/messages/{note.id}/reactions/%E2%8F%B3/@me"
    _, _, added = await raw(fake_discord, "PUT", reaction)
    fake_discord.clock.advance(0.3)
    _, _, removed = await raw(fake_discord, "DELETE", reaction)
    assert added["X-RateLimit-Bucket"] == removed["X-RateLimit-Bucket"]  # one shared bucket
    assert (added["X-RateLimit-Limit"], added["X-RateLimit-Remaining"]) == ("1", "0")
    assert float(added["X-RateLimit-Reset-After"]) <= 0.25
    assert fake_discord.invalid_request_count == 0


async def test_a_client_ignoring_the_headers_gets_429s_counted_as_invalid(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.rate_limits.buckets["message-create"] = BucketLimit(2, 30.0)
    fake_discord.expect_rejection(status=429)
    channel = fake_discord.add_text_channel(fake_discord.add_guild(), "general")
    path = f"/channels/{channel.id}/messages"
    answers = [await raw(fake_discord, "POST", path, json={"content": "x"}) for _ in range(3)]
    assert [status for status, _, _ in answers] == [200, 200, 429]
    _, body, headers = answers[2]
    assert body["global"] is False
    assert 29.0 < body["retry_after"] <= 30.0
    assert headers["Retry-After"] == "30"
    assert headers["X-RateLimit-Scope"] == "user"
    assert headers["X-RateLimit-Remaining"] == "0"
    assert headers["Via"]  # without it discord.py takes a 429 for a Cloudflare ban
    assert len(fake_discord.messages_in(channel)) == 2
    assert fake_discord.invalid_request_count == 1
    fake_discord.clock.advance(30)
    assert (await raw(fake_discord, "POST", path, json={"content": "x"}))[0] == 200


async def test_discord_py_waits_out_buckets_instead_of_hitting_them(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.rate_limits.buckets["message-create"] = BucketLimit(2, 0.5)
    guild = fake_discord.add_guild()
    general = fake_discord.add_text_channel(guild, "general")
    async with bot_in(fake_discord, general) as (bot, channel):
        # Five sends through a bucket of two: without waiting as the headers say, the
        # third would be refused.
        sent = [await channel.send(f"message {i}") for i in range(5)]
        for emoji in ("⏳", "✅", "⚠️"):  # one reaction change per 0.25 s, shared with removal
            await sent[0].add_reaction(emoji)
            await sent[0].remove_reaction(emoji, bot.user)  # type: ignore[arg-type]
    assert fake_discord.rejected_requests == []
    assert fake_discord.invalid_request_count == 0


async def test_the_global_limit_spares_interaction_endpoints(fake_discord: FakeDiscord) -> None:
    fake_discord.rate_limits.global_per_second = 3
    fake_discord.expect_rejection(status=429)
    fake_discord.expect_rejection(status=404, code=10062)
    answers = [await raw(fake_discord, "GET", "/users/@me") for _ in range(4)]
    assert [status for status, _, _ in answers] == [200, 200, 200, 429]
    _, body, headers = answers[3]
    assert body["global"] is True
    assert headers["X-RateLimit-Global"] == "true"
    assert headers["X-RateLimit-Scope"] == "global"
    assert "X-RateLimit-Bucket" not in headers
    # "Interaction endpoints are not bound to the bot's Global Rate Limit": an unknown
    # interaction is refused for what it is, not with a 429.
    status, body, _ = await raw(fake_discord, "POST", "/interactions/1/nope/callback", json={})
    assert (status, body["code"]) == (404, 10062)
    fake_discord.clock.advance(1.0)
    assert (await raw(fake_discord, "GET", "/users/@me"))[0] == 200


async def test_a_long_wait_is_raised_as_rate_limited_not_http_exception(
    fake_discord: FakeDiscord,
) -> None:
    general = fake_discord.add_text_channel(fake_discord.add_guild(), "general")
    async with bot_in(fake_discord, general, max_ratelimit_timeout=30) as (_, channel):
        fake_discord.exhaust_bucket("POST", r"/channels/\d+/messages", reset_after=120)
        with pytest.raises(discord.RateLimited) as limited:
            await channel.send("too soon")
        assert not isinstance(limited.value, discord.HTTPException)
        assert limited.value.retry_after == pytest.approx(120, abs=1)
        fake_discord.clock.advance(120)
        await channel.send("in time")
    attempts = fake_discord.requests_to("POST", rf"/channels/{general.id}/messages")
    assert [(r.status, r.scope) for r in attempts] == [(429, "user"), (200, None)]
    assert fake_discord.invalid_request_count == 1  # injected: no expect_rejection needed


async def test_a_bucket_with_a_long_window_raises_rate_limited(fake_discord: FakeDiscord) -> None:
    fake_discord.rate_limits.buckets["message-create"] = BucketLimit(1, 120.0)
    fake_discord.expect_rejection(status=429)
    general = fake_discord.add_text_channel(fake_discord.add_guild(), "general")
    async with bot_in(fake_discord, general, max_ratelimit_timeout=30) as (_, channel):
        await channel.send("first")
        with pytest.raises(discord.RateLimited):  # the bucket resets in 120 s: too long a wait
            await channel.send("second")
    attempts = fake_discord.requests_to("POST", rf"/channels/{general.id}/messages")
    assert [(r.status, r.scope) for r in attempts] == [(200, None), (429, "user")]
    assert attempts[1].response["retry_after"] == pytest.approx(120, abs=1)


async def test_rate_limited_send_is_retried_once(fake_discord: FakeDiscord) -> None:
    guild = fake_discord.add_guild()
    general = fake_discord.add_text_channel(guild, "general")
    async with bot_in(fake_discord, general) as (_, channel):
        fake_discord.fail_next("POST", r"/channels/\d+/messages", 429, retry_after=0.2)
        sent = await channel.send("hello")
        fake_discord.exhaust_bucket(
            "POST", r"/channels/\d+/messages", reset_after=0.2, scope="shared"
        )
        await channel.send("again")
    attempts = fake_discord.requests_to("POST", rf"/channels/{general.id}/messages")
    assert [(r.status, r.scope) for r in attempts] == [
        (429, "user"),
        (200, None),
        (429, "shared"),
        (200, None),
    ]
    assert attempts[1].at - attempts[0].at >= 0.2
    assert fake_discord.messages_in(general)[0].id == sent.id
    assert fake_discord.invalid_request_count == 1  # a shared-scope 429 is not held against us


async def test_invalid_requests_are_counted_and_too_many_ban_the_ip(
    fake_discord: FakeDiscord,
) -> None:
    fake_discord.rate_limits.invalid_request_limit = 3
    fake_discord.expect_rejection(status=403, code=50013)
    fake_discord.expect_rejection(status=400, code=50035)
    guild = fake_discord.add_guild()
    general = fake_discord.add_text_channel(guild, "general")
    closed = fake_discord.add_text_channel(guild, "closed", denied={"SEND_MESSAGES"})
    async with bot_in(fake_discord, general) as (bot, allowed):
        denied = bot.get_channel(closed.id)
        assert isinstance(denied, discord.TextChannel)
        with pytest.raises(discord.HTTPException):
            await allowed.send("x" * 2001)  # a 400: not an invalid request
        for _ in range(3):
            with pytest.raises(discord.Forbidden):
                await denied.send("let me in")
        assert fake_discord.invalid_request_count == 3
        with pytest.raises(discord.HTTPException) as banned:  # Cloudflare's page, no retry
            await allowed.send("hello?")
        assert banned.value.status == 429
        assert "1015" in banned.value.text
        fake_discord.clock.advance(600)  # the ban lapses with the 10-minute window
        await allowed.send("back")
    assert fake_discord.invalid_request_count == 3


async def test_undeclared_rejections_fail_the_check_with_a_readable_list() -> None:
    async with FakeDiscord() as fake:
        closed = fake.add_text_channel(fake.add_guild(), "closed", denied={"SEND_MESSAGES"})
        with point_discord_py_at(fake):
            async with bot_in(fake, closed) as (_, channel):
                with pytest.raises(discord.Forbidden):
                    await channel.send("no")
        expected = r"POST /channels/\{channel_id\}/messages → 403 50013"
        with pytest.raises(AssertionError, match=expected):
            fake.check_rejections()
        fake.expect_rejection(status=403, code=10003)  # another code: still undeclared
        with pytest.raises(AssertionError, match=expected):
            fake.check_rejections()
        fake.expect_rejection(code=50013)
        fake.check_rejections()
        with pytest.raises(ValueError, match="needs a status"):
            fake.expect_rejection()
