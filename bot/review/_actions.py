"""What moderators do to a card: mark it reviewed, flag or unflag it, read its transcript,
delete the original, re-run it. Plain Python: the card's buttons call these, and so can any
other front end (a web dashboard) with a :class:`bot.review.Viewer` built from the member's
permissions. Every action checks the viewer, is audited, and shows on the card.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.jobs import parse_document
from bot.model import Mode, TranscriptDocument
from bot.options import JobOptions, JobSpec, Origin
from bot.review._access import ReviewRefused, Viewer
from bot.review._lifecycle import CardLifecycle
from bot.review._ports import JobSubmitter, NoteEraser, ReviewPort, ReviewStore
from bot.review._publish import CardPublisher
from bot.storage import CardAction, CardOutcome, Job, JobRequest, ReviewCard

log = logging.getLogger(__name__)
GONE = "The original of this note is already gone."
NO_AUDIO = "This note can't be re-run: its original is gone, and with it the audio."
PENDING = "This note is still being processed; its card updates once it is done."


@dataclass(frozen=True)
class Interaction:
    """The moderator's interaction a re-run answers through (its followups go to them)."""

    id: int
    token: str

    @property
    def key(self) -> str:
        """The re-run job's dedupe key: one job per interaction."""
        return f"rerun:{self.id}"


@dataclass(frozen=True)
class WebRequest:
    """A re-run asked for outside Discord (the dashboard): there is no interaction to
    answer privately, so the card is the job's only output. ``nonce`` comes with the form
    that asked, so submitting it twice queues one job."""

    card_id: int
    nonce: str

    @property
    def key(self) -> str:
        """The re-run job's dedupe key: one job per form."""
        return f"rerun-web:{self.card_id}:{self.nonce}"


class CardActions:
    """The card's actions (see the module docstring)."""

    def __init__(
        self,
        store: ReviewStore,
        port: ReviewPort,
        publisher: CardPublisher,
        lifecycle: CardLifecycle,
        submitter: JobSubmitter,
        eraser: NoteEraser,
    ) -> None:
        self._store = store
        self._port = port
        self._publisher = publisher
        self._lifecycle = lifecycle
        self._submitter = submitter
        self._eraser = eraser

    async def card(self, viewer: Viewer, card_id: int) -> ReviewCard:
        """The card, for a moderator who can view its channel (else the unknown-id answer)."""
        viewer.require_moderator()
        return viewer.check_card(await self._store.card(viewer.guild_id, card_id), card_id)

    async def _act(self, viewer: Viewer, card_id: int, action: CardAction) -> ReviewCard:
        card = await self.card(viewer, card_id)
        done = await self._store.record_card_action(card.id, action, viewer.user_id, viewer.name)
        await self._audit(viewer, card, f"card.{action.value}")
        return await self._publisher.show(done or card)

    async def mark_reviewed(self, viewer: Viewer, card_id: int) -> ReviewCard:
        """Mark the card reviewed (the status line says by whom and when)."""
        return await self._act(viewer, card_id, CardAction.REVIEWED)

    async def toggle_flag(self, viewer: Viewer, card_id: int) -> ReviewCard:
        """Flag an unflagged card, unflag a flagged one."""
        card = await self.card(viewer, card_id)
        action = CardAction.UNFLAGGED if card.flagged else CardAction.FLAGGED
        return await self._act(viewer, card.id, action)

    async def transcript(
        self, viewer: Viewer, card_id: int, *, audit_as: str = "card.transcript"
    ) -> tuple[ReviewCard, TranscriptDocument | None]:
        """The card and its full transcript while it is stored (a tombstone: none); the
        Show transcript button and ``/review show`` (``audit_as="review.show"``)."""
        card = await self.card(viewer, card_id)
        key = card.content.result_key
        document = parse_document(await self._store.load_result(key)) if key else None
        await self._audit(viewer, card, audit_as)
        return card, document

    async def check_delete(self, viewer: Viewer, card_id: int) -> ReviewCard:
        """The card, when its original can be deleted by this moderator and by the bot;
        a refusal saying exactly what is missing otherwise."""
        card = await self.card(viewer, card_id)
        channel = f"<#{card.place.channel_id}>"
        if card.tombstone:
            raise ReviewRefused(GONE)
        if not viewer.may_delete_in(card.place):
            raise ReviewRefused(f"You need the Manage Messages permission in {channel} for this.")
        others = card.place.message_id is not None  # an uploaded file: only the bot's replies
        if others and not await self._port.bot_may_delete(card.place):
            raise ReviewRefused(
                f"I need the Manage Messages permission in {channel} to delete the original; "
                "a server admin can grant it (or delete it yourself)."
            )
        return card

    async def delete_original(self, viewer: Viewer, card_id: int) -> ReviewCard:
        """Delete the original (both permission checks again), run the normal erasure, and
        keep the card as a tombstone saying who deleted it and when."""
        card = await self.check_delete(viewer, card_id)
        marked = await self._store.mark_original_deleted(card.id, viewer.user_id, viewer.name)
        await self._audit(viewer, card, "card.delete_original")
        await self._port.delete_original(marked or card)
        if card.place.message_id is not None:
            await self._eraser.erase_message(card.place.message_id)
        elif card.content.job_id and (job := await self._store.get_job(card.content.job_id)):
            await self._eraser.erase_job(job)  # a file given to a command: its replies
        await self._lifecycle.gone(marked or card)
        return await self._store.card(card.guild_id, card.id) or card

    async def rerun(self, viewer: Viewer, card_id: int, asked: Interaction | WebRequest) -> Job:
        """Process the note again, bypassing the result cache; the card shows the new
        result, and a moderator who asked in Discord gets it privately. Counted against the
        server's quota."""
        card = await self.card(viewer, card_id)
        if card.tombstone:
            raise ReviewRefused(NO_AUDIO)
        if card.content.outcome is CardOutcome.PENDING:
            raise ReviewRefused(PENDING)
        job, created = await self._submitter.submit(await self._rerun_request(viewer, card, asked))
        if created:  # the same form or interaction again is the same re-run
            await self._audit(viewer, card, "card.rerun", job_id=job.id)
            log.info("card %d: re-run as job %d", card.id, job.id)
        return job

    async def _rerun_request(
        self, viewer: Viewer, card: ReviewCard, asked: Interaction | WebRequest
    ) -> JobRequest:
        before = await self._store.get_job(card.content.job_id) if card.content.job_id else None
        settings = await self._store.guild_settings(card.guild_id)
        translate_to = before.spec.options.translate_to if before else settings.translate_to
        options = JobOptions(mode=Mode.TRANSCRIPT, translate_to=translate_to)
        place = card.place
        return JobRequest(
            dedupe_key=asked.key,
            origin=Origin.RERUN,
            spec=JobSpec(options=options, fresh=True, server_pays=True),
            channel_id=place.channel_id,
            guild_id=place.guild_id,
            message_id=place.message_id,
            attachment_id=place.attachment_id,
            attachment_url=before.attachment_url if before else None,
            filename=before.filename if before else None,
            author_id=card.author_id,
            requester_id=viewer.user_id,
            interaction_id=asked.id if isinstance(asked, Interaction) else None,
            interaction_token=asked.token if isinstance(asked, Interaction) else None,
            private=True,
        )

    async def _audit(self, viewer: Viewer, card: ReviewCard, action: str, **detail: int) -> None:
        await self._store.audit(
            viewer.guild_id,
            viewer.user_id,
            action,
            dict(detail),
            card_id=card.id,
            channel_id=card.place.channel_id,
        )
