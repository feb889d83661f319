"""Faults a test provokes (failures, rate limits, expired URLs) and the checks that catch
refusals nobody provoked: the part of ``FakeDiscord`` about things going wrong."""

from __future__ import annotations

import re
from collections.abc import Callable

from .core import Core
from .http_app import FailRule
from .models import RecordedRequest, StoredMessage
from .ratelimits import Hold, RateLimits
from .rejections import describe


class FailureScenarios:
    """Failure methods of ``FakeDiscord`` (mixed in; needs ``self._core``)."""

    _core: Core

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int = 429,
        *,
        code: int | None = None,
        retry_after: float = 0.2,
        is_global: bool = False,
        message: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching requests (path relative to ``/api/v10``, full
        match; method ``"*"`` for any) with ``status``: 429 with Discord's rate-limit body and
        headers, or 5xx. These answers are provoked by definition: no ``expect_rejection``
        is needed for them (they still count as invalid requests)."""
        self._core.rest.fail_rules.append(
            FailRule(
                method=method,
                pattern=re.compile(path_regex),
                status=status,
                code=code,
                retry_after=retry_after,
                is_global=is_global,
                message=message,
                remaining=times,
            )
        )

    def exhaust_bucket(
        self, method: str, path_regex: str, *, reset_after: float, scope: str = "user"
    ) -> None:
        """Use up the rate-limit bucket of matching requests until ``reset_after`` seconds
        from now (on the fake clock): each one is answered 429 with that ``retry_after``.
        Past discord.py's ``max_ratelimit_timeout`` this raises ``discord.RateLimited`` in
        the client. ``scope="shared"`` is a per-resource limit, which Discord does not count
        as an invalid request. Like ``fail_next``, these 429s need no ``expect_rejection``."""
        if scope not in ("user", "shared"):
            raise ValueError("a route's bucket has scope 'user' or 'shared'")
        until = self._core.clock.monotonic() + reset_after
        self._core.rest.limiter.holds.append(Hold(method, re.compile(path_regex), until, scope))

    @property
    def rate_limits(self) -> RateLimits:
        """The enforced limits (mutable: ``fake.rate_limits.buckets["reaction"] = ...``)."""
        return self._core.rest.limiter.limits

    @property
    def invalid_request_count(self) -> int:
        """Answers Discord counts as invalid requests (401, 403, and 429 but for the
        ``shared`` scope): 10,000 in 10 minutes get the IP banned."""
        return self._core.rest.rejections.invalid_count

    def expect_rejection(self, *, code: int | None = None, status: int | None = None) -> None:
        """Declare a 4xx this test provokes on purpose (any answer with this status and/or
        Discord error code); may be called several times. Any other 4xx fails
        :meth:`check_rejections` (the ``fake_discord`` fixture calls it at teardown)."""
        self._core.rest.rejections.expect(status=status, code=code)

    @property
    def rejected_requests(self) -> list[RecordedRequest]:
        """Every request answered with a 4xx, declared or not, in order."""
        return [r for r in self._core.rest.requests if 400 <= r.status < 500]

    @property
    def unexpected_rejections(self) -> list[RecordedRequest]:
        """4xx answers neither injected nor declared with :meth:`expect_rejection`."""
        return self._core.rest.rejections.unexpected(self._core.rest.requests)

    def check_rejections(self) -> None:
        """Raise ``AssertionError`` listing the 4xx answers nobody declared."""
        unexpected = self.unexpected_rejections
        if unexpected:
            listed = "\n  ".join(describe(r) for r in unexpected)
            raise AssertionError(
                "Discord refused requests the test did not provoke (declare provoked ones "
                f"with fake_discord.expect_rejection(status=..., code=...)):\n  {listed}"
            )

    def check_unknown_routes(self) -> None:
        """Raise ``AssertionError`` listing requests to routes the fake does not implement."""
        unknown = self._core.rest.unknown_routes
        if unknown:
            listed = ", ".join(f"{r.method} {r.path}" for r in unknown)
            raise AssertionError(f"the bot called routes the fake does not know: {listed}")

    def fail_cdn(self, attachment_id: int, status: int = 500, *, times: int = 1) -> None:
        """Make the next ``times`` downloads of an attachment fail with ``status``."""
        self._core.cdn.fail(attachment_id, status, times=times)

    def expire_attachment_urls(self, attachment_id: int | None = None) -> None:
        """Invalidate all CDN URLs handed out so far (404); re-fetching gives fresh ones."""
        self._core.cdn.expire(attachment_id)

    def on_bot_message(self, hook: Callable[[StoredMessage], None] | None) -> None:
        """Call ``hook(message)`` each time the bot creates a message, the moment it is
        stored and before the bot gets the response (e.g. to kill the bot process right
        there); ``None`` removes the hooks."""
        hooks = self._core.store.bot_message_hooks
        hooks.clear()
        if hook is not None:
            hooks.append(hook)

    def forget_nonces(self) -> None:
        """Forget every nonce seen so far, as Discord does after a few minutes."""
        self._core.store.forget_nonces()
