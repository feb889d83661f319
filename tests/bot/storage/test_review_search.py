"""Finding cards: filters, pages, full-text search on both backends, visibility, export,
audit entries of a period and kept list queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.model import FlagCategory, Severity
from bot.storage import CardAction, CardQuery, ListStatus, Storage
from tests.helpers.cards import BOB, GENERAL, GUILD, OTHER_GUILD, STAFF, content, draft, flag
from tests.helpers.clocks import FakeClock

EVERYWHERE = frozenset({GENERAL, STAFF})


def query(**filters: object) -> CardQuery:
    """A query of GUILD by someone who sees #general and #staff."""
    return CardQuery(guild_id=GUILD, visible=EVERYWHERE, **filters)  # type: ignore[arg-type]


async def _ids(storage: Storage, wanted: CardQuery) -> list[int]:
    cards, total = await storage.list_cards(wanted, offset=0, limit=50)
    assert total == len(cards)
    return [card.id for card in cards]


async def test_filters_and_newest_first(storage: Storage) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    made = []
    for index in range(4):
        note = draft(300 + 10 * index, note_at=start + timedelta(hours=index))
        made.append((await storage.create_card(note))[0].id)
    await storage.create_card(draft(800, guild_id=OTHER_GUILD))
    await storage.record_card_action(made[1], CardAction.REVIEWED, BOB, "Bob")
    await storage.record_card_action(made[2], CardAction.FLAGGED, BOB, "Bob")
    await storage.add_report(made[3], GUILD, BOB)
    assert await _ids(storage, query()) == made[::-1]
    assert await _ids(storage, query(status=ListStatus.REVIEWED)) == [made[1]]
    assert await _ids(storage, query(status=ListStatus.UNREVIEWED)) == [made[3], made[2], made[0]]
    assert await _ids(storage, query(status=ListStatus.FLAGGED)) == [made[2]]
    assert await _ids(storage, query(status=ListStatus.REPORTED)) == [made[3]]
    since, until = start + timedelta(hours=1), start + timedelta(hours=3)
    assert await _ids(storage, query(since=since, until=until)) == [made[2], made[1]]
    assert await _ids(storage, query(author_id=BOB)) == []


async def test_pages_and_totals(storage: Storage) -> None:
    for index in range(12):
        await storage.create_card(draft(300 + 10 * index))
    first, total = await storage.list_cards(query(), offset=0, limit=10)
    second, again = await storage.list_cards(query(), offset=10, limit=10)
    assert (len(first), len(second), total, again) == (10, 2, 12, 12)
    assert not {c.id for c in first} & {c.id for c in second}


async def test_only_channels_the_requester_can_view(storage: Storage) -> None:
    public, _ = await storage.create_card(draft())
    private, _ = await storage.create_card(draft(400, channel_id=STAFF, access_channel_id=STAFF))
    thread, _ = await storage.create_card(
        draft(500, channel_id=999, access_channel_id=STAFF, private_thread=True)
    )
    only_general = CardQuery(guild_id=GUILD, visible=frozenset({GENERAL}))
    assert await _ids(storage, only_general) == [public.id]
    assert await _ids(storage, CardQuery(guild_id=GUILD, visible=frozenset())) == []
    assert await _ids(storage, query()) == [private.id, public.id]
    managing = CardQuery(guild_id=GUILD, visible=EVERYWHERE, private_threads=frozenset({STAFF}))
    assert await _ids(storage, managing) == [thread.id, private.id, public.id]
    assert await _ids(storage, query(channel_id=STAFF)) == [private.id]


async def test_text_search_matches_words_and_their_starts(storage: Storage) -> None:
    garden, _ = await storage.create_card(draft(body=content("Alice waters the garden.")))
    threat, _ = await storage.create_card(
        draft(400, content("A calm chat.", flag(reason="Threatened the neighbour.")))
    )
    spam, _ = await storage.create_card(
        draft(500, content("Buy cheap gardening tools.", flag(FlagCategory.SPAM, Severity.LOW)))
    )
    await storage.create_card(draft(600, content("Garden party."), guild_id=OTHER_GUILD))
    assert await _ids(storage, query(words=("garden",))) == [spam.id, garden.id]
    assert await _ids(storage, query(words=("threat",))) == [spam.id, threat.id]
    assert await _ids(storage, query(words=("garden", "cheap"))) == [spam.id]
    assert await _ids(storage, query(words=("neighbour", "calm"))) == [threat.id]
    assert await _ids(storage, query(words=("nothing",))) == []
    assert await _ids(storage, query(category=FlagCategory.SPAM)) == [spam.id]
    await storage.set_card_content(garden.id, content("Bob fixes the fence."))
    assert await _ids(storage, query(words=("garden",))) == [spam.id]  # the index follows
    await storage.delete_cards([spam.id])
    assert await _ids(storage, query(words=("garden",))) == []


async def test_export_and_audit_entries_of_a_period(storage: Storage, clock: FakeClock) -> None:
    card, _ = await storage.create_card(draft())
    hidden, _ = await storage.create_card(draft(400, channel_id=STAFF, access_channel_id=STAFF))
    await storage.audit(GUILD, BOB, "review.settings", {"cards": "all"})
    await storage.audit(GUILD, BOB, "card.reviewed", {}, card_id=card.id, channel_id=GENERAL)
    await storage.audit(GUILD, BOB, "card.reviewed", {}, card_id=hidden.id, channel_id=STAFF)
    await storage.audit(OTHER_GUILD, BOB, "card.reviewed", {}, channel_id=GENERAL)
    clock.advance(3600)
    await storage.audit(GUILD, BOB, "card.flagged", {}, card_id=card.id, channel_id=GENERAL)
    visible = frozenset({GENERAL})
    exported = await storage.export_cards(CardQuery(guild_id=GUILD, visible=visible))
    assert [c.id for c in exported] == [card.id]
    until = clock() - timedelta(minutes=30)
    entries = await storage.audit_entries(GUILD, since=None, until=until, visible=visible)
    assert [(e.action, e.card_id) for e in entries] == [
        ("review.settings", None),
        ("card.reviewed", card.id),
    ]


async def test_kept_list_queries_are_scoped_and_expire(storage: Storage, clock: FakeClock) -> None:
    query_id = await storage.save_page_query(GUILD, BOB, {"status": "flagged", "text": "x"})
    assert await storage.page_query(GUILD, query_id) == (BOB, {"status": "flagged", "text": "x"})
    assert await storage.page_query(OTHER_GUILD, query_id) is None
    clock.advance(25 * 3600)
    assert await storage.page_query(GUILD, query_id) is None
