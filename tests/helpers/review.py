"""The moderators' world for review tests, on top of the end-to-end harness.

A private review channel #mods that the moderator role sees, a private #staff channel that
only the staff role sees, and members: an admin (Manage Server), Bob (the moderator role,
no Manage Messages), Carol (Manage Messages in the server, and staff), Dave (a member).
"""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from testkit.discord import FakeChannel, FakeInteraction, FakeRole, FakeUser, StoredMessage
from testkit.gemini import Reply
from tests.helpers.harness import Harness, transcript_reply
from tests.helpers.polling import wait_for_async

LABELS = ("Mark reviewed", "Flag", "Unflag", "Show transcript", "Delete original", "Re-run")


def flagged_reply(
    *lines: str,
    category: str = "threat",
    severity: str = "high",
    reason: str = "Threatens a neighbour.",
    summary: str = "Alice is angry at a neighbour.",
) -> dict[str, Any]:
    """A transcript reply with one flag at 00:00."""
    body = transcript_reply(*(lines or ("I will get you.",)), summary=summary)
    body["segments"][0]["emotion"] = "angry"
    body["flags"] = [
        {"category": category, "severity": severity, "reason": reason, "timestamp": "00:00"}
    ]
    return body


@dataclass
class ReviewWorld:
    """The harness plus moderators, roles and private channels."""

    h: Harness
    mods_role: FakeRole
    staff_role: FakeRole
    mods: FakeChannel
    staff: FakeChannel
    admin: FakeUser
    bob: FakeUser
    carol: FakeUser
    dave: FakeUser

    @classmethod
    async def build(cls, h: Harness, *, mentionable: bool = True) -> ReviewWorld:
        """Add the roles, channels and members to the harness's server."""
        fake, guild = h.discord, h.guild
        mods_role = fake.add_role(guild, "mods", mentionable=mentionable)
        staff_role = fake.add_role(guild, "staff")
        mods = fake.add_text_channel(guild, "mods", private=True, visible_to=[mods_role])
        staff = fake.add_text_channel(guild, "staff", private=True, visible_to=[staff_role])
        users = {name: fake.make_user(name) for name in ("admin", "bob", "carol", "dave")}
        fake.add_member(guild, users["admin"], permissions=["MANAGE_GUILD"])
        fake.add_member(guild, users["bob"], roles=[mods_role])
        fake.add_member(
            guild, users["carol"], roles=[mods_role, staff_role], permissions=["MANAGE_MESSAGES"]
        )
        fake.add_member(guild, users["dave"])
        await fake.flush_events()
        return cls(h, mods_role, staff_role, mods, staff, **users)

    async def admin_review(self, **options: Any) -> StoredMessage:
        """``/voicenotes-admin review`` by the admin, in #general; its private answer."""
        inter = await self.h.discord.invoke_slash_command(
            "voicenotes-admin", user=self.admin, channel=self.h.channel, options={"review": options}
        )
        return await inter.wait_response()

    async def enable(self, **options: Any) -> StoredMessage:
        """Review on in #mods with the moderator role (more options as given)."""
        return await self.admin_review(channel=self.mods, role=self.mods_role, **options)

    def cards(self) -> list[StoredMessage]:
        """The cards in #mods, oldest first."""
        return self.h.discord.messages_in(self.mods)

    async def wait_cards(self, n: int, timeout: float = 20.0) -> list[StoredMessage]:
        """Until #mods holds ``n`` cards."""
        await self.h.discord.wait_for(lambda: len(self.cards()) >= n, timeout, f"{n} cards")
        return self.cards()

    async def note(
        self,
        data: bytes,
        reply: dict[str, Any] | Reply | None = None,
        *,
        channel: FakeChannel | None = None,
        author: FakeUser | None = None,
    ) -> StoredMessage:
        """A voice note answered with ``reply`` (a transcript by default); returns once the
        bot is done with it (its ✅ or ⚠️, or its job finished)."""
        answer = (
            reply if isinstance(reply, Reply) else Reply.json(reply or transcript_reply("Hello."))
        )
        self.h.gemini.enqueue(answer)
        note = await self.h.discord.post_voice_message(
            channel or self.h.channel, author or self.h.alice, data
        )
        await self.wait_done(note)
        return note

    async def wait_done(self, message: StoredMessage, timeout: float = 20.0) -> None:
        """Until the message has a job, no job is left unfinished (cards included: a job
        ends after its card is posted) and its reactions are settled (they change in the
        background)."""
        storage = self.h.bot.core.storage

        async def done() -> bool:
            jobs = await storage.jobs_for_message(message.id)
            settled = not await storage.unfinished_jobs() and not self.h.bot.delivery.status.busy
            return bool(jobs) and settled

        await wait_for_async(done, timeout=timeout, what=f"the jobs of message {message.id}")

    @staticmethod
    def custom_id(card: StoredMessage, label: str) -> str:
        """The custom id of the card's button labelled ``label``."""
        for row in card.components:
            for button in row["components"]:
                if button.get("label") == label:
                    return str(button["custom_id"])
        raise LookupError(f"card {card.id} has no {label!r} button")

    async def click(self, card: StoredMessage, label: str, user: FakeUser) -> FakeInteraction:
        """``user`` clicks the card's ``label`` button; returns once it is acknowledged."""
        inter = await self.h.discord.click_button(card, self.custom_id(card, label), user=user)
        await inter.wait_ack(timeout=10)
        return inter

    def field(self, card: StoredMessage, name: str) -> str:
        """One field of the card's embed."""
        (embed,) = self.h.discord.message(card.id).embeds
        for item in embed.get("fields", []):
            if item["name"] == name:
                return str(item["value"])
        raise LookupError(f"card {card.id} has no field {name!r}")

    def embed(self, card: StoredMessage) -> dict[str, Any]:
        """The card's embed as stored now."""
        (embed,) = self.h.discord.message(card.id).embeds
        return dict(embed)
