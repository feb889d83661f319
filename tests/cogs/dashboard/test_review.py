"""Review on the web: the queue, a card with its whole transcript, the card's actions (shown
on the Discord card, in the same audit log), downloads, the audit page and the export, for
moderators only, within the channels they can view."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import AsyncIterator

import pytest_asyncio

from bot.storage import ReviewCard
from testkit.gemini import Reply
from tests.cogs.dashboard.conftest import Site
from tests.helpers.harness import transcript_reply
from tests.helpers.polling import wait_for_async
from tests.helpers.review import ReviewWorld, flagged_reply
from tests.helpers.web import WebClient

CARD_LINK = re.compile(r'href="/servers/\d+/cards/(\d+)"')


@pytest_asyncio.fixture
async def world(site: Site) -> AsyncIterator[ReviewWorld]:
    """The dashboard's site with review on in #mods (Bob: the moderator role; Carol:
    Manage Messages and #staff)."""
    built = await ReviewWorld.build(site.h)
    await built.enable()
    yield built


def card_ids(html: str) -> list[int]:
    """The cards a queue page links to, in order."""
    return [int(found) for found in dict.fromkeys(CARD_LINK.findall(html))]


async def queue(browser: WebClient, world: ReviewWorld, query: str = "") -> list[int]:
    page = await browser.get(f"/servers/{world.h.guild.id}/review{query}")
    assert page.status == 200, page.text
    return card_ids(page.text)


async def test_the_queue_filters_and_searches_like_review_list(
    site: Site, world: ReviewWorld, distinct_voice_notes: list[bytes]
) -> None:
    first, second = distinct_voice_notes[:2]
    await world.note(first, flagged_reply(summary="A threat about the garden."))
    await world.note(second, transcript_reply("Lunch at noon.", summary="Lunch plans."))
    (flagged, plain) = [c.id for c in await _cards(world)]
    async with site.client() as browser:
        await browser.login(world.bob)
        assert await queue(browser, world) == [plain, flagged]  # unreviewed, newest first
        assert await queue(browser, world, "?status=flagged") == [flagged]
        assert await queue(browser, world, "?status=all&text=garden") == [flagged]
        assert await queue(browser, world, "?status=all&category=threat") == [flagged]
        assert await queue(browser, world, f"?status=all&author={world.dave.id}") == []
        bad = await browser.get(f"/servers/{world.h.guild.id}/review?since=someday")
        assert bad.status == 400
        assert "I couldn&#39;t read since &#39;someday&#39;: use a date such as" in bad.text
        elsewhere = await browser.get(f"/servers/{site.other_guild.id}/review")
        assert elsewhere.status == 404
    async with site.client() as browser:
        await browser.login(world.dave)  # a member: no review
        assert (await browser.get(f"/servers/{world.h.guild.id}/review")).status == 404


async def test_a_card_shows_its_whole_transcript_as_text(
    site: Site, world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    body = transcript_reply("<script>alert('x')</script> hello", summary="<b>bold</b> claim")
    body["segments"][0]["translation"] = "<img src=x onerror=alert(1)> bonjour"
    await world.note(voice_note_bytes, body)
    (card,) = await _cards(world)
    async with site.client() as browser:
        await browser.login(world.bob)
        page = await browser.get(f"/servers/{world.h.guild.id}/cards/{card.id}")
    assert page.status == 200, page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; hello" in page.text
    assert "&lt;img src=x onerror=alert(1)&gt; bonjour" in page.text
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in page.text
    assert "<script" not in page.text
    assert "<img" not in page.text
    assert "<b>" not in page.text
    assert "script-src" not in page.headers["Content-Security-Policy"]  # no script runs
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


async def test_actions_on_the_web_change_the_discord_card_and_are_audited(
    site: Site, world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.note(voice_note_bytes)
    (message,) = world.cards()
    (card,) = await _cards(world)
    path = f"/servers/{world.h.guild.id}/cards/{card.id}"
    async with site.client() as browser:
        await browser.login(world.bob)
        page = await browser.get(path)
        forged = await browser.post(f"{path}/reviewed", {})  # no CSRF token
        assert forged.status == 403
        assert not world.h.discord.message(message.id).edits
        done = await browser.post(f"{path}/reviewed", {"csrf": page.csrf()})
        assert done.path == f"{path}?done=reviewed"
        assert "Marked reviewed" in done.text
        await _edited(world, message.id, 1)
        assert world.field(message, "Status").startswith("Reviewed by bob · <t:")
        await browser.post(f"{path}/flag", {"csrf": page.csrf()})
        await _edited(world, message.id, 2)
        assert world.embed(message)["title"] == "⚠️ Flagged by a moderator"
        audit = await browser.get(f"/servers/{world.h.guild.id}/audit")
    assert audit.status == 200
    assert "card.flagged" in audit.text
    assert "card.reviewed" in audit.text
    assert "bob" in audit.text
    log = await world.h.bot.core.storage.audit_log(world.h.guild.id)
    acted = [(e.action, e.actor_id, e.card_id) for e in log if e.action.startswith("card.")]
    assert acted == [
        ("card.flagged", world.bob.id, card.id),
        ("card.reviewed", world.bob.id, card.id),
    ]


async def test_a_card_from_a_channel_the_moderator_cannot_see_is_not_there(
    site: Site, world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.note(voice_note_bytes, flagged_reply(summary="Staff only."), channel=world.staff)
    (card,) = await _cards(world)
    async with site.client() as browser:
        await browser.login(world.bob)  # #staff is hidden from him
        hidden = await browser.get(f"/servers/{world.h.guild.id}/cards/{card.id}")
        missing = await browser.get(f"/servers/{world.h.guild.id}/cards/{card.id + 1000}")
        assert (hidden.status, hidden.text) == (missing.status, missing.text)
        assert hidden.status == 404
        assert await queue(browser, world, "?status=all") == []
        token = (await browser.get(f"/servers/{world.h.guild.id}/review")).csrf()
        acted = await browser.post(
            f"/servers/{world.h.guild.id}/cards/{card.id}/flag", {"csrf": token}
        )
        assert acted.status == 404
        other = await browser.get(f"/servers/{site.other_guild.id}/cards/{card.id}")
        assert other.status == 404
    async with site.client() as browser:
        await browser.login(world.carol)
        shown = await browser.get(f"/servers/{world.h.guild.id}/cards/{card.id}")
        assert shown.status == 200
        assert "Staff only." in shown.text


async def test_deleting_the_original_asks_first_and_checks_both_permissions(
    site: Site, world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    note = await world.note(voice_note_bytes, transcript_reply("Delete me."))
    (card,) = await _cards(world)
    path = f"/servers/{world.h.guild.id}/cards/{card.id}"
    async with site.client() as browser:
        await browser.login(world.bob)  # the moderator role, no Manage Messages
        refused = await browser.get(f"{path}/delete")
        assert refused.status == 409
        assert "You need the Manage Messages permission in &lt;#" in refused.text
    world.h.discord.set_bot_permissions(world.h.channel, allowed={"MANAGE_MESSAGES"})
    await world.h.discord.flush_events()
    async with site.client() as browser:
        await browser.login(world.carol)
        confirm = await browser.get(f"{path}/delete")
        assert confirm.status == 200
        assert "This cannot be undone." in confirm.text
        assert not world.h.discord.message(note.id).deleted  # asking deletes nothing
        deleted = await browser.post(f"{path}/delete", {"csrf": confirm.csrf()})
        assert deleted.path == f"{path}?done=deleted"
        assert "original deleted by carol" in deleted.text
    assert world.h.discord.message(note.id).deleted
    log = await world.h.bot.core.storage.audit_log(world.h.guild.id)
    deletions = [e.actor_id for e in log if e.action == "card.delete_original"]
    assert deletions == [world.carol.id]


async def test_a_rerun_from_the_web_updates_only_the_card_once_per_form(
    site: Site, world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.note(voice_note_bytes, transcript_reply("First take."))
    (message,) = world.cards()
    (card,) = await _cards(world)
    posted_before = len(world.h.discord.bot_messages())
    path = f"/servers/{world.h.guild.id}/cards/{card.id}"
    world.h.gemini.enqueue(Reply.json(flagged_reply(summary="Second take, angrier.")))
    async with site.client() as browser:
        await browser.login(world.bob)
        page = await browser.get(path)
        nonce = re.search(r'name="nonce" value="([^"]+)"', page.text)
        assert nonce is not None
        form = {"csrf": page.csrf(), "nonce": nonce.group(1)}
        assert (await browser.post(f"{path}/rerun", form)).path == f"{path}?done=rerun"
        await browser.post(f"{path}/rerun", form)  # the same form again: no second job
        assert (await browser.post(f"{path}/rerun", {"csrf": page.csrf()})).status == 400
    await _edited(world, message.id, 1)
    assert world.embed(message)["description"] == "Second take, angrier."
    storage = world.h.bot.core.storage
    await wait_for_async(lambda: _no_unfinished(world), timeout=20, what="the re-run to finish")
    assert len(world.h.gemini.requests) == 2  # one re-run, the cache bypassed
    assert len(world.h.discord.bot_messages()) == posted_before  # nothing new in Discord
    log = await storage.audit_log(world.h.guild.id)
    assert [e.action for e in log].count("card.rerun") == 1


async def test_downloads_and_exports_have_safe_names(
    site: Site, world: ReviewWorld, voice_note_bytes: bytes
) -> None:
    await world.note(voice_note_bytes, flagged_reply('=HYPERLINK("http://x")', summary="=1+1"))
    (card,) = await _cards(world)
    base = f"/servers/{world.h.guild.id}"
    async with site.client() as browser:
        await browser.login(world.bob)
        srt = await browser.get(f"{base}/cards/{card.id}/transcript.srt")
        assert srt.status == 200
        disposition = f'attachment; filename="card-{card.id}-transcript.srt"'
        assert srt.headers["Content-Disposition"] == disposition
        assert "00:00:00,000 -->" in srt.text
        assert (await browser.get(f"{base}/cards/{card.id}/transcript.exe")).status == 404
        async with browser.http.get(f"{browser.base_url}{base}/review/export?format=csv") as got:
            assert got.status == 200
            name = got.headers["Content-Disposition"]
            archive = zipfile.ZipFile(io.BytesIO(await got.read()))
    assert re.fullmatch(
        rf'attachment; filename="review-{world.h.guild.id}-\d{{8}}-\d{{4}}\.zip"', name
    )
    cards_csv = next(n for n in archive.namelist() if n.endswith("-cards.csv"))
    assert "'=1+1" in archive.read(cards_csv).decode()  # no formula for a spreadsheet
    log = await world.h.bot.core.storage.audit_log(world.h.guild.id)
    assert log[0].action == "review.export"


async def _cards(world: ReviewWorld) -> list[ReviewCard]:
    """Alice's notes' cards, oldest first (straight from storage)."""
    cards = await world.h.bot.core.storage.cards_of_author(world.h.alice.id)
    return sorted(cards, key=lambda c: c.id)


async def _edited(world: ReviewWorld, message_id: int, edits: int) -> None:
    await world.h.discord.wait_for(
        lambda: len(world.h.discord.message(message_id).edits) >= edits, what="the card edited"
    )


async def _no_unfinished(world: ReviewWorld) -> bool:
    return not await world.h.bot.core.storage.unfinished_jobs()
