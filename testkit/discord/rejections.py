"""Refused requests: Discord's invalid-request count (and its ban), and the 4xx a test meant.

Discord (developers/topics/rate-limits, "Invalid Request Limit aka Cloudflare bans"): "IP
addresses that make too many invalid HTTP requests are automatically and temporarily
restricted from accessing the Discord API. Currently, this limit is 10,000 per 10 minutes.
An invalid request is one that results in 401, 403, or 429 statuses", except that "429
errors returned with X-RateLimit-Scope: shared are not counted against you". A banned IP
gets Cloudflare's own 429 (an HTML page, no ``Via`` header) for every request.

Every 4xx answer is also kept so that the ``fake_discord`` fixture can fail a test whose bot
made a request Discord refused without the test having provoked it
(:meth:`RejectionLog.unexpected`, :meth:`RejectionLog.expect`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from aiohttp import web

from .ids import FakeClock
from .models import RecordedRequest
from .ratelimits import INVALID_REQUEST_WINDOW_S, RateLimits

INVALID_STATUSES = (401, 403, 429)
_BAN_PAGE = (
    "<!DOCTYPE html><html><head><title>Access denied | discord.com used Cloudflare to "
    "restrict access</title></head><body>error code: 1015</body></html>"
)


@dataclass(frozen=True)
class Expectation:
    """A 4xx a test provokes on purpose: any response of this status and/or code."""

    status: int | None
    code: int | None

    def matches(self, record: RecordedRequest) -> bool:
        """Whether ``record``'s answer is the one declared."""
        return self.status in (None, record.status) and self.code in (None, record.code)


def is_invalid(record: RecordedRequest) -> bool:
    """Whether Discord counts this answer against the invalid-request limit."""
    if record.status == 429:
        return record.scope != "shared"
    return record.status in INVALID_STATUSES


def describe(record: RecordedRequest) -> str:
    """``PATCH /channels/{channel_id}/messages/{message_id} → 403 50013``."""
    route = record.route or record.path
    code = "" if record.code is None else f" {record.code}"
    return f"{record.method} {route} → {record.status}{code}"


class RejectionLog:
    """Invalid requests counted as Discord counts them, and the 4xx tests declared."""

    def __init__(self, limits: RateLimits, clock: FakeClock) -> None:
        self.limits = limits
        self.clock = clock
        self.invalid_count = 0
        self._invalid_at: deque[float] = deque()
        self.expected: list[Expectation] = []

    def expect(self, *, status: int | None = None, code: int | None = None) -> None:
        """Declare a 4xx the test provokes on purpose."""
        if status is None and code is None:
            raise ValueError("expect_rejection needs a status, a code or both")
        if status is not None and not 400 <= status < 500:
            raise ValueError(f"{status} is not a 4xx status")
        self.expected.append(Expectation(status, code))

    def record(self, record: RecordedRequest) -> None:
        """Count ``record``'s answer if Discord would count it as invalid."""
        if is_invalid(record):
            self.invalid_count += 1
            self._invalid_at.append(self.clock.monotonic())

    def banned(self) -> bool:
        """Whether the recent invalid requests reached Cloudflare's ban threshold."""
        horizon = self.clock.monotonic() - INVALID_REQUEST_WINDOW_S
        while self._invalid_at and self._invalid_at[0] <= horizon:
            self._invalid_at.popleft()
        return len(self._invalid_at) >= self.limits.invalid_request_limit

    def unexpected(self, requests: list[RecordedRequest]) -> list[RecordedRequest]:
        """4xx answers neither injected by the test (``fail_next``, ``exhaust_bucket``) nor
        declared with :meth:`expect`. Unknown routes are reported on their own."""
        return [
            r
            for r in requests
            if 400 <= r.status < 500
            and not r.injected
            and r.route is not None
            and not any(e.matches(r) for e in self.expected)
        ]


def cloudflare_ban() -> web.Response:
    """What a banned IP gets for any request."""
    return web.Response(status=429, text=_BAN_PAGE, content_type="text/html")
