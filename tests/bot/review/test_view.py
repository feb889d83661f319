"""What a card shows, within Discord's embed limits whatever Gemini returned."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.model import FlagCategory, Severity
from bot.review import ButtonAction, CardView, card_view
from bot.storage import (
    CardAction,
    CardContent,
    CardOutcome,
    CardStatus,
    GuildSettings,
    ReviewCard,
)
from tests.helpers.cards import BOB, GUILD, content, draft, flag

WHEN = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
MODS = 4242


def card(body: CardContent | None = None, **changes: object) -> ReviewCard:
    """A stored-looking card for a note by Alice."""
    base = draft(body=body or content())
    values: dict[str, object] = {
        **{f: getattr(base, f) for f in base.__dataclass_fields__},
        "id": 7,
        "flagged": bool((body or content()).flags),
        "flag_set_by": None,
        "status": CardStatus.UNREVIEWED,
        "reviewed_by": None,
        "reviewed_at": None,
        "action": None,
        "action_by": None,
        "action_by_name": None,
        "action_at": None,
        "deleted_by": None,
        "deleted_by_name": None,
        "deleted_at": None,
        "gone_at": None,
        "card_channel_id": None,
        "card_message_id": None,
        "post_attempts": 0,
        "created_at": WHEN,
        "updated_at": WHEN,
    }
    return ReviewCard(**(values | changes))  # type: ignore[arg-type]


def settings(**changes: object) -> GuildSettings:
    """A server with review on and a moderator role."""
    return GuildSettings(guild_id=GUILD, review_channel_id=1, review_role_id=MODS, **changes)  # type: ignore[arg-type]


def fields(view: CardView) -> dict[str, str]:
    return {f.name: f.value for f in view.fields}


def test_a_processed_note_shows_every_fact() -> None:
    view = card_view(card(), settings())
    shown = fields(view)
    assert view.title == "🎙️ Voice note"
    assert view.description == "Alice talks about the garden."
    assert shown["Author"] == "Alice · `500`"
    assert shown["Channel"] == "<#200>"
    assert shown["Sent"] == f"<t:{int(datetime(2030, 1, 1, 11, tzinfo=UTC).timestamp())}:f>"
    assert (shown["Duration"], shown["Languages"]) == ("4 s", "en")
    assert shown["Emotions"] == "neutral 70% · angry 30%"
    assert (
        shown["Original"] == f"[Jump to the message](https://discord.com/channels/{GUILD}/200/300)"
    )
    assert [b.label for b in view.buttons] == [
        "Mark reviewed",
        "Flag",
        "Show transcript",
        "Delete original",
        "Re-run",
    ]
    assert view.ping_role_id is None
    assert view.footer == "Card 7"


def test_flags_colour_title_and_the_ping_follow_severity() -> None:
    high = card(content("Loud.", flag(), flag(FlagCategory.SPAM, Severity.LOW, "Ads.")))
    view = card_view(high, settings())
    assert view.title == "⚠️ Flagged: threat, spam (high)"
    assert view.colour == 0xE74C3C
    assert view.ping_role_id == MODS
    assert fields(view)["Flags"].splitlines() == [
        "threat · high · 00:02 · A threat against a neighbour.",
        "spam · low · 00:02 · Ads.",
    ]
    assert [b.label for b in view.buttons][1] == "Unflag"
    low = card(content("Ads.", flag(FlagCategory.SPAM, Severity.LOW, "Ads.")))
    assert card_view(low, settings()).ping_role_id is None  # below min_severity (medium)
    assert card_view(low, settings(review_min_severity=Severity.LOW)).ping_role_id == MODS
    no_role = GuildSettings(guild_id=GUILD, review_channel_id=1)
    assert card_view(high, no_role).ping_role_id is None


def test_a_refusal_says_so_and_pings() -> None:
    refused = card(CardContent(outcome=CardOutcome.REFUSED, problem="refused"), flagged=True)
    view = card_view(refused, settings())
    assert view.title == "⛔ Gemini refused this note"
    assert "refused" in view.description
    assert view.ping_role_id == MODS


def test_withheld_content_shows_only_author_channel_time_and_categories() -> None:
    secret = card(content("The secret plan.", flag()), withheld=True)
    view = card_view(secret, settings())
    assert set(fields(view)) == {"Author", "Channel", "Sent", "Flags"}
    assert fields(view)["Flags"] == "**threat**"
    assert "secret" not in view.description
    assert "neighbour" not in str(view)


def test_huge_results_are_cut_cleanly_within_the_limits() -> None:
    reason = "word " * 400
    flags = [flag(reason=reason) for _ in range(60)]
    huge = card(content("long " * 5000, *flags), author_name="N" * 500)
    view = card_view(huge, settings())
    assert view.size <= 6000
    assert len(view.title) <= 256
    assert len(view.description) <= 4096
    assert view.description.endswith("…")
    assert len(view.fields) <= 25
    assert all(0 < len(f.value) <= 1024 and len(f.name) <= 256 for f in view.fields)
    flag_text = "\n".join(f.value for f in view.fields if f.name.startswith("Flags"))
    assert "more: **Show transcript** lists every flag." in flag_text


def test_untrusted_text_cannot_ping_or_format() -> None:
    rude = card(content("@everyone <@123> **bold** [link](http://x)"), author_name="<@&1> *")
    view = card_view(rude, settings())
    assert "@everyone" not in view.description
    assert "<@123>" not in view.description
    assert "**bold**" not in view.description
    assert "<@&1>" not in fields(view)["Author"]


def test_status_line_and_tombstone() -> None:
    reviewed = card(
        status=CardStatus.REVIEWED,
        action=CardAction.REVIEWED,
        action_by=BOB,
        action_by_name="Bob",
        action_at=WHEN,
    )
    view = card_view(reviewed, settings())
    assert fields(view)["Status"] == f"Reviewed by Bob · <t:{int(WHEN.timestamp())}:t>"
    assert view.colour == 0x2ECC71
    gone = replace(reviewed, gone_at=WHEN, deleted_by=BOB, deleted_by_name="Bob", deleted_at=WHEN)
    tomb = card_view(gone, settings())
    assert tomb.title.startswith("🪦 ")
    assert fields(tomb)["Original"].startswith("Deleted by Bob · ")
    disabled = {b.action for b in tomb.buttons if b.disabled}
    assert disabled == {ButtonAction.DELETE, ButtonAction.RERUN}
