"""Server settings, channel modes and opt-outs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.errors import InvalidOptions
from bot.model import Severity
from bot.options import OutputMode
from bot.storage import AutoMode, GuildSettings, ReplyStyle, ReviewCards, Storage


async def test_defaults_when_a_server_changed_nothing(storage: Storage) -> None:
    assert await storage.guild_settings(1) == GuildSettings(guild_id=1)
    defaults = GuildSettings(guild_id=1)
    assert (defaults.auto_mode, defaults.output_mode, defaults.reply_style) == (
        AutoMode.VOICE,
        OutputMode.BOTH,
        ReplyStyle.THREAD,
    )


async def test_updates_are_returned_and_persisted(storage: Storage) -> None:
    updated = await storage.update_guild_settings(
        7,
        auto_mode="all",
        output_mode=OutputMode.SUMMARY,
        translate_to="  German ",
        reply_style=ReplyStyle.REPLY,
        max_duration_s=600,
        quiet=True,
        review_channel_id=1234567890123456789,
        exempt_role_ids=[3, 1, 3],
    )
    expected = GuildSettings(
        guild_id=7,
        auto_mode=AutoMode.ALL_AUDIO,
        output_mode=OutputMode.SUMMARY,
        translate_to="German",
        reply_style=ReplyStyle.REPLY,
        max_duration_s=600.0,
        quiet=True,
        review_channel_id=1234567890123456789,
        exempt_role_ids=(3, 1),
    )
    assert updated == expected
    assert await storage.guild_settings(7) == expected
    assert await storage.guild_settings(8) == GuildSettings(guild_id=8)


async def test_partial_updates_keep_other_settings(storage: Storage) -> None:
    await storage.update_guild_settings(1, quiet=True)
    await storage.update_guild_settings(1, max_duration_s=120.5)
    settings = await storage.update_guild_settings(1, max_duration_s=None)
    assert settings.quiet is True
    assert settings.max_duration_s is None
    assert await storage.update_guild_settings(1) == settings


async def test_concurrent_updates_of_different_settings_both_stick(storage: Storage) -> None:
    await asyncio.gather(
        storage.update_guild_settings(1, quiet=True),
        storage.update_guild_settings(1, translate_to="French"),
        storage.update_guild_settings(1, reply_style="reply"),
    )
    settings = await storage.guild_settings(1)
    assert (settings.quiet, settings.translate_to, settings.reply_style) == (
        True,
        "French",
        ReplyStyle.REPLY,
    )


async def test_unknown_setting_names_are_refused(storage: Storage) -> None:
    with pytest.raises(TypeError, match="colour"):
        await storage.update_guild_settings(1, colour="blue")


@pytest.mark.parametrize(
    "change",
    [
        {"auto_mode": "sometimes"},
        {"output_mode": "poem"},
        {"reply_style": "dm"},
        {"translate_to": "   "},
        {"translate_to": "x" * 41},
        {"max_duration_s": 0},
        {"max_duration_s": -5},
        {"max_duration_s": float("nan")},
        {"max_duration_s": "600"},
        {"quiet": "yes"},
        {"review_channel_id": True},
        {"review_channel_id": -1},
        {"exempt_role_ids": "123"},
        {"exempt_role_ids": [1, "2"]},
    ],
)
async def test_bad_values_are_invalid_options(storage: Storage, change: dict[str, Any]) -> None:
    with pytest.raises(InvalidOptions):
        await storage.update_guild_settings(1, **change)
    assert await storage.guild_settings(1) == GuildSettings(guild_id=1)


async def test_channel_auto_mode_overrides_and_clears(storage: Storage) -> None:
    assert await storage.channel_auto_mode(10) is None
    await storage.set_channel_auto_mode(1, 10, AutoMode.OFF)
    await storage.set_channel_auto_mode(1, 11, AutoMode.ALL_AUDIO)
    assert await storage.channel_auto_mode(10) is AutoMode.OFF
    await storage.set_channel_auto_mode(1, 10, AutoMode.VOICE)
    assert await storage.channel_auto_mode(10) is AutoMode.VOICE
    await storage.set_channel_auto_mode(1, 10, None)
    assert await storage.channel_auto_mode(10) is None
    assert await storage.channel_auto_mode(11) is AutoMode.ALL_AUDIO
    await storage.set_channel_auto_mode(1, 12, None)  # clearing an unset channel is fine
    assert await storage.channel_auto_mode(12) is None


async def test_opt_out_round_trip(storage: Storage) -> None:
    assert await storage.is_opted_out(42) is False
    await storage.set_opt_out(42, True)
    await storage.set_opt_out(42, True)  # idempotent
    assert await storage.is_opted_out(42) is True
    assert await storage.is_opted_out(43) is False
    await storage.set_opt_out(42, False)
    await storage.set_opt_out(42, False)
    assert await storage.is_opted_out(42) is False


async def test_review_settings_are_validated_and_kept(storage: Storage) -> None:
    updated = await storage.update_guild_settings(
        3,
        review_channel_id=11,
        review_role_id=12,
        review_cards="flagged",
        review_min_severity="low",
    )
    assert (updated.review_on, updated.review_role_id) == (True, 12)
    assert (updated.review_cards, updated.review_min_severity) == (
        ReviewCards.FLAGGED,
        Severity.LOW,
    )
    off = await storage.update_guild_settings(3, review_channel_id=None)
    assert (off.review_on, off.review_role_id, off.review_cards) == (False, 12, ReviewCards.FLAGGED)
    for bad in ({"review_cards": "some"}, {"review_min_severity": "urgent"}, {"review_role_id": 0}):
        with pytest.raises(InvalidOptions):
            await storage.update_guild_settings(3, **bad)


@pytest.mark.parametrize("server_had_settings", [False, True], ids=["new-server", "known-server"])
async def test_exempt_roles_changed_at_once_from_two_processes_all_count(
    storage: Storage, storage_url: str, server_had_settings: bool
) -> None:
    if server_had_settings:
        await storage.update_guild_settings(7, quiet=True, exempt_role_ids=[1, 2])
    other_process = await Storage.open(storage_url)
    try:
        changes = [
            *(storage.set_exempt_role(7, role, exempt=True) for role in (10, 11, 12)),
            *(other_process.set_exempt_role(7, role, exempt=True) for role in (20, 21, 22)),
            other_process.set_exempt_role(7, 2, exempt=False),
        ]
        await asyncio.gather(*changes)
    finally:
        await other_process.close()
    settings = await storage.guild_settings(7)
    kept = {1} if server_had_settings else set()
    assert set(settings.exempt_role_ids) == kept | {10, 11, 12, 20, 21, 22}
    assert settings.quiet is server_had_settings  # the other settings are untouched


async def test_an_exempt_role_is_checked_and_listed_once(storage: Storage) -> None:
    await storage.set_exempt_role(7, 10, exempt=True)
    updated = await storage.set_exempt_role(7, 10, exempt=True)
    assert updated.exempt_role_ids == (10,)
    assert (await storage.set_exempt_role(7, 99, exempt=False)).exempt_role_ids == (10,)
    with pytest.raises(InvalidOptions, match="Discord id"):
        await storage.set_exempt_role(7, 0, exempt=True)
