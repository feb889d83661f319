"""The dashboard's protections, each in one place.

* Headers on every answer: a strict Content-Security-Policy (no scripts at all, styles and
  images from the dashboard only, no framing, forms only to itself), no MIME sniffing, no
  referrer to other sites, no caching of pages that show people's words.
* Sessions: the cookie holds only an opaque random id (``HttpOnly``, ``SameSite=Lax``,
  ``Secure`` over HTTPS — behind a proxy, ``X-Forwarded-Proto`` when trusted — and an
  expiry); the database holds a keyed hash of it.
* CSRF: every state-changing request is a POST carrying the session's token; GETs change
  nothing. The login itself is bound to the browser that started it: ``/login`` puts the
  OAuth2 state in a short-lived cookie too, and ``/callback`` requires both to match, so a
  callback URL made in someone else's browser cannot log this one in as them.
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
LOGIN_COOKIE = "vn_login"  # the OAuth2 state of a login under way, sent to /callback only
_LOGIN_PATH = "/callback"
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


def ascii_number(text: object, *, max_digits: int) -> int | None:
    """The whole number ``text`` spells in ASCII digits, else None: a sign, a space or a
    digit ``int()`` refuses although ``str.isdigit`` accepts it ("²") is no number here."""
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()):
        return None
    return int(text) if len(text) <= max_digits else None


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
    _set_private_cookie(response, COOKIE, session_id, path="/", max_age_s=max_age_s, secure=secure)


def set_login_cookie(
    response: web.StreamResponse, state: str, *, max_age_s: float, secure: bool
) -> None:
    """Bind a login's OAuth2 state to this browser (see the module docstring); Lax is
    sent on Discord's top-level redirect back to /callback."""
    _set_private_cookie(
        response, LOGIN_COOKIE, state, path=_LOGIN_PATH, max_age_s=max_age_s, secure=secure
    )


def _set_private_cookie(
    response: web.StreamResponse,
    name: str,
    value: str,
    *,
    path: str,
    max_age_s: float,
    secure: bool,
) -> None:
    """A cookie scripts cannot read, sent by the browser to this site only (and to
    top-level navigations to it), over HTTPS only when the dashboard is served so."""
    response.set_cookie(
        name, value, max_age=int(max_age_s), path=path, httponly=True, secure=secure, samesite="Lax"
    )


def login_cookie_matches(request: web.Request, state: str) -> bool:
    """Whether ``state`` is the one this browser's login started with."""
    return bool(state) and csrf_ok(state, request.cookies.get(LOGIN_COOKIE))


def clear_login_cookie(response: web.StreamResponse, *, secure: bool) -> None:
    """The login is over (done or failed): forget its state."""
    response.del_cookie(LOGIN_COOKIE, path=_LOGIN_PATH, secure=secure, samesite="Lax")


def clear_session_cookie(response: web.StreamResponse, *, secure: bool) -> None:
    """Remove the session cookie from the browser."""
    response.del_cookie(COOKIE, path="/", secure=secure, samesite="Lax")
