"""A faithful fake Discord (gateway, REST API v10, CDN) for end-to-end tests with discord.py.

Typical use (the ``fake_discord`` fixture lives in :mod:`tests.helpers.fakes`)::

    from testkit.discord import FakeAttachment, FakeDiscord, running_bot

    async def test_voice_note(fake_discord: FakeDiscord) -> None:
        guild = fake_discord.add_guild()
        channel = fake_discord.add_text_channel(guild, "general")
        alice = fake_discord.make_user("alice")
        async with running_bot(fake_discord, make_bot()) as bot:
            msg = await fake_discord.post_voice_message(channel, alice, ogg_bytes)
            await fake_discord.wait_for(lambda: fake_discord.threads_in(channel))
"""

from .cdn import CdnFetch
from .fake import FakeDiscord
from .interactions import AckInfo, CallbackAttempt, CallbackType, FakeInteraction
from .models import (
    ChannelType,
    FakeAttachment,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    MessageFlag,
    RecordedRequest,
    StoredAttachment,
    StoredMessage,
)
from .ratelimits import BucketLimit, RateLimits
from .running import point_discord_py_at, running_bot

__all__ = [
    "AckInfo",
    "BucketLimit",
    "CallbackAttempt",
    "CallbackType",
    "CdnFetch",
    "ChannelType",
    "FakeAttachment",
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeInteraction",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "MessageFlag",
    "RateLimits",
    "RecordedRequest",
    "StoredAttachment",
    "StoredMessage",
    "point_discord_py_at",
    "running_bot",
]
