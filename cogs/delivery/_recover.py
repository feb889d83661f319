"""Reply parts that reached Discord before a crash but were never recorded.

A part is recorded only after Discord answered its POST, so a process killed in between
leaves a posted but unrecorded part. Its deterministic nonce makes Discord return the
existing message instead of a second one, but only for a few minutes; a job resumed later
(a long outage, a lease that lapsed, a queue behind it) would post the part again. So a
resumed job first reads the reply channel's recent history for messages of ours carrying
the missing parts' text: Discord keeps the text, not the nonce.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

import discord

from bot.storage import Delivery, Job
from cogs.delivery._targets import MessageTarget

log = logging.getLogger(__name__)
HISTORY_LIMIT = 100  # one request; a reply's parts follow its note or its last recorded part
_CLOCK_MARGIN = timedelta(minutes=1)


def history_anchor(job: Job, recorded: list[Delivery]) -> int:
    """A message id older than any unrecorded part (snowflakes are timestamps): the last
    recorded part, else the note the job answers, else a little before the job was made."""
    if recorded:
        return max(d.message_id for d in recorded)
    if job.message_id is not None:
        return job.message_id
    return discord.utils.time_snowflake(job.created_at - _CLOCK_MARGIN)


def _is_part(message: discord.Message, text: str, part: int, replies_to: int | None) -> bool:
    """Whether ``message`` is part ``part`` (text ``text``); a first part that replies to
    ``replies_to`` must reply to it."""
    reference = message.reference
    replied = reference.message_id if reference is not None else None
    if part == 0 and replies_to is not None and replied != replies_to:
        return False
    return message.content.strip() == text.strip()


def match_parts(
    missing: Mapping[int, str],
    history: list[discord.Message],
    me_id: int,
    first_replies_to: int | None = None,
) -> dict[int, discord.Message]:
    """Pair missing parts (part → text) with our messages of the same text, oldest first;
    each message stands for at most one part. When the first part is a reply, only a reply
    to the same message counts: another note's identical transcript is not this one's."""
    found: dict[int, discord.Message] = {}
    for message in history:
        if message.author.id != me_id:
            continue
        open_parts = sorted(set(missing) - set(found))
        part = next(
            (p for p in open_parts if _is_part(message, missing[p], p, first_replies_to)), None
        )
        if part is not None:
            found[part] = message
    return found


async def find_posted_parts(
    client: discord.Client,
    target: MessageTarget,
    job: Job,
    missing: Mapping[int, str],
    recorded: list[Delivery],
    first_replies_to: int | None = None,
) -> dict[int, discord.Message]:
    """Missing parts that are already in ``target`` (part → message); the first part is
    a reply to message ``first_replies_to`` if given. Only a job claimed before
    (``attempts > 1``) can have any; on a first attempt this costs nothing."""
    me = client.user
    if job.attempts <= 1 or not missing or me is None:
        return {}
    after = discord.Object(id=history_anchor(job, recorded))
    try:
        history = [m async for m in target.history(limit=HISTORY_LIMIT, after=after)]
    except discord.HTTPException as error:  # e.g. no Read Message History: nothing to find
        log.info("job %d: could not read the reply history (%s)", job.id, error.code)
        return {}
    # discord.RateLimited is left to the caller: reading later (the job is retried) is
    # better than posting a part that may already be there.
    found = match_parts(missing, history, me.id, first_replies_to)
    if found:
        log.info("job %d: %d reply parts were already posted", job.id, len(found))
    return found
