"""The CDN: serves attachment bytes from signed URLs that can expire or fail on demand.

URLs look like Discord's: ``/attachments/{channel}/{attachment}/{filename}?ex=..&is=..&hm=..&``
(``/ephemeral-attachments/...`` for slash-command option files).  ``ex`` is the expiry (hex Unix
time), ``hm`` an HMAC over the attachment, its URL version and the times.  ``expire`` bumps the
version so every URL handed out before stops working (404, as on Discord) while re-fetching the
message yields a fresh one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import quote

from aiohttp import web

from .ids import FakeClock
from .models import StoredAttachment

GONE_TEXT = "This content is no longer available."


@dataclass
class CdnFetch:
    """One CDN request: which attachment, the HTTP status served and the URL path."""

    attachment_id: int | None
    status: int
    path: str


class Cdn:
    """Attachment storage, URL signing and the aiohttp handlers serving the bytes."""

    def __init__(self, clock: FakeClock, *, url_ttl: float = 24 * 3600) -> None:
        self.clock = clock
        self.url_ttl = url_ttl
        self.base_url = ""
        self.attachments: dict[int, StoredAttachment] = {}
        self.fetches: list[CdnFetch] = []
        self._failures: dict[int, list[int]] = {}
        self._secret = secrets.token_bytes(16)

    def register(self, attachment: StoredAttachment) -> None:
        """Make an attachment downloadable."""
        self.attachments[attachment.id] = attachment

    def url_for(self, att: StoredAttachment) -> str:
        """A freshly signed URL for ``att``."""
        issued = int(self.clock.time())
        expires = int(issued + self.url_ttl)
        signature = self._sign(att, expires, issued)
        prefix = "ephemeral-attachments" if att.ephemeral else "attachments"
        path = f"/{prefix}/{att.channel_id}/{att.id}/{quote(att.filename)}"
        return f"{self.base_url}{path}?ex={expires:x}&is={issued:x}&hm={signature}&"

    def expire(self, attachment_id: int | None = None) -> None:
        """Invalidate every URL handed out so far (for one attachment or all of them)."""
        if attachment_id is None:
            targets = list(self.attachments.values())
        else:
            targets = [self.attachments[attachment_id]]
        for att in targets:
            att.url_version += 1

    def fail(self, attachment_id: int, status: int = 500, *, times: int = 1) -> None:
        """Answer the next ``times`` downloads of an attachment with ``status``."""
        self._failures.setdefault(attachment_id, []).extend([status] * times)

    def add_routes(self, app: web.Application) -> None:
        """Register the CDN paths on the fake's aiohttp application."""
        for prefix in ("attachments", "ephemeral-attachments", "media/attachments"):
            app.router.add_get(
                f"/{prefix}/{{channel_id}}/{{attachment_id}}/{{filename}}", self.handle
            )

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Serve an attachment's bytes, or 404 like Discord's CDN."""
        att = self._lookup(request)
        status = self._status(request, att)
        self.fetches.append(CdnFetch(att.id if att else None, status, request.path))
        if att is None or status != 200:
            return web.Response(status=status, text=GONE_TEXT if status == 404 else "error")
        return web.Response(
            body=att.data, content_type=att.content_type or "application/octet-stream"
        )

    def _lookup(self, request: web.Request) -> StoredAttachment | None:
        info = request.match_info
        try:
            att = self.attachments.get(int(info["attachment_id"]))
        except ValueError:
            return None
        if att is None or str(att.channel_id) != info["channel_id"]:
            return None
        return att if att.filename == info["filename"] else None

    def _status(self, request: web.Request, att: StoredAttachment | None) -> int:
        if att is None:
            return 404
        failures = self._failures.get(att.id)
        if failures:
            return failures.pop(0)
        query = request.query
        try:
            expires, issued = int(query["ex"], 16), int(query["is"], 16)
        except (KeyError, ValueError):
            return 404
        valid = hmac.compare_digest(query.get("hm", ""), self._sign(att, expires, issued))
        return 200 if valid and expires > self.clock.time() else 404

    def _sign(self, att: StoredAttachment, expires: int, issued: int) -> str:
        message = f"{att.id}:{att.url_version}:{expires}:{issued}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
