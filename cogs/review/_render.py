"""Review as Discord shows it: a card's embed, a list page, a private transcript."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

import discord

from bot.model import TranscriptDocument
from bot.review import CardView, ListPage, card_jump_url, card_view, clip, stamp
from bot.storage import GuildSettings, ReviewCard
from cogs.delivery import compose_reply

LIST_LINE_SUMMARY = 120
NO_TRANSCRIPT = (
    "The transcript of this note is no longer stored (its original was deleted, or it "
    "expired); the card keeps its summary and flags."
)


def card_embed(view: CardView) -> discord.Embed:
    """A card's embed."""
    embed = discord.Embed(title=view.title, description=view.description, colour=view.colour)
    for field in view.fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    embed.set_footer(text=view.footer)
    return embed


def ping_text(view: CardView) -> str | None:
    """The card's message content: the role mention when it pings, else nothing."""
    return f"<@&{view.ping_role_id}>" if view.ping_role_id is not None else None


def allowed_for(view: CardView) -> discord.AllowedMentions:
    """Exactly the pinged role, or nobody: the only ping this bot ever makes."""
    if view.ping_role_id is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False,
        users=False,
        roles=[discord.Object(id=view.ping_role_id)],
        replied_user=False,
    )


def private_embed(card: ReviewCard, settings: GuildSettings) -> discord.Embed:
    """The card in full, for a moderator who can view the note's channel."""
    return card_embed(card_view(replace(card, withheld=False), settings))


def transcript_parts(
    document: TranscriptDocument | None,
) -> list[tuple[str, list[discord.File]]]:
    """What **Show transcript** sends privately: the transcript's text (the attachments
    carry all of it) and its files; or why there is none."""
    if document is None:
        return [(NO_TRANSCRIPT, [])]
    plan = compose_reply(document, inline_cap=2)
    files = [discord.File(io.BytesIO(data), filename=name) for name, data in plan.files]
    last = len(plan.messages) - 1
    return [(text, files if index == last else []) for index, text in enumerate(plan.messages)]


async def send_transcript(
    interaction: discord.Interaction[Any],
    card: ReviewCard,
    document: TranscriptDocument | None,
    settings: GuildSettings,
) -> None:
    """The card in full and its transcript with the files, as private followups (the
    Show transcript button and ``/review show``)."""
    for index, (text, files) in enumerate(transcript_parts(document)):
        extra: dict[str, Any] = {"embed": private_embed(card, settings)} if index == 0 else {}
        await interaction.followup.send(
            text,
            files=files,
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
            **extra,
        )


def _list_line(card: ReviewCard) -> str:
    flags = ", ".join(dict.fromkeys(f.category.value for f in card.content.flags))
    marks = [
        m for m in ("flagged" if card.flagged else "", "reported" if card.reported else "") if m
    ]
    summary = "" if card.withheld else clip(card.content.summary, LIST_LINE_SUMMARY)
    url = card_jump_url(card)
    link = f" · [jump]({url})" if url and not card.tombstone else ""
    head = f"**#{card.id}** · {stamp(card.note_at, 'f')} · {clip(card.author_name, 60)}"
    tail = " · ".join(part for part in (flags, " ".join(marks)) if part)
    return "\n".join(line for line in (head + link, summary, f"-# {tail}" if tail else "") if line)


def list_embed(page: ListPage) -> discord.Embed:
    """One page of ``/review list``: each card's id, time, author, summary snippet, flags
    and jump link."""
    status = page.filters.status.value
    if not page.cards:
        return discord.Embed(title=f"Review · {status}", description="No cards match.")
    embed = discord.Embed(
        title=f"Review · {status} · {page.total} card{'s' if page.total != 1 else ''}",
        description="\n\n".join(_list_line(card) for card in page.cards)[:4096],
    )
    embed.set_footer(text=f"Page {page.page + 1} of {page.pages} · /review show id:<card>")
    return embed
