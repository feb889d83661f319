"""Review's plain rules: moderators and viewers, content visibility, dates and words,
emotion shares and exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import InvalidOptions
from bot.model import Mode, Segment, Source, TranscriptDocument
from bot.review import (
    ChannelRules,
    ExportFormat,
    GuildRules,
    Overwrite,
    UnknownCard,
    Viewer,
    emotion_shares,
    every_viewer_sees,
    export_files,
    is_moderator,
    parse_when,
    search_words,
)
from bot.storage import GuildSettings
from tests.bot.review.test_view import card
from tests.helpers.cards import GENERAL, GUILD, STAFF, content, place

VIEW = 1 << 10
EVERYONE = GuildRules(everyone=VIEW, roles={1: 0, 2: 0, 3: 1 << 3})  # role 3: Administrator
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def test_moderators_have_manage_messages_or_the_role() -> None:
    with_role = GuildSettings(guild_id=GUILD, review_role_id=9)
    assert is_moderator(manage_messages=True, role_ids=[], settings=with_role)
    assert is_moderator(manage_messages=False, role_ids=[9], settings=with_role)
    assert not is_moderator(manage_messages=False, role_ids=[8], settings=with_role)
    assert not is_moderator(manage_messages=False, role_ids=[9], settings=GuildSettings(GUILD))


def test_a_viewer_sees_only_their_servers_visible_channels() -> None:
    viewer = Viewer(GUILD, 1, "Bob", True, visible=frozenset({GENERAL}), manages=frozenset())
    assert viewer.sees(place())
    assert not viewer.sees(place(channel_id=STAFF, access_channel_id=STAFF))
    assert not viewer.sees(place(guild_id=GUILD + 1))
    assert not viewer.sees(place(private_thread=True))
    assert not viewer.may_delete_in(place())
    with pytest.raises(UnknownCard) as unknown:
        viewer.check_card(card(place=place(channel_id=STAFF, access_channel_id=STAFF)), 7)
    with pytest.raises(UnknownCard) as missing:
        viewer.check_card(None, 7)
    assert unknown.value.user_message == missing.value.user_message


def test_content_is_shown_only_when_every_review_viewer_sees_the_source() -> None:
    public = ChannelRules()
    mods_only = ChannelRules(everyone=Overwrite(deny=VIEW), roles={1: Overwrite(allow=VIEW)})
    staff_only = ChannelRules(everyone=Overwrite(deny=VIEW), roles={2: Overwrite(allow=VIEW)})
    assert every_viewer_sees(EVERYONE, public, mods_only)  # a public note, a private review
    assert not every_viewer_sees(EVERYONE, staff_only, mods_only)  # mods can't see staff
    assert every_viewer_sees(EVERYONE, mods_only, mods_only)
    denied_role = ChannelRules(roles={1: Overwrite(deny=VIEW)})
    assert not every_viewer_sees(EVERYONE, denied_role, public)
    one_member = ChannelRules(members={77: Overwrite(deny=VIEW)})
    assert not every_viewer_sees(EVERYONE, one_member, public)
    many = GuildRules(everyone=VIEW, roles=dict.fromkeys(range(20), VIEW))
    assert not every_viewer_sees(many, public, public)  # too many to check: withheld


def test_dates_ages_and_words() -> None:
    assert parse_when("7d", now=NOW, field="since") == NOW - timedelta(days=7)
    assert parse_when("2030-01-31", now=NOW, field="since") == datetime(2030, 1, 31, tzinfo=UTC)
    until = parse_when("2030-01-31", now=NOW, field="until", end=True)
    assert until == datetime(2030, 2, 1, tzinfo=UTC)
    assert parse_when("2030-01-31 14:05", now=NOW, field="since").hour == 14
    with pytest.raises(InvalidOptions, match="couldn't read since"):
        parse_when("last tuesday", now=NOW, field="since")
    assert search_words('Threat "OR" garden_party*') == ("threat", "or", "garden", "party")
    with pytest.raises(InvalidOptions):
        search_words("*** ---")


def _document(*emotions: str | None) -> TranscriptDocument:
    source = Source(file_name="a", sha256="s", mime_type="audio/ogg", format="ogg", duration_s=9)
    segments = [
        Segment(
            start=i,
            end=i + 1,
            timestamp="00:00",
            speaker="A",
            content="x",
            language="en",
            emotion=e,
        )
        for i, e in enumerate(emotions)
    ]
    return TranscriptDocument(kind=Mode.TRANSCRIPT, model="m", source=source, segments=segments)


def test_emotion_shares_over_the_segments() -> None:
    shares = emotion_shares(_document("neutral", "angry", "neutral", "neutral"))
    assert shares == (("neutral", 0.75), ("angry", 0.25))
    summary = _document().model_copy(update={"kind": Mode.SUMMARY, "emotion": "sad"})
    assert emotion_shares(summary) == (("sad", 1.0),)


def test_segments_without_an_emotion_count_for_nothing() -> None:
    # The speech engine hears no emotion (document v2: null): no share, no crash.
    assert emotion_shares(_document(None, None)) == ()
    assert emotion_shares(_document("angry", None)) == (("angry", 1.0),)


def test_exports_in_both_formats_defuse_formulas() -> None:
    risky = card(content('=HYPERLINK("http://evil")'))
    (json_file,) = export_files([risky], [], ExportFormat.JSON, stem="x")
    assert json_file[0] == "x.json"
    data = json.loads(json_file[1])
    assert data["cards"][0]["summary"] == '=HYPERLINK("http://evil")'
    assert data["cards"][0]["jump_link"] == f"https://discord.com/channels/{GUILD}/200/300"
    cards_csv, audit_csv = export_files([risky], [], ExportFormat.CSV, stem="x")
    assert (cards_csv[0], audit_csv[0]) == ("x-cards.csv", "x-audit.csv")
    rows = list(csv.DictReader(io.StringIO(cards_csv[1].decode())))
    assert rows[0]["summary"].startswith("'=")
    assert rows[0]["author_id"] == "500"
