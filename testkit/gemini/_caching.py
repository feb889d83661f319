"""Implicit caching: a repeated request prefix is billed at the cached price.

Gemini's context-caching page: implicit caching is on by default; when a request shares a
common prefix with a recent one it can be served from cache, reported as
``total_cached_tokens`` (part of the input), and only above a minimum size (1,024 tokens
for Flash models; 4,096 for Pro). Put large common content at the start, it advises. The
fake compares requests block by block (the system instruction first, then each input
block, audio by its bytes), per model, with the requests of the last
:data:`TTL_S` seconds; whole blocks only. Exactly how Gemini matches is not documented, so
the fake's rule is the plainest reading of it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from testkit.gemini._replies import JsonObject

MIN_CACHED_TOKENS = 1024
TTL_S = 300.0


def block_keys(body: JsonObject, blocks: list[JsonObject]) -> list[str]:
    """A key per cacheable block: the system instruction, then each input block."""
    system = body.get("system_instruction")
    items: list[object] = [system] if isinstance(system, str) else []
    items.extend(blocks)
    return [hashlib.sha256(json.dumps(item, sort_keys=True).encode()).hexdigest() for item in items]


@dataclass
class PrefixCache:
    """Recent requests' block keys per model."""

    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, list[tuple[float, list[str]]]] = field(default_factory=dict)

    def clear(self) -> None:
        """Forget every request seen (the cache's entries expired)."""
        self._seen.clear()

    def cached_tokens(self, model: str, keys: list[str], tokens: list[int]) -> int:
        """Tokens of the longest prefix shared with a recent request of ``model``; 0 below
        the minimum. Records this request for the next ones."""
        now = self.clock()
        recent = [(at, seen) for at, seen in self._seen.get(model, []) if now - at < TTL_S]
        shared = max((_common(keys, seen) for _, seen in recent), default=0)
        self._seen[model] = [*recent, (now, keys)]
        cached = sum(tokens[:shared])
        return cached if cached >= MIN_CACHED_TOKENS else 0


def _common(one: list[str], other: list[str]) -> int:
    count = 0
    for left, right in zip(one, other, strict=False):
        if left != right:
            break
        count += 1
    return count
