"""Results becoming cards: after a public reply, a safety refusal, a report's or a
re-run's result (see :mod:`bot.review._content` for which notes get cards).

An opted-out member's note never gets a card on its own: only when a moderator overrode
the opt-out (their command on it, audited by :class:`bot.jobs.Consent`, and the card is
audited too) or a member reported it (audited by the report).
"""

from __future__ import annotations

import logging

from bot.errors import GeminiRefused, VoiceNoteError
from bot.model import TranscriptDocument
from bot.options import Origin
from bot.review._content import (
    content_from_document,
    failed_content,
    publicly_answered,
    refused_content,
    wanted_on_its_own,
)
from bot.review._ports import NoteFacts, ReviewPort, ReviewStore
from bot.review._publish import CardPublisher
from bot.storage import CardContent, CardDraft, GuildSettings, Job, ReviewCard

log = logging.getLogger(__name__)


def draft_for(facts: NoteFacts, content: CardContent, *, withheld: bool) -> CardDraft:
    """A new card for a note."""
    return CardDraft(
        place=facts.place,
        author_id=facts.author_id,
        author_name=facts.author_name,
        note_at=facts.note_at,
        withheld=withheld,
        content=content,
        jump_channel_id=facts.jump_channel_id,
        jump_message_id=facts.jump_message_id,
    )


class NoteIntake:
    """Creates and updates cards from jobs' outcomes."""

    def __init__(self, store: ReviewStore, port: ReviewPort, publisher: CardPublisher) -> None:
        self._store = store
        self._port = port
        self._publisher = publisher

    async def delivered(self, job: Job, document: TranscriptDocument) -> None:
        """A result was posted: its note's card, when the server wants one."""
        job = await self._store.get_job(job.id) or job  # as stored: with its result's key
        if job.origin in (Origin.REPORT, Origin.RERUN):
            await self._update(job, content_from_document(job, document))
        elif publicly_answered(job):
            await self._take(job, content_from_document(job, document))

    async def failed(self, job: Job, error: VoiceNoteError) -> None:
        """A job ended without a result. A public note Gemini refused gets a card (those
        are the notes moderators most need to hear of); a reported note's card says why it
        was not processed; a failed re-run leaves the card as it was, but for a refusal."""
        refused = isinstance(error, GeminiRefused)
        if job.origin is Origin.REPORT:
            content = refused_content(job) if refused else failed_content(job, error.user_message)
            await self._update(job, content)
        elif refused and job.origin is Origin.RERUN:
            await self._update(job, refused_content(job))
        elif refused and publicly_answered(job):
            await self._take(job, refused_content(job))

    async def _update(self, job: Job, content: CardContent) -> None:
        """A report's or re-run's outcome for the note's card."""
        facts = await self._port.note_facts(job)
        card = await self._store.card_for_note(facts.place) if facts else None
        if card is None:
            log.info("job %d: its card is gone; nothing to update", job.id)
            return
        await self._refresh(card, content)

    async def _refresh(self, card: ReviewCard, content: CardContent) -> None:
        settings = await self._store.guild_settings(card.guild_id)
        withheld = card.withheld
        if settings.review_channel_id is not None:
            withheld = await self._port.withheld(card.place, settings.review_channel_id)
        updated = await self._store.set_card_content(card.id, content, withheld=withheld)
        if updated is not None:
            await self._publisher.show(updated)

    async def _take(self, job: Job, content: CardContent) -> None:
        """A public note's result: update its card, or make one if the server wants it."""
        assert job.guild_id is not None
        settings = await self._store.guild_settings(job.guild_id)
        if settings.review_channel_id is None:
            return
        facts = await self._port.note_facts(job)
        if facts is None:
            return
        existing = await self._store.card_for_note(facts.place)
        if existing is not None:
            await self._refresh(existing, content)
            return
        if not wanted_on_its_own(content, settings) or not await self._consented(job, facts):
            return
        await self._create(facts, content, settings)

    async def _create(
        self, facts: NoteFacts, content: CardContent, settings: GuildSettings
    ) -> None:
        assert settings.review_channel_id is not None
        withheld = await self._port.withheld(facts.place, settings.review_channel_id)
        card, created = await self._store.create_card(draft_for(facts, content, withheld=withheld))
        if not created:  # made by another job of the same note a moment ago
            await self._refresh(card, content)
            return
        log.info("card %d made for a %s note", card.id, content.outcome.value)
        await self._publisher.show(card)

    async def _consented(self, job: Job, facts: NoteFacts) -> bool:
        """Whether an opted-out author's note may get a card: only after a moderator's
        override (someone else asked for it: :class:`bot.jobs.Consent` let it through
        only for a moderator, and audited it); the card is audited too."""
        if not await self._store.is_opted_out(facts.author_id):
            return True
        if job.origin.on_the_note or job.requester_id == facts.author_id:
            return False
        await self._store.audit(
            facts.place.guild_id,
            job.requester_id,
            "card.optout_override",
            {"author_id": facts.author_id, "job_id": job.id},
            channel_id=facts.place.channel_id,
        )
        return True
