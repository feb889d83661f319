"""Gateway transport compression: ``zlib-stream`` and, when importable, ``zstd-stream``.

One compression stream per connection; each gateway message is flushed so the client can
decode it on its own (zlib: ``Z_SYNC_FLUSH``, which ends in ``00 00 ff ff``; zstd: a flushed
block).  ``zstd-stream`` is only offered when ``zstandard`` (or Python 3.14's
``compression.zstd``) can be imported, which is exactly when discord.py asks for it.
"""

from __future__ import annotations

import importlib
import zlib
from typing import Any, Protocol


class Compressor(Protocol):
    """Turns one gateway message into one binary websocket frame."""

    def compress(self, text: str) -> bytes:
        """Compress and flush one message."""
        ...


class ZlibStream:
    """``compress=zlib-stream``: one deflate stream, Z_SYNC_FLUSH after each message."""

    def __init__(self) -> None:
        self._stream = zlib.compressobj()

    def compress(self, text: str) -> bytes:
        """Compress and flush one message."""
        return self._stream.compress(text.encode()) + self._stream.flush(zlib.Z_SYNC_FLUSH)


class ZstdStream:
    """``compress=zstd-stream``: one zstd stream, a flushed block per message."""

    def __init__(self, module: Any, source: str) -> None:
        self._source = source
        self._module = module
        if source == "zstandard":
            self._stream = module.ZstdCompressor().compressobj()
        else:
            self._stream = module.ZstdCompressor()

    def compress(self, text: str) -> bytes:
        """Compress and flush one message."""
        data = text.encode()
        if self._source == "zstandard":
            flush_mode = self._module.COMPRESSOBJ_FLUSH_BLOCK
            return bytes(self._stream.compress(data) + self._stream.flush(flush_mode))
        return bytes(self._stream.compress(data, mode=self._module.ZstdCompressor.FLUSH_BLOCK))


def _zstd_module() -> tuple[Any, str] | None:
    for name in ("zstandard", "compression.zstd"):
        try:
            return importlib.import_module(name), name
        except ImportError:
            continue
    return None


def zstd_available() -> bool:
    """Whether ``zstd-stream`` can be served."""
    return _zstd_module() is not None


def make_compressor(kind: str | None) -> Compressor | None:
    """The compressor for a ``compress=`` query value; ``None`` for plain JSON text frames.

    Raises ``ValueError`` for an unsupported value.
    """
    if not kind:
        return None
    if kind == "zlib-stream":
        return ZlibStream()
    found = _zstd_module() if kind == "zstd-stream" else None
    if found is None:
        raise ValueError(f"unsupported gateway compression {kind!r}")
    return ZstdStream(*found)
