"""A server's vocabulary: names, jargon and brand names Gemini should spell right.

Terms are kept as typed (whitespace folded) and compared case-insensitively, so "kubernetes"
does not come back next to "Kubernetes". A server holds at most
:data:`bot.options.MAX_VOCABULARY_TERMS` terms of at most :data:`bot.options.MAX_TERM_CHARS`
characters (Gemini's speech model accepts more, but works best at 100 or fewer).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, select

from bot.errors import InvalidOptions
from bot.options import MAX_TERM_CHARS, MAX_VOCABULARY_TERMS
from bot.storage._base import RepoBase
from bot.storage._schema import guild_vocabulary


def clean_term(text: str) -> str:
    """A term as stored: whitespace folded, control characters refused, length checked."""
    term = " ".join(text.split())
    if not term:
        raise InvalidOptions("A vocabulary term can't be empty.")
    if any(unicodedata.category(char).startswith("C") for char in term):
        raise InvalidOptions("A vocabulary term can't contain control characters.")
    if len(term) > MAX_TERM_CHARS:
        raise InvalidOptions(
            f"Vocabulary terms are at most {MAX_TERM_CHARS} characters: {term[:20]!r}… is "
            f"{len(term)}."
        )
    return term


def term_key(term: str) -> str:
    """What makes two terms the same: case and width folded."""
    return unicodedata.normalize("NFKC", " ".join(term.split())).casefold()


@dataclass(frozen=True)
class VocabularyChange:
    """What an addition did: the terms added, those already there, and the whole list."""

    added: tuple[str, ...]
    present: tuple[str, ...]
    terms: tuple[str, ...]


class VocabularyRepo(RepoBase):
    """Per-server vocabulary terms."""

    async def vocabulary(self, guild_id: int) -> tuple[str, ...]:
        """A server's terms in alphabetical order (case folded): a stable order, so the
        request prefix they go in stays the same from one note to the next."""
        v = guild_vocabulary.c
        stmt = select(v.term).where(v.guild_id == guild_id).order_by(v.term_key)
        async with self._read() as conn:
            return tuple(str(term) for term in (await conn.execute(stmt)).scalars())

    async def add_vocabulary(self, guild_id: int, terms: list[str]) -> VocabularyChange:
        """Add terms (InvalidOptions when one is malformed or the list would pass the
        limit: then nothing is added)."""
        wanted: dict[str, str] = {}
        for term in (clean_term(text) for text in terms):
            wanted.setdefault(term_key(term), term)  # the first spelling given wins
        v = guild_vocabulary.c
        async with self._write() as conn:
            rows = await conn.execute(select(v.term_key).where(v.guild_id == guild_id))
            known = set(rows.scalars())
            new = {key: term for key, term in wanted.items() if key not in known}
            if len(known) + len(new) > MAX_VOCABULARY_TERMS:
                raise InvalidOptions(
                    f"A server's vocabulary holds at most {MAX_VOCABULARY_TERMS} terms; it has "
                    f"{len(known)}, so {len(new)} more would not fit. Remove some first."
                )
            for key, term in new.items():
                await conn.execute(
                    guild_vocabulary.insert().values(
                        guild_id=guild_id, term_key=key, term=term, created_at=self._now()
                    )
                )
        present = tuple(term for key, term in wanted.items() if key in known)
        return VocabularyChange(tuple(new.values()), present, await self.vocabulary(guild_id))

    async def remove_vocabulary(self, guild_id: int, term: str) -> bool:
        """Remove a term (any case); False when the server had no such term."""
        v = guild_vocabulary.c
        stmt = delete(guild_vocabulary).where(v.guild_id == guild_id, v.term_key == term_key(term))
        async with self._write() as conn:
            done = await conn.execute(stmt)
        return int(done.rowcount) > 0
