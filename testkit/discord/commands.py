"""Application commands: validation, ids and storage per scope (global or a guild)."""

from __future__ import annotations

import re
from typing import Any

from . import errors
from .errors import field_error, merge_errors
from .ids import SnowflakeGenerator
from .models import JSON

CHAT_INPUT, USER_COMMAND, MESSAGE_COMMAND = 1, 2, 3
_NAME = re.compile(r"^[-_'\w]{1,32}$")
_LIMITS = {CHAT_INPUT: 100, USER_COMMAND: 15, MESSAGE_COMMAND: 15}
_SUBCOMMAND_TYPES = (1, 2)


def _length_error(path: tuple[str | int, ...], low: int, high: int) -> JSON:
    return field_error(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def option_errors(options: list[JSON], path: tuple[str | int, ...]) -> JSON:
    """Field errors for a command's (or sub-command's) options."""
    problems: JSON = {}
    if len(options) > 25:
        return field_error(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    seen_optional = False
    for index, option in enumerate(options):
        where = (*path, index)
        name = str(option.get("name", ""))
        if not _NAME.match(name) or name != name.lower():
            merge_errors(
                problems,
                field_error(
                    (*where, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
                ),
            )
        if not 1 <= len(str(option.get("description", ""))) <= 100:
            merge_errors(problems, _length_error((*where, "description"), 1, 100))
        if option.get("type") in _SUBCOMMAND_TYPES:
            merge_errors(problems, option_errors(option.get("options") or [], (*where, "options")))
        elif option.get("required"):
            if seen_optional:
                merge_errors(
                    problems,
                    field_error(
                        where,
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    ),
                )
        else:
            seen_optional = True
    return problems


def command_errors(cmd: JSON, path: tuple[str | int, ...]) -> JSON:
    """Field errors for one command payload."""
    problems: JSON = {}
    kind = cmd.get("type", CHAT_INPUT)
    name, description = str(cmd.get("name", "")), str(cmd.get("description", ""))
    if kind == CHAT_INPUT:
        if not _NAME.match(name) or name != name.lower():
            merge_errors(
                problems,
                field_error(
                    (*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
                ),
            )
        if not 1 <= len(description) <= 100:
            merge_errors(problems, _length_error((*path, "description"), 1, 100))
        merge_errors(problems, option_errors(cmd.get("options") or [], (*path, "options")))
    else:
        if not 1 <= len(name) <= 32:
            merge_errors(problems, _length_error((*path, "name"), 1, 32))
        if description:
            merge_errors(
                problems,
                field_error(
                    (*path, "description"),
                    "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION",
                    "Context menu commands cannot have description",
                ),
            )
    return problems


class CommandRegistry:
    """Registered commands per scope (``None`` = global) and the history of syncs."""

    def __init__(self, ids: SnowflakeGenerator, application_id: int) -> None:
        self.ids = ids
        self.application_id = application_id
        self.scopes: dict[int | None, list[JSON]] = {}
        self.syncs: list[tuple[int | None, list[JSON]]] = []
        self._known_ids: dict[tuple[int | None, str, int], int] = {}

    def overwrite(self, guild_id: int | None, payload: Any) -> list[JSON]:
        """Bulk overwrite (``PUT``): validate all, then replace the scope."""
        if not isinstance(payload, list):
            raise errors.form_error((), "BASE_TYPE_ARRAY", "Must be an array.")
        problems: JSON = {}
        for index, cmd in enumerate(payload):
            merge_errors(problems, command_errors(cmd, (index,)))
        keys = [(c.get("name"), c.get("type", CHAT_INPUT)) for c in payload]
        if len(set(keys)) != len(keys):
            merge_errors(
                problems,
                field_error(
                    (),
                    "APPLICATION_COMMANDS_DUPLICATE_NAME",
                    "Application command names must be unique",
                ),
            )
        if problems:
            raise errors.invalid_form_body(problems)
        for kind, limit in _LIMITS.items():
            if sum(1 for _, k in keys if k == kind) > limit:
                raise errors.too_many_commands()
        self.syncs.append((guild_id, payload))
        self.scopes[guild_id] = [self._stored(guild_id, cmd) for cmd in payload]
        return self.scopes[guild_id]

    def upsert(self, guild_id: int | None, cmd: JSON) -> tuple[JSON, bool]:
        """Create or replace one command (``POST``); returns it and whether it is new."""
        problems = command_errors(cmd, ())
        if problems:
            raise errors.invalid_form_body(problems)
        stored = self._stored(guild_id, cmd)
        scope = self.scopes.setdefault(guild_id, [])
        existing = [c for c in scope if c["id"] == stored["id"]]
        for old in existing:
            scope.remove(old)
        scope.append(stored)
        return stored, not existing

    def get(self, guild_id: int | None, command_id: int) -> JSON:
        """One command of a scope; 404 10063 if missing."""
        for cmd in self.scopes.get(guild_id, []):
            if cmd["id"] == str(command_id):
                return cmd
        raise errors.unknown_command()

    def delete(self, guild_id: int | None, command_id: int) -> None:
        """Delete one command."""
        self.scopes[guild_id].remove(self.get(guild_id, command_id))

    def find(self, name: str, kind: int, guild_id: int | None) -> JSON | None:
        """The command a user in ``guild_id`` would run: guild commands first, then global."""
        scopes = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for cmd in self.scopes.get(scope, []):
                if cmd["name"] == name and cmd["type"] == kind:
                    return cmd
        return None

    def _stored(self, guild_id: int | None, cmd: JSON) -> JSON:
        kind = int(cmd.get("type", CHAT_INPUT))
        key = (guild_id, str(cmd.get("name")), kind)
        command_id = self._known_ids.setdefault(key, self.ids.next())
        stored: JSON = {
            "id": str(command_id),
            "application_id": str(self.application_id),
            "version": str(self.ids.next()),
            "type": kind,
            "name": cmd.get("name"),
            "name_localizations": cmd.get("name_localizations"),
            "description": cmd.get("description", ""),
            "description_localizations": cmd.get("description_localizations"),
            "default_member_permissions": cmd.get("default_member_permissions"),
            "contexts": cmd.get("contexts"),
            "integration_types": cmd.get("integration_types") or [0],
            "nsfw": bool(cmd.get("nsfw", False)),
        }
        if "dm_permission" in cmd:
            stored["dm_permission"] = cmd["dm_permission"]
        if cmd.get("options"):
            stored["options"] = cmd["options"]
        if guild_id is not None:
            stored["guild_id"] = str(guild_id)
        return stored
