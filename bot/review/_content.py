"""What a result gives a card, and which notes get cards on their own.

A card is made for a voice note whose result the bot posts publicly in a server with review
on: automatic replies, public ``/transcribe`` and ``/summarize`` results and the context
menus. Private results, ``/ask`` answers and DMs never make one. With ``cards: flagged``
only notes with a flag or a refusal get one (a report always does). Reports and re-runs
update a card of their own.
"""

from __future__ import annotations

from collections import Counter

from bot.model import Mode, TranscriptDocument
from bot.options import Origin
from bot.storage import (
    CardContent,
    CardFlag,
    CardOutcome,
    GuildSettings,
    Job,
    ReviewCards,
)

CARD_ORIGINS = frozenset({Origin.AUTO, Origin.REACTION, Origin.SLASH, Origin.CONTEXT})
REVIEW_ORIGINS = frozenset({Origin.REPORT, Origin.RERUN})
REFUSED_PROBLEM = "Gemini's safety filters refused it"


def publicly_answered(job: Job) -> bool:
    """Whether the job's result is posted publicly in a server (the notes cards are for)."""
    return (
        job.guild_id is not None
        and not job.private
        and job.mode is not Mode.ASK
        and job.origin in CARD_ORIGINS
    )


def emotion_shares(document: TranscriptDocument) -> tuple[tuple[str, float], ...]:
    """Each emotion's share of the segments where one was heard, largest first (a summary
    without segments: its one overall emotion). The speech engine hears none (null in
    document v2): such segments count for nothing."""
    counts = Counter(segment.emotion for segment in document.segments if segment.emotion)
    if not counts:
        return ((document.emotion, 1.0),) if document.emotion else ()
    total = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple((emotion, count / total) for emotion, count in ranked)


def _languages(document: TranscriptDocument) -> tuple[str, ...]:
    spoken = [s.language for s in document.segments if s.language and s.language != "und"]
    if not spoken and document.language not in ("", "und"):
        spoken = [document.language]
    return tuple(dict.fromkeys(spoken))


def content_from_document(job: Job, document: TranscriptDocument) -> CardContent:
    """A card's content from a job's result: summary, flags, emotions, languages."""
    flags = tuple(
        CardFlag(
            category=flag.category,
            severity=flag.severity,
            reason=flag.reason,
            start_s=flag.start,
            timestamp=flag.timestamp,
        )
        for flag in document.flags
    )
    return CardContent(
        outcome=CardOutcome.PROCESSED,
        summary=document.summary,
        flags=flags,
        emotions=emotion_shares(document),
        languages=_languages(document),
        duration_s=document.source.duration_s,
        job_id=job.id,
        result_key=job.result_key,
    )


def refused_content(job: Job) -> CardContent:
    """A note Gemini refused for safety reasons (its codes stay in ``jobs.error``)."""
    return CardContent(outcome=CardOutcome.REFUSED, problem=REFUSED_PROBLEM, job_id=job.id)


def failed_content(job: Job, problem: str) -> CardContent:
    """A reported note that could not be processed, and why."""
    return CardContent(outcome=CardOutcome.FAILED, problem=problem, job_id=job.id)


def pending_content() -> CardContent:
    """A reported note waiting for its result."""
    return CardContent(outcome=CardOutcome.PENDING)


def wanted_on_its_own(content: CardContent, settings: GuildSettings) -> bool:
    """Whether the server's ``cards`` setting wants a card for this result."""
    if settings.review_cards is ReviewCards.ALL:
        return True
    return bool(content.flags) or content.outcome is CardOutcome.REFUSED
