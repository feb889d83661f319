"""Shared rules for messages the bot sends: permissions, replies, archived threads."""

from __future__ import annotations

from . import errors
from . import permissions as perms
from .core import Core
from .errors import field_error
from .messages import REPLY, MessageDraft
from .models import JSON, ChannelType, FakeChannel, StoredMessage, UploadedFile
from .payloads import thread_payload
from .validation import draft_from_payload

_NON_TEXT = frozenset(
    {ChannelType.GUILD_CATEGORY, ChannelType.GUILD_FORUM, ChannelType.GUILD_MEDIA}
)


def check_can_send(core: Core, channel: FakeChannel, *, has_files: bool) -> None:
    """403/400 errors for a bot message in ``channel`` (DMs, forums, threads, files)."""
    if channel.is_dm:
        if not all(u.dms_open for u in channel.recipients):
            raise errors.cannot_dm_user()
        return
    core.world.require(channel)
    if channel.type in _NON_TEXT:
        raise errors.cannot_send_in_non_text()
    needed = ["SEND_MESSAGES_IN_THREADS" if channel.is_thread else "SEND_MESSAGES"]
    if has_files:
        needed.append("ATTACH_FILES")
    core.world.require(channel, *needed)
    manage = perms.has(core.world.bot_permissions(channel), "MANAGE_THREADS")
    if channel.is_thread and channel.locked and not manage:
        raise errors.thread_locked()


def resolve_reference(core: Core, channel: FakeChannel, ref: JSON | None) -> JSON | None:
    """Validate a ``message_reference`` (reply) and normalize it like Discord stores it."""
    if not ref or ref.get("message_id") is None:
        return None
    target_channel = int(ref.get("channel_id") or channel.id)
    target = core.store.messages.get(int(ref["message_id"]))
    if target is None or target.deleted or target.channel_id != target_channel:
        if ref.get("fail_if_not_exists", True) is False:
            return None
        raise errors.invalid_form_body(
            field_error(
                ("message_reference",), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
            )
        )
    normalized: JSON = {
        "type": int(ref.get("type", 0)),
        "message_id": str(target.id),
        "channel_id": str(target.channel_id),
    }
    if target.guild_id is not None:
        normalized["guild_id"] = str(target.guild_id)
    return normalized


async def unarchive_for_send(core: Core, channel: FakeChannel) -> None:
    """Sending into an archived (unlocked) thread unarchives it, like Discord."""
    if channel.is_thread and channel.archived:
        channel.archived = False
        channel.archive_timestamp = core.clock.iso()
        await core.dispatch("THREAD_UPDATE", thread_payload(channel), guild_id=channel.guild_id)


async def post_bot_message(
    core: Core,
    channel: FakeChannel,
    payload: JSON,
    files: list[UploadedFile],
    *,
    message_id: int | None = None,
) -> StoredMessage:
    """Create (and dispatch) a validated message from the bot."""
    draft: MessageDraft = draft_from_payload(payload, files)
    draft.message_reference = resolve_reference(core, channel, payload.get("message_reference"))
    draft.message_id = message_id
    if draft.message_reference is not None and draft.message_reference["type"] == 0:
        draft.type = REPLY
    await unarchive_for_send(core, channel)
    msg = core.store.create(channel, core.bot_user, draft)
    await core.dispatch_message(msg)
    return msg
