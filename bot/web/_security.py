"""The dashboard's protections, each in one place.

* Headers on every answer: a strict Content-Security-Policy (no scripts at all, styles and
  images from the dashboard only, no framing, forms only to itself), no MIME sniffing, no
  referrer to other sites, no caching of pages that show people's words.
* Sessions: the cookie holds only an opaque random id (``HttpOnly``, ``SameSite=Lax``,
  ``Secure`` over HTTPS — behind a proxy, ``X-Forwarded-Proto`` when trusted — and an
  expiry); the database holds a keyed hash of it.
* CSRF: every state-changing request is a POST carrying the session's token; GETs change
  nothing.
* ``next`` after a login only ever points inside the dashboard.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

COOKIE = "vn_session"
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_SAFE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9/_.\-?=&%]*")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add :data:`SECURITY_HEADERS` to every answer, errors included."""
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


def new_token() -> str:
    """An unguessable token (session ids, CSRF tokens, OAuth2 states)."""
    return secrets.token_urlsafe(32)


def id_hash(secret_key: bytes, session_id: str) -> str:
    """What the database keeps for a session id: a keyed hash, never the id."""
    return hmac.new(secret_key, session_id.encode(), hashlib.sha256).hexdigest()


def csrf_ok(expected: str, given: object) -> bool:
    """Whether a form's CSRF token is the session's (compared in constant time)."""
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


def safe_next(value: str | None) -> str:
    """A path inside the dashboard to go to after logging in; "/" for anything else (an
    absolute or scheme-relative URL, a backslash trick, control characters)."""
    if value is None or len(value) > 500 or not _SAFE_PATH.fullmatch(value):
        return "/"
    return value


def is_https(request: web.Request, *, trust_forwarded: bool, always: bool) -> bool:
    """Whether this request came over HTTPS (as the proxy says, when trusted)."""
    if always or request.secure:
        return True
    return trust_forwarded and request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def set_session_cookie(
    response: web.StreamResponse, session_id: str, *, max_age_s: float, secure: bool
) -> None:
    """The session cookie, with every protection the browser offers."""
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(max_age_s),
        path="/",
        httponly=True,
        secure=secure,
        samesite="Lax",
    )


def clear_session_cookie(response: web.StreamResponse, *, secure: bool) -> None:
    """Remove the session cookie from the browser."""
    response.del_cookie(COOKIE, path="/", secure=secure, samesite="Lax")
