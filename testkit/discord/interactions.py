"""Interactions as the fake tracks them: who invoked what, the ack, responses, followups."""

# Test helpers take an explicit timeout like asyncio.wait_for; that is the API.

from __future__ import annotations

from dataclasses import dataclass, field

from .ids import FakeClock
from .models import JSON, FakeUser, MessageFlag, StoredMessage
from .waiting import poll_until

ACK_DEADLINE_SECONDS = 3.0
TOKEN_LIFETIME_SECONDS = 15 * 60


class InteractionType:
    """Interaction types."""

    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType:
    """Interaction callback (response) types."""

    PONG = 1
    CHANNEL_MESSAGE = 4
    DEFERRED_CHANNEL_MESSAGE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    AUTOCOMPLETE_RESULT = 8
    MODAL = 9


@dataclass
class AckInfo:
    """The accepted first response to an interaction."""

    type: int
    elapsed: float
    ephemeral: bool
    data: JSON
    message: StoredMessage | None

    @property
    def deferred(self) -> bool:
        """Whether the response was a defer (type 5 or 6)."""
        return self.type in (
            CallbackType.DEFERRED_CHANNEL_MESSAGE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
        )


@dataclass
class CallbackAttempt:
    """Every callback request, accepted or rejected (``code`` is the Discord error code)."""

    type: int
    elapsed: float
    status: int
    code: int | None


@dataclass(eq=False)
class FakeInteraction:
    """An interaction the fake dispatched, and everything the bot did with it."""

    id: int
    token: str
    type: int
    name: str
    user: FakeUser
    channel_id: int
    guild_id: int | None
    payload: JSON
    clock: FakeClock
    dispatched_at: float = 0.0
    ack: AckInfo | None = None
    attempts: list[CallbackAttempt] = field(default_factory=list)
    original: StoredMessage | None = None
    followups: list[StoredMessage] = field(default_factory=list)
    component_message_id: int | None = None

    @property
    def age(self) -> float:
        """Seconds since dispatch on the fake clock."""
        return self.clock.monotonic() - self.dispatched_at

    @property
    def token_expired(self) -> bool:
        """Whether the 15-minute token lifetime is over."""
        return self.age > TOKEN_LIFETIME_SECONDS

    @property
    def rejected(self) -> list[CallbackAttempt]:
        """Callback attempts that Discord refused."""
        return [a for a in self.attempts if a.status >= 400]

    async def wait_ack(self, timeout: float = 5.0) -> AckInfo:
        """Wait for the first accepted callback."""
        await poll_until(
            lambda: self.ack is not None,
            timeout=timeout,
            what=f"an ack of interaction {self.name!r}",
        )
        assert self.ack is not None
        return self.ack

    async def wait_followups(self, n: int = 1, timeout: float = 5.0) -> list[StoredMessage]:
        """Wait until at least ``n`` followup messages were sent."""
        await poll_until(
            lambda: len(self.followups) >= n,
            timeout=timeout,
            what=f"{n} followup(s) of interaction {self.name!r}",
        )
        return list(self.followups)

    async def wait_response(self, timeout: float = 5.0) -> StoredMessage:
        """Wait for the final original response (a reply, or a deferred one edited in)."""

        def done() -> bool:
            msg = self.original
            return msg is not None and not msg.flags & MessageFlag.LOADING

        await poll_until(done, timeout=timeout, what=f"the response to {self.name!r}")
        assert self.original is not None
        return self.original

    async def wait_rejections(self, n: int = 1, timeout: float = 5.0) -> list[CallbackAttempt]:
        """Wait until ``n`` callbacks were refused (10062, 40060...)."""
        await poll_until(
            lambda: len(self.rejected) >= n,
            timeout=timeout,
            what=f"{n} refused callback(s) of {self.name!r}",
        )
        return self.rejected
