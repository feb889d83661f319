"""The REST layer: routing, auth, recording, injected failures and Discord's response headers."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import errors
from .bodies import ParsedBody, parse_body
from .errors import JSON, DiscordError
from .ids import FakeClock
from .models import RecordedRequest, UploadedFile
from .ratelimits import (
    RateLimiter,
    RateLimits,
    RouteLimitInfo,
    rate_limited_body,
    rejection_headers,
)
from .rejections import RejectionLog, cloudflare_ban

API_PREFIX = "/api/v10"


@dataclass
class Reply:
    """A handler's answer: JSON body (``None`` means 204 No Content) and status."""

    body: Any = None
    status: int = 200


@dataclass
class RequestContext:
    """What a route handler sees of a request."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    body: ParsedBody
    headers: Mapping[str, str] = field(default_factory=dict)
    grant: Any = None  # the OAuth2 grant of a Bearer token, on routes that accept one

    def snowflake(self, name: str) -> int:
        """A path parameter as a snowflake (400 50035 NUMBER_TYPE_COERCE if it is not one)."""
        value = self.params[name]
        if not value.isdigit():
            raise errors.form_error(
                (name,), "NUMBER_TYPE_COERCE", f'Value "{value}" is not snowflake.'
            )
        return int(value)

    def json(self) -> JSON:
        """The JSON object body (``payload_json`` for multipart); ``{}`` when empty."""
        data = self.body.json
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise errors.form_error((), "DICT_TYPE_CONVERT", "Only dictionaries may be used.")
        return data

    @property
    def files(self) -> list[UploadedFile]:
        """Uploaded ``files[n]`` parts."""
        return self.body.files


Handler = Callable[[RequestContext], Awaitable[Reply]]


@dataclass
class Route:
    """One REST route: method, path template (``/channels/{channel_id}``), handler, and its
    rate-limit bucket (routes may share one; by default each route has its own)."""

    method: str
    template: str
    handler: Handler
    auth: bool
    bucket: str = ""
    global_limit: bool = True  # interaction endpoints are exempt from the global limit
    bearer: bool = False  # also (or only) an OAuth2 user's "Bearer" token
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.template)
        self.regex = re.compile(pattern)
        self.bucket = self.bucket or f"{self.method} {self.template}"


@dataclass
class FailRule:
    """An injected failure for the next matching request(s)."""

    method: str
    pattern: re.Pattern[str]
    status: int
    code: int | None
    retry_after: float
    is_global: bool
    message: str | None
    remaining: int

    def matches(self, method: str, path: str) -> bool:
        """Whether this rule applies to a request."""
        return self.method in ("*", method) and bool(self.pattern.fullmatch(path))

    def error_body(self) -> JSON:
        """Discord's body for this status."""
        if self.status == 429:
            body = rate_limited_body(
                self.retry_after, is_global=self.is_global, message=self.message
            )
            if self.code is not None:
                body["code"] = self.code
            return body
        default = {
            500: "500: Internal Server Error",
            502: "502: Bad Gateway",
            503: "503: Service Unavailable",
        }.get(self.status, f"{self.status}: Error")
        return {"message": self.message or default, "code": self.code or 0}


class Router:
    """Matches method + path to a route; distinguishes 404 from 405."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        auth: bool = True,
        bucket: str = "",
        global_limit: bool = True,
        bearer: bool = False,
    ) -> None:
        """Register a handler for ``method template`` (``bucket``: a rate-limit bucket
        shared with other routes; ``global_limit=False`` for interaction endpoints;
        ``bearer``: an OAuth2 access token is accepted too)."""
        self.routes.append(Route(method, template, handler, auth, bucket, global_limit, bearer))

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route and path parameters, or a 404/405 ``DiscordError``."""
        path_known = False
        for route in self.routes:
            match = route.regex.fullmatch(path)
            if match is None:
                continue
            if route.method == method:
                return route, match.groupdict()
            path_known = True
        raise errors.method_not_allowed() if path_known else errors.route_not_found()


def json_response(body: Any, status: int, headers: dict[str, str]) -> web.Response:
    """A response whose Content-Type is exactly ``application/json`` (discord.py checks it)."""
    if body is None:
        return web.Response(status=204, headers=headers)
    data = json.dumps(body).encode()
    return web.Response(
        status=status, body=data, headers=headers | {"Content-Type": "application/json"}
    )


class RestApi:
    """The ``/api/v10`` dispatcher: auth, failures, rate limits, routing, recording."""

    def __init__(self, token: str, clock: FakeClock, limits: RateLimits) -> None:
        self.token = token
        self.clock = clock
        self.router = Router()
        self.requests: list[RecordedRequest] = []
        self.unknown_routes: list[RecordedRequest] = []
        self.fail_rules: list[FailRule] = []
        self.limiter = RateLimiter(limits, clock)
        self.rejections = RejectionLog(limits, clock)
        self.bearer_grant: Callable[[str], Any] | None = None  # set by the fake's OAuth2

    def add_routes(self, app: web.Application) -> None:
        """Mount the dispatcher under ``/api/v10``."""
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        """Dispatch one REST request."""
        raw = await request.read()
        record = RecordedRequest(
            method=request.method,
            path="/" + request.match_info["tail"],
            query=dict(request.query),
            json=None,
            files=[],
            at=self.clock.time(),
        )
        self.requests.append(record)
        if self.rejections.banned():
            record.status = 429
            return cloudflare_ban()
        headers: dict[str, str] = {}
        try:
            route, params = self._resolve(record)
            reply, headers = await self._answer(request, raw, record, route, params)
        except DiscordError as exc:  # an unknown route
            reply = Reply(exc.body(), exc.status)
        record.status, record.response = (204 if reply.body is None else reply.status), reply.body
        if record.status >= 400 and isinstance(reply.body, dict):
            record.code = reply.body.get("code")
        self.rejections.record(record)
        return json_response(reply.body, reply.status, headers)

    async def _answer(
        self,
        request: web.Request,
        raw: bytes,
        record: RecordedRequest,
        route: Route,
        params: dict[str, str],
    ) -> tuple[Reply, dict[str, str]]:
        """An injected failure, a 429 from the rate limits, or the route's own answer;
        with the bucket's headers."""
        limits = RouteLimitInfo.of(route.bucket, params, global_limit=route.global_limit)
        rule = self._take_rule(record.method, record.path)
        if rule is not None:
            record.injected = True
            return self._failure(record, rule, limits)
        verdict = self.limiter.admit(record.method, record.path, limits)
        if verdict.limited:
            record.injected, record.scope = verdict.held, verdict.scope
            return Reply(verdict.body, 429), verdict.headers
        try:
            grant = self._authenticate(route, request.headers.get("Authorization", ""))
            body = parse_body(request.headers.get("Content-Type", ""), raw)
            record.json, record.files = body.json, body.files
            query = dict(request.query)
            ctx = RequestContext(
                request.method, record.path, params, query, body, request.headers, grant
            )
            reply = await route.handler(ctx)
        except DiscordError as exc:
            reply = Reply(exc.body(), exc.status)
        return reply, verdict.headers

    def _authenticate(self, route: Route, header: str) -> Any:
        """The OAuth2 grant of a Bearer token (where accepted), else the bot token's check;
        401 without valid credentials."""
        if route.bearer and header.startswith("Bearer ") and self.bearer_grant is not None:
            return self.bearer_grant(header.removeprefix("Bearer "))
        if route.auth and header != f"Bot {self.token}":
            raise errors.unauthorized()
        return None

    def _resolve(self, record: RecordedRequest) -> tuple[Route, dict[str, str]]:
        try:
            route, params = self.router.resolve(record.method, record.path)
        except DiscordError:
            self.unknown_routes.append(record)
            raise
        record.route = route.template
        return route, params

    def _take_rule(self, method: str, path: str) -> FailRule | None:
        for rule in self.fail_rules:
            if rule.matches(method, path):
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self.fail_rules.remove(rule)
                return rule
        return None

    def _failure(
        self, record: RecordedRequest, rule: FailRule, limits: RouteLimitInfo
    ) -> tuple[Reply, dict[str, str]]:
        """An injected answer: a 429 (per-route or global) or a 5xx, with the headers."""
        reply = Reply(rule.error_body(), rule.status)
        if rule.status != 429:
            return reply, self.limiter.headers_for(limits)
        if rule.is_global:
            record.scope = "global"
            return reply, rejection_headers(rule.retry_after, "global")
        record.scope = "user"
        return reply, self.limiter.refusal(limits, rule.retry_after, "user").headers
