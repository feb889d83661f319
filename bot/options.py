"""What a person asked for, independent of where they asked (CLI, auto reply, command).

:class:`JobOptions` is what the pipeline needs (and part of the result cache key);
:class:`JobSpec` is the whole typed request a job row carries: the options, what the reply
shows, and what the requester is entitled to. Storage serialises a spec in one place
(:mod:`bot.storage._jobs`); nothing else reads or writes its JSON. :class:`Hearing` is how
the audio is listened to (the engine, a server's vocabulary and context, the service tier),
decided by the job policy when the job runs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum

from bot.errors import InvalidOptions
from bot.model import Mode

MAX_QUESTION_CHARS = 500
MAX_LANGUAGE_CHARS = 40
"""The longest language name accepted anywhere (options, commands, server settings)."""


class Origin(StrEnum):
    """Where a request came from."""

    AUTO = "auto"  # a voice note the bot noticed on its own
    SLASH = "slash"  # /transcribe, /summarize, /ask
    CONTEXT = "context"  # a message's context menu
    CLI = "cli"  # python -m bot transcribe FILE
    REACTION = "reaction"  # a member reacted to a voice note with the transcribe emoji
    REPORT = "report"  # a member's report of a note that had no result yet (review)
    RERUN = "rerun"  # a moderator's Re-run of a note (review)

    @property
    def on_the_note(self) -> bool:
        """Answered on the note itself, like an automatic reply (a thread, reactions),
        rather than to an interaction."""
        return self in (Origin.AUTO, Origin.REACTION)


class OutputMode(StrEnum):
    """What a reply shows: the transcript, the summary, or both."""

    TRANSCRIPT = "transcript"
    SUMMARY = "summary"
    BOTH = "both"


def check_language(value: str | None, label: str) -> str | None:
    """``value`` stripped, or InvalidOptions when it can't be a language name."""
    if value is None:
        return None
    if not value.strip() or len(value.strip()) > MAX_LANGUAGE_CHARS:
        raise InvalidOptions(f"{label} should be a language name such as English.")
    return value.strip()


@dataclass(frozen=True)
class JobOptions:
    """Mode and options of one request. Part of the result cache key."""

    mode: Mode = Mode.TRANSCRIPT
    translate_to: str = "English"
    language: str | None = None
    question: str | None = None
    start_s: float | None = None
    end_s: float | None = None

    def __post_init__(self) -> None:
        if self.mode is Mode.ASK and not (self.question or "").strip():
            raise InvalidOptions("Ask needs a question about the audio.")
        if self.question is not None and len(self.question) > MAX_QUESTION_CHARS:
            raise InvalidOptions(f"Questions are limited to {MAX_QUESTION_CHARS} characters.")
        check_language(self.translate_to, "translate_to")
        check_language(self.language, "language")
        if self.start_s is not None and self.start_s < 0:
            raise InvalidOptions("The start time can't be negative.")
        if self.start_s is not None and self.end_s is not None and self.end_s <= self.start_s:
            raise InvalidOptions("The end time must come after the start time.")

    @property
    def has_range(self) -> bool:
        """True when only part of the audio is wanted."""
        return self.start_s is not None or self.end_s is not None

    def fingerprint(self) -> str:
        """A stable hash of everything that changes the result."""
        payload = asdict(self)
        payload["mode"] = self.mode.value
        payload["translate_to"] = self.translate_to.strip().lower()
        payload["language"] = (self.language or "").strip().lower() or None
        encoded = json.dumps(payload, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:16]


@dataclass(frozen=True)
class JobSpec:
    """Everything a job was asked to do, typed: recorded with the job before any work.

    ``output`` is what the reply shows (a server's output mode, for automatic replies);
    ``quota_exempt`` is decided where the requester's roles are known (the Discord layer)
    and lifts the per-user daily quota only. ``forwarded_by`` names the member who forwarded
    a note whose original the bot could not read (the reply says so). ``fresh`` bypasses
    the result cache; ``server_pays`` (reports, re-runs) counts the audio against the
    server's quota only, recorded as nobody's own usage. Server limits are not
    copied in here: the job policy reads them when it applies them, so every entry point
    gets the same rules.
    """

    options: JobOptions = field(default_factory=JobOptions)
    output: OutputMode = OutputMode.BOTH
    quota_exempt: bool = False
    forwarded_by: int | None = None  # who forwarded a note whose original was out of reach
    video_url: str | None = None  # a canonical YouTube URL (bot.links): Gemini fetches it
    fresh: bool = False  # ask Gemini again even if a result is stored (a moderator's Re-run)
    server_pays: bool = False  # moderation work: counted against the server, not the member

    @property
    def mode(self) -> Mode:
        """What is asked for (transcript, summary or an answer)."""
        return self.options.mode

    @property
    def shows_summary(self) -> bool:
        """Whether the reply starts with the summary (off for transcript-only output)."""
        return self.output is not OutputMode.TRANSCRIPT


class Engine(StrEnum):
    """How transcripts are made: one structured request on the general model, or Gemini's
    speech model (words, speakers, timestamps) then a text-only request for the rest."""

    GEMINI = "gemini"
    SPEECH = "gemini-transcribe"


class ServiceTier(StrEnum):
    """Gemini's service tiers the bot uses: standard, or flex (about half the price, minutes
    of latency, may be dropped under load) for queued automatic work."""

    STANDARD = "standard"
    FLEX = "flex"


MAX_VOCABULARY_TERMS = 100
MAX_TERM_CHARS = 60
MAX_CONTEXT_CHARS = 400


@dataclass(frozen=True)
class Hearing:
    """How one job's audio is listened to: decided per job by the policy (the server's
    engine, vocabulary and context, word timestamps; the tier from where the job came from).
    Everything but the tier changes the result, so it is part of the cache key."""

    engine: Engine = Engine.GEMINI
    vocabulary: tuple[str, ...] = ()
    context: str = ""
    word_timestamps: bool = False
    tier: ServiceTier = ServiceTier.STANDARD

    def fingerprint(self) -> str:
        """A stable hash of what changes the result (the tier does not)."""
        payload = {
            "engine": self.engine.value,
            "vocabulary": list(self.vocabulary),
            "context": self.context,
            "word_timestamps": self.word_timestamps,
        }
        encoded = json.dumps(payload, sort_keys=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:16]


DEFAULT_HEARING = Hearing()
"""The general engine, no vocabulary, the standard tier: how a file is heard outside any
server (the CLI, DMs)."""
