"""Usage for admins: 30 days of audio, requests, tokens and cost, by day and by channel."""

from __future__ import annotations

import re

from testkit.gemini import Reply
from tests.cogs.dashboard.conftest import MakeSite, Site
from tests.helpers.harness import transcript_reply

DAY = 86_400.0


async def test_a_processed_note_shows_in_todays_usage_and_its_channel(
    site: Site, voice_note_bytes: bytes
) -> None:
    h = site.h
    h.gemini.enqueue(Reply.json(transcript_reply("Counted on the dashboard.")))
    note = await h.post_note(voice_note_bytes)
    await h.discord.wait_for(lambda: h.discord.reactions_on(note).get("✅"), timeout=20)
    async with site.client() as browser:
        await browser.login(site.admin)
        page = await browser.get(f"/servers/{h.guild.id}/usage")
    assert page.status == 200
    top = page.text.split("Top channels", 1)[1].split("</table>", 1)[0]
    assert "#general" in top
    assert re.search(r"<td>1</td>", top)  # one request
    svgs = re.findall(r"<svg .*?</svg>", page.text, flags=re.S)
    assert len(svgs) == 2
    assert all(s.count('class="bar"') == 30 for s in svgs)  # one bar per day


async def test_days_and_channels_add_up_with_every_token_kind(site: Site) -> None:
    h = site.h
    storage = h.bot.core.storage
    elsewhere = h.discord.add_text_channel(h.guild, "elsewhere")
    await h.discord.flush_events()
    await h.discord.wait_for(lambda: h.bot.get_channel(elsewhere.id) is not None)
    h.clock.advance(-2 * DAY)
    await storage.add_usage(
        guild_id=h.guild.id,
        user_id=h.alice.id,
        audio_s=120,
        tokens_in=1000,
        tokens_out=200,
        tokens_thought=50,
        tokens_cached=300,
        channel_id=h.channel.id,
    )
    h.clock.advance(2 * DAY)
    for _ in range(2):
        await storage.add_usage(
            guild_id=h.guild.id,
            user_id=h.alice.id,
            audio_s=600,
            tokens_in=10,
            tokens_out=10,
            channel_id=elsewhere.id,
        )
    await storage.add_usage(  # another server's usage never shows here
        guild_id=site.other_guild.id, user_id=h.alice.id, audio_s=9999, tokens_in=1, tokens_out=1
    )
    async with site.client() as browser:
        await browser.login(site.admin)
        page = await browser.get(f"/servers/{h.guild.id}/usage")
    text = page.text
    assert "<strong>22 min</strong>" in text  # 2 + 10 + 10 minutes
    top = text.split("Top channels", 1)[1].split("</table>", 1)[0]
    assert top.index("#elsewhere") < top.index("#general")  # most audio first
    by_day = text.split("By day", 1)[1]
    assert "<td>1000</td><td>200</td><td>50</td><td>300</td>" in by_day
    assert "9999" not in text


async def test_the_quota_in_force_is_shown(make_site: MakeSite) -> None:
    quotas = {"quota_guild_minutes_per_day": 90, "quota_user_minutes_per_day": 15}
    async with make_site(**quotas) as site, site.client() as browser:
        await browser.login(site.admin)
        page = await browser.get(f"/servers/{site.h.guild.id}/usage")
    assert "90 min for the server" in page.text
    assert "15 min per member" in page.text
