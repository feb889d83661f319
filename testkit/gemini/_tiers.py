"""Service tiers: ``service_tier`` on an interaction, and the tier that served it.

Gemini's flex-inference page (Interactions API): ``"service_tier": "flex"`` costs about half
of standard "in exchange for variable latency and best-effort availability"; without the
field a request is standard. The answer's ``service_tier`` says which tier served it (the
SDK's ``Interaction.service_tier``). The fake makes flex requests wait
:attr:`FlexTier.latency_s` (documented as 1–15 minutes; tests use fractions of a second)
and drops the next :attr:`FlexTier.drops` flex requests with 503 ``unavailable``, the
transient answer of a service shedding load. The SDK's types list ``flex``, ``standard``,
``priority`` and ``deferred``; ``deferred`` is no tier of this synchronous endpoint, so the
fake refuses it with any unknown value.
"""

from __future__ import annotations

from dataclasses import dataclass

from testkit.gemini._replies import ErrorReply, JsonObject, Reply
from testkit.gemini._wire import invalid_request

TIERS = frozenset({"standard", "flex", "priority"})


def requested_tier(body: JsonObject) -> str | None:
    """The ``service_tier`` a request asked for, if any."""
    tier = body.get("service_tier")
    return str(tier) if tier is not None else None


@dataclass
class FlexTier:
    """How the fake's flex tier behaves (tests change it)."""

    latency_s: float = 0.0
    drops: int = 0  # the next this-many flex requests are dropped
    dropped: int = 0  # how many were

    def check(self, body: JsonObject) -> ErrorReply | None:
        """An unknown tier is a bad request."""
        tier = requested_tier(body)
        if tier is not None and tier not in TIERS:
            return invalid_request(f"Invalid service_tier: {tier}")
        return None

    def drop(self) -> ErrorReply | None:
        """The answer to a flex request shed under load, while drops are scripted."""
        if self.drops <= 0:
            return None
        self.drops -= 1
        self.dropped += 1
        return Reply.dropped()
