"""ServerAdmin: what admins enter, parsed, validated, written and audited the same way from
the commands and the dashboard."""

from __future__ import annotations

import pytest

from bot.admin import INHERIT, ServerAdmin, parse_changes
from bot.errors import InvalidOptions
from bot.options import OutputMode
from bot.storage import AutoMode, Storage

GUILD, ADMIN = 7, 99


def test_empty_fields_mean_unchanged_and_values_are_parsed() -> None:
    changes = parse_changes(
        {"output": "summary", "translate_to": "", "max_duration": "1:30", "quiet": None}
    )
    assert changes == {"output_mode": OutputMode.SUMMARY, "max_duration_s": 90.0}


@pytest.mark.parametrize("word", ["default", "DEFAULT", " none ", "off"])
def test_default_clears_the_max_duration(word: str) -> None:
    assert parse_changes({"max_duration": word}) == {"max_duration_s": None}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"output": "poem"}, "output must be one of"),
        ({"auto": "sometimes"}, "auto must be one of"),
        ({"max_duration": "0"}, "at least one second"),
        ({"max_duration": "soon"}, "couldn't read max_duration"),
    ],
)
def test_invalid_values_are_explained(raw: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidOptions, match=message):
        parse_changes(raw)


def test_an_unknown_field_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        parse_changes({"owner": "me"})


async def test_only_real_changes_are_written_and_audited(storage: Storage) -> None:
    admin = ServerAdmin(storage)
    await admin.update(GUILD, ADMIN, {"output": "summary", "quiet": True})
    await admin.update(GUILD, ADMIN, {"output": "summary", "quiet": True})  # the same again
    log = await storage.audit_log(GUILD)
    assert [(e.action, e.actor_id) for e in log] == [("settings.update", ADMIN)]
    assert (await storage.guild_settings(GUILD)).quiet


async def test_channel_modes_and_exempt_roles_are_audited(storage: Storage) -> None:
    admin = ServerAdmin(storage)
    assert await admin.set_channel_mode(GUILD, ADMIN, 5, "off") is AutoMode.OFF
    assert await admin.set_channel_mode(GUILD, ADMIN, 5, INHERIT) is None
    await admin.set_exempt_role(GUILD, ADMIN, 11, exempt=True)
    assert (await storage.guild_settings(GUILD)).exempt_role_ids == (11,)
    await admin.set_exempt_role(GUILD, ADMIN, 11, exempt=False)
    assert (await storage.guild_settings(GUILD)).exempt_role_ids == ()
    actions = [e.action for e in await storage.audit_log(GUILD)]
    assert sorted(actions) == sorted(["channel.auto_mode"] * 2 + ["settings.exempt_role"] * 2)
