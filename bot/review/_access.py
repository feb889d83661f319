"""Who may do what in review, and the errors that say no.

A moderator is a member with Manage Messages in the server or with the server's moderator
role. Wherever an action touches a channel the moderator must also be able to view it (and
to delete a message, have Manage Messages there): the bot never does for someone what their
own permissions would not let them do. The Discord layer (or the dashboard) builds a
:class:`Viewer` from the member's permissions as Discord computes them; everything here is
plain data.

Isolation: a card of another server, or of a channel the requester cannot view, answers
exactly like an id that does not exist (:class:`UnknownCard`), so nothing leaks, not even
that it exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.errors import VoiceNoteError
from bot.storage import GuildSettings, NotePlace, ReviewCard


class ReviewRefused(VoiceNoteError):
    """A review request refused, with words for the person who asked."""


class UnknownCard(ReviewRefused):
    """No card with that id here, or not one this person may see (the same words)."""

    def __init__(self, card_id: int | str) -> None:
        super().__init__(f"I can't find a review card with id {str(card_id)[:20]} here.")


class NotAModerator(ReviewRefused):
    """Only moderators may use review."""

    def __init__(self) -> None:
        super().__init__(
            "Only moderators can do this: members with Manage Messages or the moderator role."
        )


class ReviewOff(ReviewRefused):
    """The server has no review channel."""

    def __init__(self) -> None:
        super().__init__("This server has no moderator review.")


def is_moderator(
    *, manage_messages: bool, role_ids: Iterable[int], settings: GuildSettings
) -> bool:
    """Manage Messages in the server, or the configured moderator role."""
    role = settings.review_role_id
    return manage_messages or (role is not None and role in set(role_ids))


@dataclass(frozen=True)
class Viewer:
    """A member asking something of review: who they are and what their permissions let
    them see and do, per channel (channel ids, threads excluded: a thread follows its
    parent). ``private_threads`` are the channels where they may see every private thread
    (Manage Threads); ``manages`` those where they have Manage Messages."""

    guild_id: int
    user_id: int
    name: str
    moderator: bool
    visible: frozenset[int]
    private_threads: frozenset[int] = frozenset()
    manages: frozenset[int] = frozenset()

    def sees(self, place: NotePlace) -> bool:
        """Whether this member can view the note's channel."""
        if place.guild_id != self.guild_id or place.access_channel_id not in self.visible:
            return False
        return not place.private_thread or place.access_channel_id in self.private_threads

    def require_moderator(self) -> None:
        """Raise :class:`NotAModerator` for anyone else."""
        if not self.moderator:
            raise NotAModerator()

    def check_card(self, card: ReviewCard | None, card_id: int | str) -> ReviewCard:
        """The card, when it is this server's and its channel is one this member can
        view; :class:`UnknownCard` otherwise (the same answer as for no card at all)."""
        if card is None or not self.sees(card.place):
            raise UnknownCard(card_id)
        return card

    def may_delete_in(self, place: NotePlace) -> bool:
        """Whether this member could delete someone's message in the note's channel."""
        return self.sees(place) and place.access_channel_id in self.manages
