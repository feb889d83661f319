"""``python -m bot.healthcheck``: exit 0 when this machine's bot answers ``/livez``, else 1.

The container's HEALTHCHECK (the slim image has no curl). It imports the settings and the
standard library only, so it starts in a fraction of a second at every interval, and asks
on loopback: a bot bound to every interface (``HTTP_HOST=0.0.0.0``) answers there too.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from pydantic import ValidationError

from bot.settings import Settings

TIMEOUT_S = 5.0
# A bot listening on every interface answers on loopback: ask there.
_ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}  # noqa: S104


def livez_url(settings: Settings) -> str | None:
    """Where this machine's bot answers ``/livez``; None when ``HTTP_PORT`` is not set."""
    if settings.http_port is None:
        return None
    host = _ANY_ADDRESS.get(settings.http_host, settings.http_host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.http_port}/livez"


def probe(url: str, timeout_s: float = TIMEOUT_S) -> str | None:
    """None when ``url`` answers 200, else why not (one line)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 (http only)
            return None if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return f"no answer ({type(reason).__name__})"


def main() -> int:
    """Entry point; the exit code."""
    try:
        url = livez_url(Settings())
    except ValidationError as error:
        print(f"healthcheck: invalid settings ({error.error_count()} errors)", file=sys.stderr)
        return 1
    if url is None:
        print("healthcheck: HTTP_PORT is not set, so the bot serves no /livez", file=sys.stderr)
        return 1
    problem = probe(url)
    if problem is not None:
        print(f"healthcheck: {url}: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
