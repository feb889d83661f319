"""Discord's REST rate limits: per-route buckets, the global limit, and their headers.

What Discord documents (developers/topics/rate-limits):

* Per-route limits are counted per bucket *and* per top-level resource in the path: channels
  (``channel_id``), guilds (``guild_id``) and webhooks (``webhook_id`` or ``webhook_id +
  webhook_token``). Routes may share a bucket, named by ``X-RateLimit-Bucket``.
* Responses carry ``X-RateLimit-Limit``, ``-Remaining``, ``-Reset`` (epoch seconds),
  ``-Reset-After`` (seconds, with decimals) and ``-Bucket``. A 429 also carries
  ``X-RateLimit-Scope`` (``user``, ``global`` or ``shared``), ``Retry-After`` and the body
  ``{"message", "retry_after", "global", "code"?}``; a global one ``X-RateLimit-Global``.
* "All bots can make up to 50 requests per second to our API", independent of any route;
  "Interaction endpoints are not bound to the bot's Global Rate Limit".

Discord publishes no per-route numbers ("rate limits should not be hard coded"), so the
defaults of :class:`RateLimits` are the values bots commonly observe in those headers (see
``DEFAULT_BUCKETS``); every one is configurable on ``FakeDiscord`` so a test can make them
tight. discord.py reads the headers and waits before a bucket runs dry, so a well-behaved
client never sees a 429 from them.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import deque
from dataclasses import dataclass, field

from .ids import FakeClock
from .models import JSON

# Path parameters that are top-level resources; an interaction callback is keyed like a
# webhook (its id and token), as discord.py's own Route does.
MAJOR_PARAMETERS = ("channel_id", "guild_id", "application_id", "interaction_id", "token")
VIA = "1.1 google"  # discord.py takes a 429 without ``Via`` for a Cloudflare ban


@dataclass(frozen=True)
class BucketLimit:
    """``limit`` requests per ``per_s`` seconds, per top-level resource."""

    limit: int
    per_s: float


# Commonly observed values, by bucket name (the ``bucket=`` of a route in the fake):
# * messages: 5 per 5 s per channel (what the headers of POST /channels/{id}/messages say);
#   edits likewise; deletions of the bot's own messages 5 per second.
# * reactions: one per 0.25 s per channel, shared by adding and removing (the headers
#   claim 1 per second; discord-api-docs#182 and the libraries' fixes settle on 0.25 s).
# * webhook executions (interaction followups): 5 per 2 s per webhook and token.
DEFAULT_BUCKETS: dict[str, BucketLimit] = {
    "message-create": BucketLimit(5, 5.0),
    "message-edit": BucketLimit(5, 5.0),
    "message-delete": BucketLimit(5, 1.0),
    "reaction": BucketLimit(1, 0.25),
    "webhook-execute": BucketLimit(5, 2.0),
}
# Routes without a commonly reported figure: no looser than the global limit itself.
DEFAULT_ROUTE_LIMIT = BucketLimit(50, 1.0)
GLOBAL_PER_SECOND = 50
INVALID_REQUEST_LIMIT = 10_000  # per 10 minutes, then Cloudflare bans the IP
INVALID_REQUEST_WINDOW_S = 600.0


@dataclass
class RateLimits:
    """The limits the fake enforces (mutable: a test may tighten them before acting)."""

    buckets: dict[str, BucketLimit] = field(default_factory=lambda: dict(DEFAULT_BUCKETS))
    default: BucketLimit = DEFAULT_ROUTE_LIMIT
    global_per_second: int = GLOBAL_PER_SECOND
    invalid_request_limit: int = INVALID_REQUEST_LIMIT

    def for_bucket(self, name: str) -> BucketLimit:
        """The limit of bucket ``name``."""
        return self.buckets.get(name, self.default)


@dataclass
class Verdict:
    """The rate limiter's answer: the headers to send, and a 429 body when limited."""

    headers: dict[str, str]
    body: JSON | None = None
    scope: str | None = None
    held: bool = False  # refused by a bucket a test used up on purpose

    @property
    def limited(self) -> bool:
        """Whether the request is refused with 429."""
        return self.body is not None


@dataclass
class _Window:
    reset_at: float
    used: int = 0


@dataclass
class Hold:
    """A bucket a test declared used up until ``until`` (``exhaust_bucket``)."""

    method: str
    pattern: re.Pattern[str]
    until: float
    scope: str

    def matches(self, method: str, path: str) -> bool:
        """Whether a request falls in this bucket."""
        return self.method in ("*", method) and bool(self.pattern.fullmatch(path))


def bucket_hash(name: str) -> str:
    """An opaque, stable ``X-RateLimit-Bucket`` for a bucket name."""
    return hashlib.sha1(name.encode()).hexdigest()[:32]


def rate_limited_body(retry_after: float, *, is_global: bool, message: str | None = None) -> JSON:
    """The 429 body Discord sends."""
    return {
        "message": message or "You are being rate limited.",
        "retry_after": round(retry_after, 3),
        "global": is_global,
    }


def rejection_headers(retry_after: float, scope: str) -> dict[str, str]:
    """The headers every 429 adds to the bucket's own."""
    headers = {
        "Retry-After": str(max(1, math.ceil(retry_after))),
        "Via": VIA,
        "X-RateLimit-Scope": scope,
    }
    if scope == "global":
        headers["X-RateLimit-Global"] = "true"
    return headers


class RateLimiter:
    """Counts requests per bucket and resource, and globally, on the fake's clock."""

    def __init__(self, limits: RateLimits, clock: FakeClock) -> None:
        self.limits = limits
        self.clock = clock
        self.holds: list[Hold] = []
        self._windows: dict[tuple[str, tuple[str, ...]], _Window] = {}
        self._recent: deque[float] = deque()

    def admit(self, method: str, path: str, route: RouteLimitInfo) -> Verdict:
        """Count one request; a 429 verdict if the global limit, a held bucket or the
        route's bucket is used up (a refused request counts for nothing)."""
        now = self.clock.monotonic()
        if route.global_limit:
            if (wait := self._global_wait(now)) > 0:
                body = rate_limited_body(wait, is_global=True)
                return Verdict(rejection_headers(wait, "global"), body, "global")
            self._recent.append(now)
        hold = next((h for h in self.holds if h.matches(method, path) and h.until > now), None)
        if hold is not None:
            return self.refusal(route, hold.until - now, hold.scope, held=True)
        limit = self.limits.for_bucket(route.bucket)
        window = self._window(route, limit, now)
        wait = window.reset_at - now
        if window.used >= limit.limit:
            return self.refusal(route, wait, "user")
        window.used += 1
        return Verdict(self._headers(route.bucket, limit, limit.limit - window.used, wait))

    def refusal(
        self, route: RouteLimitInfo, retry_after: float, scope: str, *, held: bool = False
    ) -> Verdict:
        """A 429 on the route's bucket (``scope`` user or shared): the bucket's headers with
        nothing remaining until ``retry_after``, and Discord's body."""
        headers = self._headers(route.bucket, self.limits.for_bucket(route.bucket), 0, retry_after)
        body = rate_limited_body(retry_after, is_global=False)
        return Verdict(headers | rejection_headers(retry_after, scope), body, scope, held)

    def headers_for(self, route: RouteLimitInfo) -> dict[str, str]:
        """The bucket's headers as they stand, without counting a request."""
        now = self.clock.monotonic()
        limit = self.limits.for_bucket(route.bucket)
        window = self._window(route, limit, now)
        return self._headers(
            route.bucket, limit, max(0, limit.limit - window.used), window.reset_at - now
        )

    def _global_wait(self, now: float) -> float:
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        if len(self._recent) < self.limits.global_per_second:
            return 0.0
        return self._recent[0] + 1.0 - now

    def _window(self, route: RouteLimitInfo, limit: BucketLimit, now: float) -> _Window:
        key = (route.bucket, route.major)
        window = self._windows.get(key)
        if window is None or now >= window.reset_at:
            window = self._windows[key] = _Window(reset_at=now + limit.per_s)
        return window

    def _headers(
        self, bucket: str, limit: BucketLimit, remaining: int, reset_after: float
    ) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(limit.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{self.clock.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash(bucket),
        }


@dataclass(frozen=True)
class RouteLimitInfo:
    """What the limiter needs of a matched route: its bucket, the top-level resources in
    the path, and whether it counts toward the global limit."""

    bucket: str
    major: tuple[str, ...]
    global_limit: bool = True

    @classmethod
    def of(cls, bucket: str, params: dict[str, str], *, global_limit: bool) -> RouteLimitInfo:
        """From a route's bucket name and the request's path parameters."""
        major = tuple(params[name] for name in MAJOR_PARAMETERS if name in params)
        return cls(bucket, major, global_limit)
