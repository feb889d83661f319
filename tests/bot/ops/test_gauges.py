"""Scrape-time gauges: read from the database at each scrape; a database that fails or
hangs sets ``database_up`` to 0 and leaves the last values, and the scrape still answers."""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.metrics import Metrics
from bot.ops import StoreGauge, StoreGauges, store_gauges
from bot.ops._gauges import GaugeStore, Reading
from bot.storage import CardAction, Storage
from tests.helpers.cards import draft
from tests.helpers.clocks import FakeClock
from tests.helpers.jobs import job_request
from tests.helpers.metrics import sample

MODEL = "gemini-3.5-flash"


async def test_a_hanging_database_is_down_and_the_last_values_stay(
    storage: Storage, clock: FakeClock
) -> None:
    hang = asyncio.Event()

    async def stuck(store: GaugeStore, now: datetime) -> Reading:
        if hang.is_set():
            await asyncio.Event().wait()  # a database that never answers
        return 0.0

    gauges = (*store_gauges(MODEL), StoreGauge("probe", "Hangs when told to.", (), stuck))
    metrics = Metrics()
    scrape = StoreGauges(metrics, storage, gauges, clock=clock, per_minute=60, timeout_s=2.0)
    await storage.submit_job(job_request("a"))
    await scrape.refresh()
    assert sample(metrics, "voicenotes_database_up") == 1
    assert sample(metrics, "voicenotes_queue_jobs", state="queued") == 1
    hang.set()
    await storage.submit_job(job_request("b"))
    await scrape.refresh()  # returns: the scrape is not held up by the database
    assert sample(metrics, "voicenotes_database_up") == 0
    assert sample(metrics, "voicenotes_queue_jobs", state="queued") == 2  # read before the hang


async def test_review_cards_are_counted_by_state_over_every_server(
    storage: Storage, clock: FakeClock
) -> None:
    metrics = Metrics()
    scrape = StoreGauges(metrics, storage, store_gauges(MODEL), clock=clock, per_minute=60)
    await scrape.refresh()
    assert sample(metrics, "voicenotes_review_cards", state="unreviewed") == 0
    assert sample(metrics, "voicenotes_review_cards", state="reviewed") == 0
    first, _ = await storage.create_card(draft(300, guild_id=1))
    await storage.create_card(draft(400, guild_id=2))
    await storage.create_card(draft(500, guild_id=2))
    await storage.record_card_action(first.id, CardAction.REVIEWED, 7, "Mod")
    await scrape.refresh()
    assert sample(metrics, "voicenotes_review_cards", state="unreviewed") == 2
    assert sample(metrics, "voicenotes_review_cards", state="reviewed") == 1
