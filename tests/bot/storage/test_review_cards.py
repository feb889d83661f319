"""Review cards in storage: one per note, scoped to their server, results, moderators'
actions, tombstones, posting exactly once, reports, retention and erasure."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.model import FlagCategory, Severity
from bot.storage import CardAction, CardContent, CardOutcome, CardStatus, Storage
from tests.helpers.cards import ALICE, BOB, GUILD, OTHER_GUILD, content, draft, flag
from tests.helpers.clocks import FakeClock

DAY = 24 * 3600.0


async def test_a_note_has_one_card_even_when_created_at_once(storage: Storage) -> None:
    results = await asyncio.gather(*(storage.create_card(draft()) for _ in range(4)))
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert len({card.id for card, _ in results}) == 1
    card = results[0][0]
    assert card.content.summary == "Alice talks about the garden."
    assert card.content.emotions == (("neutral", 0.7), ("angry", 0.3))
    assert (card.status, card.flagged, card.tombstone, card.post_attempts) == (
        CardStatus.UNREVIEWED,
        False,
        False,
        0,
    )


async def test_an_id_of_another_server_is_not_found(storage: Storage) -> None:
    card, _ = await storage.create_card(draft())
    assert await storage.card(GUILD, card.id) == card
    assert await storage.card(OTHER_GUILD, card.id) is None
    assert await storage.card(GUILD, card.id + 1) is None


async def test_flags_make_a_card_flagged_until_a_moderator_decides(storage: Storage) -> None:
    threat = flag()
    card, _ = await storage.create_card(draft(body=content("Loud.", threat)))
    assert card.flagged
    assert card.content.flags == (threat,)
    assert card.content.severity is Severity.HIGH
    unflagged = await storage.record_card_action(card.id, CardAction.UNFLAGGED, BOB, "Bob")
    assert unflagged is not None
    assert (unflagged.flagged, unflagged.action, unflagged.action_by_name) == (
        False,
        CardAction.UNFLAGGED,
        "Bob",
    )
    spam = flag(FlagCategory.SPAM, Severity.LOW, "Advertising.")
    rerun = await storage.set_card_content(card.id, content("Louder.", spam))
    assert rerun is not None
    assert not rerun.flagged  # the moderator's decision stands over a new result
    assert rerun.content.flags == (spam,)
    reviewed = await storage.record_card_action(card.id, CardAction.REVIEWED, BOB, "Bob")
    assert reviewed is not None
    assert (reviewed.status, reviewed.reviewed_by) == (CardStatus.REVIEWED, BOB)


async def test_a_refusal_is_flagged_and_a_result_can_replace_a_placeholder(
    storage: Storage,
) -> None:
    refused = CardContent(outcome=CardOutcome.REFUSED, problem="Gemini refused it.")
    card, _ = await storage.create_card(draft(body=refused))
    assert card.flagged
    assert card.content.outcome is CardOutcome.REFUSED
    pending = await storage.create_card(draft(400, CardContent(outcome=CardOutcome.PENDING)))
    updated = await storage.set_card_content(pending[0].id, content(), withheld=True)
    assert updated is not None
    assert (updated.content.outcome, updated.withheld, updated.flagged) == (
        CardOutcome.PROCESSED,
        True,
        False,
    )


async def test_a_tombstone_keeps_summary_and_flags_not_the_transcript(storage: Storage) -> None:
    card, _ = await storage.create_card(draft(body=content("Said.", flag())))
    await storage.mark_original_deleted(card.id, BOB, "Bob")
    gone = await storage.mark_card_gone(card.id)
    assert gone is not None
    assert gone.tombstone
    assert (gone.deleted_by, gone.deleted_by_name) == (BOB, "Bob")
    assert (gone.content.summary, len(gone.content.flags)) == ("Said.", 1)
    assert (gone.content.result_key, gone.content.job_id) == (None, None)
    assert gone.kept_when_gone


async def test_the_first_recorded_card_message_wins(storage: Storage) -> None:
    card, _ = await storage.create_card(draft())
    first = await storage.begin_card_post(card.id)
    assert first is not None
    assert first.post_attempts == 1
    assert await storage.record_card_message(card.id, 77, 1001) == 1001
    assert await storage.record_card_message(card.id, 77, 1002) == 1001
    again = await storage.begin_card_post(card.id)
    assert again is not None
    assert (again.post_attempts, again.card_message_id) == (1, 1001)  # posted: not counted


async def test_unposted_cards_of_the_servers_asked_for(storage: Storage, clock: FakeClock) -> None:
    card, _ = await storage.create_card(draft())
    elsewhere, _ = await storage.create_card(draft(600, guild_id=OTHER_GUILD))
    clock.advance(60)
    before = clock() - timedelta(seconds=30)
    found = await storage.unposted_cards([GUILD], before=before, max_attempts=3)
    assert [c.id for c in found] == [card.id]
    for _ in range(3):
        await storage.begin_card_post(card.id)
    assert await storage.unposted_cards([GUILD], before=before, max_attempts=3) == []
    assert elsewhere.guild_id == OTHER_GUILD


async def test_reports_once_per_member_and_counted_per_hour(
    storage: Storage, clock: FakeClock
) -> None:
    card, _ = await storage.create_card(draft())
    other, _ = await storage.create_card(draft(400))
    assert await storage.add_report(card.id, GUILD, ALICE)
    assert not await storage.add_report(card.id, GUILD, ALICE)
    assert await storage.add_report(other.id, GUILD, ALICE)
    assert await storage.add_report(card.id, GUILD, BOB)
    stored = await storage.card(GUILD, card.id)
    assert stored is not None
    assert stored.reporters == (ALICE, BOB)
    assert stored.kept_when_gone
    hour_ago = clock() - timedelta(hours=1)
    assert await storage.reports_since(GUILD, ALICE, hour_ago) == 2
    clock.advance(3601)
    assert await storage.reports_since(GUILD, ALICE, clock() - timedelta(hours=1)) == 0


async def test_cards_by_message_and_author_and_deletion(storage: Storage) -> None:
    card, _ = await storage.create_card(draft())
    await storage.add_report(card.id, GUILD, BOB)
    assert [c.id for c in await storage.cards_for_message(300)] == [card.id]
    assert [c.id for c in await storage.cards_of_author(ALICE)] == [card.id]
    assert await storage.delete_cards([card.id]) == 1
    assert await storage.cards_for_message(300) == []
    assert await storage.reports_since(GUILD, BOB, card.created_at - timedelta(days=1)) == 0


async def test_retention_and_a_departed_server_take_cards_with_them(
    storage_url: str, clock: FakeClock
) -> None:
    storage = await Storage.open(storage_url, clock=clock, retention_s=30 * DAY)
    try:
        old, _ = await storage.create_card(draft())
        await storage.audit(GUILD, BOB, "card.reviewed", {}, card_id=old.id, channel_id=200)
        clock.advance(29 * DAY)
        kept, _ = await storage.create_card(draft(400))
        clock.advance(2 * DAY)
        assert await storage.purge_review() == 1
        await storage.purge_expired()
        assert await storage.card(GUILD, old.id) is None
        assert await storage.audit_log(GUILD) == []
        assert await storage.card(GUILD, kept.id) is not None
        await storage.erase_guild(GUILD)
        assert await storage.card(GUILD, kept.id) is None
    finally:
        await storage.close()
