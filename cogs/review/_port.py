"""The Discord side of review (:class:`bot.review.ReviewPort`): facts about notes, posting
and editing cards, deleting originals.

Every request is one Discord would accept: permissions are read from discord.py's cache
first (each 403 counts toward Discord's invalid-request ban). A long rate limit becomes
:class:`bot.jobs.PlatformBusy`; any other refusal is logged and answered with None.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Protocol

import discord

from bot.jobs import PlatformBusy
from bot.review import CardView, NoteFacts, ReviewRefused
from bot.storage import Job, NotePlace, ReviewCard
from bot.storage.ports import DeliveryLog
from cogs._common import AnyBot, refusal
from cogs.review._access import content_withheld
from cogs.review._items import card_buttons, card_custom_id
from cogs.review._render import allowed_for, card_embed, ping_text

log = logging.getLogger(__name__)
HISTORY_LIMIT = 100
_CLOCK_MARGIN = timedelta(minutes=1)


class PortStore(DeliveryLog, Protocol):
    """Posted parts (an upload's jump link is the bot's reply)."""


@contextmanager
def _busy_or_logged(what: str) -> Iterator[None]:
    """A long rate limit is raised as PlatformBusy; other refusals are logged here (the
    caller sees its result stay None)."""
    try:
        yield
    except discord.RateLimited as error:
        raise PlatformBusy(error.retry_after) from error
    except discord.HTTPException as error:
        log.info("%s refused (%s)", what, refusal(error))


def place_of(
    channel: object, guild_id: int, message_id: int | None, attachment_id: int
) -> NotePlace:
    """Where a note is: a thread's permissions are its parent's, a private thread's are
    its members' (and those who manage threads)."""
    channel_id = getattr(channel, "id", 0)
    if isinstance(channel, discord.Thread):
        private = channel.type is discord.ChannelType.private_thread
        access = channel.parent_id or channel_id
    else:
        private, access = False, channel_id
    return NotePlace(
        guild_id=guild_id,
        channel_id=channel_id,
        access_channel_id=access,
        private_thread=private,
        message_id=message_id,
        attachment_id=attachment_id,
    )


class DiscordReviewPort:
    """Implements :class:`bot.review.ReviewPort` (see the module docstring)."""

    def __init__(self, bot: AnyBot, store: PortStore) -> None:
        self._bot = bot
        self._store = store

    def _guild(self, guild_id: int) -> discord.Guild | None:
        return self._bot.get_guild(guild_id)

    async def _channel(self, guild_id: int, channel_id: int) -> object:
        guild = self._guild(guild_id)
        found = guild.get_channel_or_thread(channel_id) if guild else None
        if found is None:
            with _busy_or_logged(f"looking up channel {channel_id}"):
                return await self._bot.fetch_channel(channel_id)
        return found

    async def author_name(self, guild_id: int, user_id: int) -> str:
        """The member's name as shown in the server (their nickname when cached)."""
        guild = self._guild(guild_id)
        member = guild.get_member(user_id) if guild else None
        if member is not None:
            return member.display_name
        with _busy_or_logged(f"looking up user {user_id}"):
            return (await self._bot.fetch_user(user_id)).display_name
        return f"member {user_id}"

    async def note_facts(self, job: Job) -> NoteFacts | None:
        """Where the job's note is, who spoke and when, and its jump link."""
        if job.guild_id is None or job.attachment_id is None:
            return None
        where = job.source_channel_id or job.channel_id  # a message link's note is elsewhere
        channel = await self._channel(job.guild_id, where)
        if channel is None:
            return None
        author = job.author_id or job.requester_id
        jump = (where, job.message_id) if job.message_id else await self._reply_of(job)
        return NoteFacts(
            place=place_of(channel, job.guild_id, job.message_id, job.attachment_id),
            author_id=author,
            author_name=await self.author_name(job.guild_id, author),
            note_at=discord.utils.snowflake_time(job.message_id)
            if job.message_id
            else job.created_at,
            jump_channel_id=jump[0] if jump else None,
            jump_message_id=jump[1] if jump else None,
        )

    async def _reply_of(self, job: Job) -> tuple[int, int] | None:
        """An uploaded file's jump link: the bot's reply (its first part)."""
        parts = await self._store.deliveries(job.id)
        return (parts[0].channel_id, parts[0].message_id) if parts else None

    async def withheld(self, place: NotePlace, review_channel_id: int) -> bool:
        """See :func:`cogs.review._access.content_withheld`."""
        return content_withheld(self._guild(place.guild_id), place, review_channel_id)

    def _review_channel(self, channel_id: int, *needs: str) -> discord.TextChannel | None:
        """The review channel, when the bot's cache says it may do ``needs`` there."""
        channel = self._bot.get_channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            return None
        granted = channel.permissions_for(channel.guild.me)
        missing = [need for need in ("view_channel", *needs) if not getattr(granted, need)]
        if missing:
            log.info("review channel %d: missing %s", channel_id, ", ".join(missing))
            return None
        return channel

    async def send_card(self, channel_id: int, view: CardView, *, nonce: str) -> int | None:
        """Post a card (its role ping in the content, only that role allowed)."""
        channel = self._review_channel(channel_id, "send_messages", "embed_links")
        if channel is None:
            return None
        with _busy_or_logged(f"card {view.card_id}"):
            sent = await channel.send(
                content=ping_text(view),
                embed=card_embed(view),
                view=card_buttons(view.card_id, view),
                allowed_mentions=allowed_for(view),
                silent=view.ping_role_id is None,
                nonce=nonce,
            )
            return sent.id
        return None

    async def find_card(self, channel_id: int, card: ReviewCard) -> int | None:
        """A message of ours in the review channel carrying the card's buttons."""
        channel = self._review_channel(channel_id, "read_message_history")
        me = self._bot.user
        if channel is None or me is None:
            return None
        wanted = card_custom_id("reviewed", card.id)
        after = discord.Object(id=discord.utils.time_snowflake(card.created_at - _CLOCK_MARGIN))
        with _busy_or_logged(f"history of channel {channel_id}"):
            async for message in channel.history(limit=HISTORY_LIMIT, after=after):
                if message.author.id == me.id and wanted in _custom_ids(message):
                    return message.id
        return None

    async def edit_card(self, card: ReviewCard, view: CardView) -> None:
        """Show the card's new state in place (its content, and so its ping, untouched)."""
        if card.card_channel_id is None or card.card_message_id is None:
            return
        if self._review_channel(card.card_channel_id) is None:
            return
        message = self._bot.get_partial_messageable(card.card_channel_id).get_partial_message(
            card.card_message_id
        )
        with _busy_or_logged(f"editing card {card.id}"):
            await message.edit(embed=card_embed(view), view=card_buttons(card.id, view))

    async def delete_message(self, channel_id: int, message_id: int) -> None:
        """Delete one of the bot's messages."""
        if self._review_channel(channel_id) is None:
            return
        message = self._bot.get_partial_messageable(channel_id).get_partial_message(message_id)
        with _busy_or_logged(f"deleting message {message_id}"):
            await message.delete()

    async def bot_may_delete(self, place: NotePlace) -> bool:
        """The bot's Manage Messages in the note's channel, from the cache."""
        guild = self._guild(place.guild_id)
        channel = guild.get_channel(place.access_channel_id) if guild else None
        if guild is None or channel is None:
            return False
        return channel.permissions_for(guild.me).manage_messages

    async def delete_original(self, card: ReviewCard) -> None:
        """Delete the note's message (already gone is fine: the erasure still runs)."""
        place = card.place
        if place.message_id is None:
            return  # a file given to a command: only the bot's replies show it
        target = self._bot.get_partial_messageable(place.channel_id, guild_id=place.guild_id)
        try:
            await target.get_partial_message(place.message_id).delete()
        except discord.NotFound:
            pass
        except discord.RateLimited as error:
            raise PlatformBusy(error.retry_after) from error
        except discord.HTTPException as error:
            log.info("card %d: deleting the original refused (%s)", card.id, refusal(error))
            raise ReviewRefused(
                f"Discord refused to delete the original ({refusal(error)})."
            ) from None


def _custom_ids(message: discord.Message) -> set[str]:
    found = set()
    for row in message.components:
        for child in getattr(row, "children", []):
            custom_id = getattr(child, "custom_id", None)
            if custom_id:
                found.add(custom_id)
    return found
