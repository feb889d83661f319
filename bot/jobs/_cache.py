"""The result cache on top of storage: same audio bytes and options → no Gemini request."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from bot.model import TranscriptDocument
from bot.storage.ports import ResultStore

log = logging.getLogger(__name__)


def parse_document(data: dict[str, Any] | None) -> TranscriptDocument | None:
    """A stored document, or None when missing or in a format this version can't read."""
    if data is None:
        return None
    try:
        return TranscriptDocument.model_validate(data)
    except ValidationError:
        log.info("stored result in an old format ignored")
        return None


class StoredResultCache:
    """Implements :class:`bot.pipeline.ResultCache` with the storage's result table."""

    def __init__(self, store: ResultStore, *, ttl_s: float) -> None:
        self._store = store
        self._ttl_s = ttl_s

    async def load(self, key: str) -> TranscriptDocument | None:
        """The cached complete document, or None (missing, expired, old format, partial)."""
        document = parse_document(await self._store.load_result(key))
        return None if document is None or document.partial else document

    async def save(self, key: str, document: TranscriptDocument) -> None:
        """Keep the document until retention expires."""
        await self._store.save_result(
            key, document.model_dump(mode="json"), sha256=document.source.sha256, ttl_s=self._ttl_s
        )
