"""What a review card shows: a platform-neutral view within Discord's embed limits.

Whatever Gemini returned, a card fits an embed (title ≤ 256, description ≤ 4096, ≤ 25
fields of ≤ 1024, footer ≤ 2048, ≤ 6000 characters in all): a long summary and many flags
are cut cleanly at a word, with a pointer to **Show transcript**, which has everything.
Untrusted text (names, summaries, reasons) goes through :func:`bot.render.escape_untrusted`.
A card whose note comes from a channel some viewers of the review channel cannot see shows
only its author, channel, time and the flags' categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.render import escape_untrusted
from bot.storage import (
    SEVERITY_RANK,
    CardAction,
    CardOutcome,
    CardStatus,
    GuildSettings,
    ReviewCard,
)
from bot.timecodes import format_duration

TITLE_CHARS, FIELD_CHARS, TOTAL_CHARS = 256, 1024, 6000
SUMMARY_CHARS = 1800
FLAG_LINE_CHARS = 300
FLAG_FIELDS = 3
REPORTERS_SHOWN = 10
COLOURS = {"low": 0xF1C40F, "medium": 0xE67E22, "high": 0xE74C3C}
REFUSED_COLOUR, GONE_COLOUR, REVIEWED_COLOUR, PLAIN_COLOUR = 0x992D22, 0x4F545C, 0x2ECC71, 0x95A5A6
MORE_FLAGS = "… and {n} more: **Show transcript** lists every flag."
WITHHELD = (
    "Content withheld: some members who can see this channel cannot see <#{channel}>. "
    "**Show transcript** shows it to moderators who can view that channel."
)


class ButtonAction(StrEnum):
    """The card's buttons."""

    REVIEWED = "reviewed"
    FLAG = "flag"
    TRANSCRIPT = "transcript"
    DELETE = "delete"
    RERUN = "rerun"


@dataclass(frozen=True)
class CardButton:
    """One button: what it does, its label, whether it can be used."""

    action: ButtonAction
    label: str
    disabled: bool = False


@dataclass(frozen=True)
class CardField:
    """One embed field."""

    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class CardView:
    """A card as the platform shows it. ``ping_role_id``: the role its first post pings."""

    card_id: int
    title: str
    description: str
    colour: int
    fields: tuple[CardField, ...]
    footer: str
    buttons: tuple[CardButton, ...]
    ping_role_id: int | None = None

    @property
    def size(self) -> int:
        """Characters counted toward Discord's 6000 per message."""
        fields = sum(len(f.name) + len(f.value) for f in self.fields)
        return len(self.title) + len(self.description) + fields + len(self.footer)


def clip(text: str, limit: int) -> str:
    """``text`` made inert and cut at a word to at most ``limit`` characters, never inside
    an escape sequence; the cut is marked with an ellipsis."""
    safe = escape_untrusted(text)
    if len(safe) <= limit:
        return safe
    cut = safe.rfind(" ", 0, limit - 1)
    cut = cut if cut > limit // 2 else limit - 1
    while cut > 0 and safe[cut - 1] == "\\":
        cut -= 1
    return safe[:cut].rstrip() + "…"


def stamp(when: datetime, style: str = "f") -> str:
    """A Discord timestamp: shown in each reader's own time zone."""
    return f"<t:{int(when.timestamp())}:{style}>"


def jump_url(guild_id: int, channel_id: int, message_id: int) -> str:
    """The link that opens a message in Discord."""
    return f"https://discord.com/channels/{guild_id}/{channel_id}/{message_id}"


def card_jump_url(card: ReviewCard) -> str | None:
    """The card's jump link: the original, or the bot's reply for an uploaded file."""
    if card.jump_channel_id is None or card.jump_message_id is None:
        return None
    return jump_url(card.guild_id, card.jump_channel_id, card.jump_message_id)


def emotions_text(shares: tuple[tuple[str, float], ...]) -> str:
    """``neutral 70% · angry 30%``."""
    return " · ".join(f"{name} {round(share * 100)}%" for name, share in shares)


def ping_role(card: ReviewCard, settings: GuildSettings) -> int | None:
    """The moderator role to ping: set, and the card refused by Gemini or flagged at or
    above the server's ``min_severity``."""
    role = settings.review_role_id
    if role is None:
        return None
    if card.content.outcome is CardOutcome.REFUSED:
        return role
    severity = card.content.severity
    reaches = severity is not None and (
        SEVERITY_RANK[severity] >= SEVERITY_RANK[settings.review_min_severity]
    )
    return role if reaches else None


def _title(card: ReviewCard) -> str:
    content = card.content
    if content.outcome is CardOutcome.REFUSED:
        title = "⛔ Gemini refused this note"
    elif card.flagged and content.flags:
        ranked = sorted(content.flags, key=lambda f: -SEVERITY_RANK[f.severity])
        categories = ", ".join(dict.fromkeys(f.category.value for f in ranked))
        title = f"⚠️ Flagged: {categories} ({ranked[0].severity.value})"
    elif card.flagged:
        title = "⚠️ Flagged by a moderator"
    elif content.outcome is CardOutcome.PENDING:
        title = "⏳ Reported note · being processed"
    else:
        title = "🎙️ Voice note"
    if card.reported:
        title += " · reported"
    return ("🪦 " + title if card.tombstone else title)[:TITLE_CHARS]


def _colour(card: ReviewCard) -> int:
    severity = card.content.severity
    if card.tombstone:
        return GONE_COLOUR
    if card.content.outcome is CardOutcome.REFUSED:
        return REFUSED_COLOUR
    if card.flagged:
        return COLOURS[severity.value] if severity else COLOURS["medium"]
    return REVIEWED_COLOUR if card.status is CardStatus.REVIEWED else PLAIN_COLOUR


def _description(card: ReviewCard) -> str:
    content = card.content
    if card.withheld:
        return WITHHELD.format(channel=card.place.channel_id)
    if content.outcome is CardOutcome.REFUSED:
        return "Gemini's safety filters refused to transcribe this note; listen to the original."
    if content.outcome is CardOutcome.PENDING:
        return "A member reported this note; its summary appears here once it is processed."
    if content.outcome is CardOutcome.FAILED:
        return clip(f"Not processed: {content.problem or 'unknown reason'}", SUMMARY_CHARS)
    return clip(content.summary, SUMMARY_CHARS) if content.summary else "No summary."


def _flag_lines(card: ReviewCard) -> list[str]:
    if card.withheld:
        return [f"**{f.category.value}**" for f in card.content.flags]
    return [
        clip(
            f"{f.category.value} · {f.severity.value} · {f.timestamp} · {f.reason}",
            FLAG_LINE_CHARS,
        )
        for f in card.content.flags
    ]


def _flag_fields(card: ReviewCard) -> list[CardField]:
    """The flags, packed into at most :data:`FLAG_FIELDS` fields; the rest counted."""
    fields: list[list[str]] = [[]]
    lines = _flag_lines(card)
    shown = 0
    for line in lines:
        if len("\n".join([*fields[-1], line])) > FIELD_CHARS - 80:
            if len(fields) == FLAG_FIELDS:
                break
            fields.append([])
        fields[-1].append(line)
        shown += 1
    if shown < len(lines):
        fields[-1].append(MORE_FLAGS.format(n=len(lines) - shown))
    names = ["Flags"] + ["Flags (more)"] * (len(fields) - 1)
    return [
        CardField(n, "\n".join(v), inline=False) for n, v in zip(names, fields, strict=True) if v
    ]


def _facts(card: ReviewCard) -> list[CardField]:
    content = card.content
    facts = [
        CardField("Author", f"{clip(card.author_name, 100)} · `{card.author_id}`"),
        CardField("Channel", f"<#{card.place.channel_id}>"),
        CardField("Sent", stamp(card.note_at)),
    ]
    if card.withheld:
        return facts
    if content.duration_s is not None:
        facts.append(CardField("Duration", format_duration(content.duration_s)))
    if content.languages:
        facts.append(CardField("Languages", clip(", ".join(content.languages), 200)))
    if content.emotions:
        facts.append(CardField("Emotions", emotions_text(content.emotions)))
    url = card_jump_url(card)
    if url is not None and not card.tombstone:
        facts.append(CardField("Original", f"[Jump to the message]({url})"))
    return facts


def status_line(card: ReviewCard) -> str | None:
    """``Reviewed by Bob · 14:05`` (the time in each reader's time zone)."""
    if card.action is None or card.action_at is None:
        return None
    verb = {
        CardAction.REVIEWED: "Reviewed",
        CardAction.FLAGGED: "Flagged",
        CardAction.UNFLAGGED: "Unflagged",
    }[card.action]
    return f"{verb} by {clip(card.action_by_name or '?', 80)} · {stamp(card.action_at, 't')}"


def _state_fields(card: ReviewCard) -> list[CardField]:
    fields = []
    if card.reporters:
        shown = ", ".join(f"<@{r}>" for r in card.reporters[:REPORTERS_SHOWN])
        more = len(card.reporters) - REPORTERS_SHOWN
        fields.append(CardField("Reported by", shown + (f" and {more} more" if more > 0 else "")))
    if card.tombstone:
        who = f" by {clip(card.deleted_by_name or '?', 80)}" if card.deleted_by else ""
        when = card.deleted_at or card.gone_at
        gone = f"Deleted{who} · {stamp(when)}" if when else "Deleted"
        fields.append(CardField("Original", gone + " · the transcript is erased", inline=False))
    line = status_line(card)
    if line is not None:
        fields.append(CardField("Status", line, inline=False))
    return fields


def _buttons(card: ReviewCard) -> tuple[CardButton, ...]:
    gone = card.tombstone
    pending = card.content.outcome is CardOutcome.PENDING
    return (
        CardButton(ButtonAction.REVIEWED, "Mark reviewed"),
        CardButton(ButtonAction.FLAG, "Unflag" if card.flagged else "Flag"),
        CardButton(ButtonAction.TRANSCRIPT, "Show transcript"),
        CardButton(ButtonAction.DELETE, "Delete original", disabled=gone),
        CardButton(ButtonAction.RERUN, "Re-run", disabled=gone or pending),
    )


def card_view(card: ReviewCard, settings: GuildSettings) -> CardView:
    """The card's view (see the module docstring); ``ping_role_id`` per :func:`ping_role`."""
    view = CardView(
        card_id=card.id,
        title=_title(card),
        description=_description(card),
        colour=_colour(card),
        fields=tuple(_facts(card) + _flag_fields(card) + _state_fields(card)),
        footer=f"Card {card.id}",
        buttons=_buttons(card),
        ping_role_id=ping_role(card, settings),
    )
    excess = view.size - TOTAL_CHARS
    if excess > 0:  # only with extreme names and reasons: the summary gives way
        description = clip(view.description, max(100, len(view.description) - excess - 10))
        view = CardView(**{**view.__dict__, "description": description})
    return view
