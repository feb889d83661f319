"""Moderators' review, the Discord-free half: cards, who may see and act on them, reports,
lists, search and export, and the tombstone rule. The Discord layer (``cogs.review``)
implements :class:`ReviewPort` and turns events, commands and button clicks into calls here;
any other front end (a web dashboard) calls the same services with a :class:`Viewer`.

* ``_access``: the moderator rule, :class:`Viewer` (per-channel rights) and refusals;
  ``_visibility``: whether a card may show its content in the review channel.
* ``_content``: which notes get cards, and a card's content from a result.
* ``_view``: what a card shows, within Discord's embed limits.
* ``_publish``: posting each card exactly once (nonces and first-record-wins), editing it.
* ``_intake``: results, refusals, reports' and re-runs' outcomes becoming cards;
  ``_jobport``: the :class:`bot.jobs.JobPort` wrapper that feeds it from every job.
* ``_reports``, ``_actions``, ``_queries``, ``_lifecycle``: members' reports, the card's
  actions, ``/review list|show|export``, and what happens when an original disappears.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.review._access import (
    NotAModerator,
    ReviewOff,
    ReviewRefused,
    UnknownCard,
    Viewer,
    is_moderator,
)
from bot.review._actions import CardActions, Interaction, WebRequest
from bot.review._content import emotion_shares, publicly_answered
from bot.review._export import ExportFormat, export_files
from bot.review._filters import WHEN_HELP, check_period, parse_when, search_words
from bot.review._intake import NoteIntake
from bot.review._jobport import ReviewedPort
from bot.review._lifecycle import CardLifecycle
from bot.review._ports import JobSubmitter, NoteEraser, NoteFacts, ReviewPort, ReviewStore
from bot.review._publish import CardPublisher, card_nonce
from bot.review._queries import PAGE_SIZE, ListFilters, ListPage, ReviewQueries
from bot.review._reports import Reports
from bot.review._view import (
    ButtonAction,
    CardButton,
    CardField,
    CardView,
    card_jump_url,
    card_view,
    clip,
    jump_url,
    stamp,
    status_line,
)
from bot.review._visibility import ChannelRules, GuildRules, Overwrite, every_viewer_sees
from bot.storage import Clock


@dataclass(frozen=True)
class Cards:
    """The services that keep cards (no job queue needed): built first, since the job
    runner's port feeds the intake (:class:`ReviewedPort`)."""

    publisher: CardPublisher
    intake: NoteIntake
    lifecycle: CardLifecycle


@dataclass(frozen=True)
class Review:
    """Every review service, built once by :func:`build_review` and passed around."""

    publisher: CardPublisher
    intake: NoteIntake
    lifecycle: CardLifecycle
    reports: Reports
    actions: CardActions
    queries: ReviewQueries


def build_cards(store: ReviewStore, port: ReviewPort, *, clock: Clock) -> Cards:
    """The card services over one store and one platform."""
    publisher = CardPublisher(store, port, clock)
    return Cards(
        publisher=publisher,
        intake=NoteIntake(store, port, publisher),
        lifecycle=CardLifecycle(store, publisher),
    )


def build_review(
    cards: Cards,
    store: ReviewStore,
    port: ReviewPort,
    submitter: JobSubmitter,
    eraser: NoteEraser,
    *,
    clock: Clock,
    reports_per_hour: int,
) -> Review:
    """Every review service: ``cards``, and those that queue jobs on ``submitter`` or
    erase originals with ``eraser``."""
    publisher = cards.publisher
    return Review(
        publisher=publisher,
        intake=cards.intake,
        lifecycle=cards.lifecycle,
        reports=Reports(store, port, publisher, submitter, clock=clock, per_hour=reports_per_hour),
        actions=CardActions(store, port, publisher, cards.lifecycle, submitter, eraser),
        queries=ReviewQueries(store, clock),
    )


__all__ = [
    "PAGE_SIZE",
    "WHEN_HELP",
    "ButtonAction",
    "CardActions",
    "CardButton",
    "CardField",
    "CardLifecycle",
    "CardPublisher",
    "CardView",
    "Cards",
    "ChannelRules",
    "ExportFormat",
    "GuildRules",
    "Interaction",
    "JobSubmitter",
    "ListFilters",
    "ListPage",
    "NotAModerator",
    "NoteEraser",
    "NoteFacts",
    "NoteIntake",
    "Overwrite",
    "Reports",
    "Review",
    "ReviewOff",
    "ReviewPort",
    "ReviewQueries",
    "ReviewRefused",
    "ReviewStore",
    "ReviewedPort",
    "UnknownCard",
    "Viewer",
    "WebRequest",
    "build_cards",
    "build_review",
    "card_jump_url",
    "card_nonce",
    "card_view",
    "check_period",
    "clip",
    "emotion_shares",
    "every_viewer_sees",
    "export_files",
    "is_moderator",
    "jump_url",
    "parse_when",
    "publicly_answered",
    "search_words",
    "stamp",
    "status_line",
]
