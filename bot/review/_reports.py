"""Members' reports: **Report voice note** creates (or reuses) the note's card, marked
reported, even where automatic transcription is off; the reporter is told privately and the
source channel never sees a trace.

A note without a result yet is run through Gemini as a ``report`` job that counts against
the server's quota, not the reporter's, and whose only output is the card. Reports outrank
opt-outs (audited); each member may make ``reports_per_hour`` reports per hour in a server;
a second report of the same note by the same member says so, without naming anyone else.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.jobs import parse_document
from bot.model import Mode
from bot.review._access import ReviewOff, ReviewRefused
from bot.review._content import content_from_document, pending_content, publicly_answered
from bot.review._intake import draft_for
from bot.review._ports import JobSubmitter, NoteFacts, ReviewPort, ReviewStore
from bot.review._publish import CardPublisher
from bot.storage import CardContent, Clock, Job, JobRequest, JobStatus, ReviewCard

log = logging.getLogger(__name__)
REPORTED = (
    "Thanks: the moderators will look at this voice note. Nobody else is told that you reported it."
)
ALREADY = "You already reported this voice note; the moderators have it."
TOO_MANY = (
    "You have made {limit} reports in the last hour, the most allowed here; please try again later."
)


class Reports:
    """The report flow (see the module docstring)."""

    def __init__(
        self,
        store: ReviewStore,
        port: ReviewPort,
        publisher: CardPublisher,
        submitter: JobSubmitter,
        *,
        clock: Clock,
        per_hour: int,
    ) -> None:
        self._store = store
        self._port = port
        self._publisher = publisher
        self._submitter = submitter
        self._clock = clock
        self._per_hour = per_hour

    async def report(self, reporter_id: int, facts: NoteFacts, request: JobRequest) -> str:
        """Record ``reporter_id``'s report of the note; what to tell them. ``request`` is
        the report job to queue if the note has no result yet."""
        guild_id = facts.place.guild_id
        settings = await self._store.guild_settings(guild_id)
        if settings.review_channel_id is None:
            raise ReviewOff()
        card = await self._store.card_for_note(facts.place)
        if card is not None and reporter_id in card.reporters:
            return ALREADY
        since = self._clock() - timedelta(hours=1)
        if await self._store.reports_since(guild_id, reporter_id, since) >= self._per_hour:
            raise ReviewRefused(TOO_MANY.format(limit=self._per_hour))
        queue = False
        if card is None:
            content, queue = await self._known_content(facts)
            withheld = await self._port.withheld(facts.place, settings.review_channel_id)
            card, _ = await self._store.create_card(draft_for(facts, content, withheld=withheld))
        if not await self._store.add_report(card.id, guild_id, reporter_id):
            return ALREADY  # the same member, twice at once
        await self._audit(reporter_id, card, facts)
        await self._show(card)
        if queue:
            job, _ = await self._submitter.submit(request)
            log.info("card %d: report job %d queued", card.id, job.id)
        return REPORTED

    async def _show(self, card: ReviewCard) -> None:
        reported = await self._store.card(card.guild_id, card.id)
        if reported is not None:
            await self._publisher.show(reported)

    async def _audit(self, reporter_id: int, card: ReviewCard, facts: NoteFacts) -> None:
        detail: dict[str, object] = {"author_id": facts.author_id}
        if await self._store.is_opted_out(facts.author_id):
            detail["author_opted_out"] = True  # moderation outranks opt-out
        await self._store.audit(
            card.guild_id,
            reporter_id,
            "card.report",
            detail,
            card_id=card.id,
            channel_id=card.place.channel_id,
        )

    async def _known_content(self, facts: NoteFacts) -> tuple[CardContent, bool]:
        """The content of the note's stored result; else a placeholder and whether a
        report job must be queued (not when a job that will make the card is on its way)."""
        message_id = facts.place.message_id
        jobs = await self._store.jobs_for_message(message_id) if message_id else []
        same = [j for j in jobs if j.attachment_id == facts.place.attachment_id]
        for job in reversed(same):
            content = await self._stored_content(job)
            if content is not None:
                return content, False
        waiting = [j for j in same if not j.status.is_final and publicly_answered(j)]
        return pending_content(), not waiting

    async def _stored_content(self, job: Job) -> CardContent | None:
        if job.status is not JobStatus.DONE or job.mode is Mode.ASK or job.result_key is None:
            return None
        document = parse_document(await self._store.load_result(job.result_key))
        return None if document is None else content_from_document(job, document)
