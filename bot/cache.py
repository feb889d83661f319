"""The result cache on top of storage: same audio bytes and options → no Gemini request."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from bot.model import TranscriptDocument
from bot.storage import Storage

log = logging.getLogger(__name__)


class StoredResultCache:
    """Implements :class:`bot.pipeline.ResultCache` with the storage's result table."""

    def __init__(self, storage: Storage, *, ttl_s: float) -> None:
        self._storage = storage
        self._ttl_s = ttl_s

    async def load(self, key: str) -> TranscriptDocument | None:
        """The cached document, or None if missing, expired or from an older format."""
        data = await self._storage.load_result(key)
        if data is None:
            return None
        try:
            return TranscriptDocument.model_validate(data)
        except ValidationError:
            log.info("cached result in an old format ignored")
            return None

    async def save(self, key: str, document: TranscriptDocument) -> None:
        """Keep the document until retention expires."""
        await self._storage.save_result(
            key, document.model_dump(mode="json"), sha256=document.source.sha256, ttl_s=self._ttl_s
        )
