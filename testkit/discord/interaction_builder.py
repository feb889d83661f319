"""Build INTERACTION_CREATE payloads for slash commands, context menus and components."""

from __future__ import annotations

from typing import Any

from .core import Core
from .ids import new_token
from .interactions import FakeInteraction, InteractionType
from .models import JSON, FakeAttachment, FakeChannel, FakeGuild, FakeRole, FakeUser, StoredMessage
from .payloads import (
    attachment_payload,
    channel_payload,
    member_payload,
    role_payload,
    thread_payload,
    user_payload,
)

ATTACHMENT_OPTION, USER_OPTION, CHANNEL_OPTION, ROLE_OPTION, MENTIONABLE_OPTION = 11, 6, 7, 8, 9
_SUBCOMMANDS = (1, 2)


class InteractionBuilder:
    """Creates ``FakeInteraction`` objects with payloads shaped like Discord's."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def command(
        self,
        command: JSON,
        *,
        user: FakeUser,
        channel: FakeChannel,
        options: dict[str, Any],
        target: StoredMessage | None = None,
        locale: str = "en-US",
    ) -> FakeInteraction:
        """An APPLICATION_COMMAND interaction for a registered command."""
        resolved: JSON = {}
        data: JSON = {"id": command["id"], "name": command["name"], "type": command["type"]}
        if "guild_id" in command:
            data["guild_id"] = command["guild_id"]
        converted = self._options(command.get("options") or [], options, resolved, channel, user)
        if converted:
            data["options"] = converted
        if target is not None:
            data["target_id"] = str(target.id)
            resolved.setdefault("messages", {})[str(target.id)] = self.core.store.payload(target)
        if resolved:
            data["resolved"] = resolved
        return self._new(
            InteractionType.APPLICATION_COMMAND, command["name"], user, channel, data, locale
        )

    def component(
        self,
        message: StoredMessage,
        custom_id: str,
        *,
        user: FakeUser,
        component_type: int,
        values: list[str] | None,
    ) -> FakeInteraction:
        """A MESSAGE_COMPONENT interaction (button click or select) on ``message``.

        As in a real client, only a component the message shows (and not disabled) can be
        used, and an ephemeral message only by the person it was shown to."""
        _check_clickable(message, custom_id, user)
        channel = self.core.world.channel(message.channel_id)
        data: JSON = {"custom_id": custom_id, "component_type": component_type}
        if values is not None:
            data["values"] = values
        inter = self._new(
            InteractionType.MESSAGE_COMPONENT, custom_id, user, channel, data, "en-US"
        )
        inter.payload["message"] = self.core.store.payload(message)
        inter.component_message_id = message.id
        return inter

    def _new(
        self, kind: int, name: str, user: FakeUser, channel: FakeChannel, data: JSON, locale: str
    ) -> FakeInteraction:
        core = self.core
        guild = core.world.guild_of(channel)
        user_perms = core.world.permissions_for(channel, user.id)
        payload: JSON = {
            "id": str(core.ids.next()),
            "application_id": str(core.application_id),
            "type": kind,
            "data": data,
            "token": new_token(),
            "version": 1,
            "locale": locale,
            "channel_id": str(channel.id),
            "channel": channel_payload(channel) | {"permissions": str(user_perms)},
            "app_permissions": str(core.world.bot_permissions(channel)),
            "entitlements": [],
            "attachment_size_limit": core.filesize_limit(channel),
        }
        payload |= self._invoker(guild, user, user_perms)
        return FakeInteraction(
            id=int(payload["id"]),
            token=payload["token"],
            type=kind,
            name=name,
            user=user,
            channel_id=channel.id,
            guild_id=guild.id if guild else None,
            payload=payload,
            clock=core.clock,
        )

    @staticmethod
    def _invoker(guild: FakeGuild | None, user: FakeUser, perms: int) -> JSON:
        """Who invoked it: a member in a server (with their permissions there), else a user."""
        if guild is None:
            return {
                "user": user_payload(user),
                "context": 1,
                "authorizing_integration_owners": {"0": str(user.id)},
            }
        member = guild.members.get(user.id)
        if member is None:
            raise ValueError(f"{user.username} is not a member of guild {guild.name}")
        return {
            "guild_id": str(guild.id),
            "guild_locale": guild.locale,
            "context": 0,
            "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
            "member": member_payload(member) | {"permissions": str(perms)},
            "authorizing_integration_owners": {"0": str(guild.id)},
        }

    def _options(
        self,
        definitions: list[JSON],
        given: dict[str, Any],
        resolved: JSON,
        channel: FakeChannel,
        invoker: FakeUser,
    ) -> list[JSON]:
        by_name = {d["name"]: d for d in definitions}
        unknown = set(given) - set(by_name)
        if unknown:
            raise ValueError(f"unknown option(s) {sorted(unknown)}; known: {sorted(by_name)}")
        missing = [d["name"] for d in definitions if d.get("required") and d["name"] not in given]
        if missing:
            raise ValueError(f"missing required option(s) {missing}")
        out = []
        for name, value in given.items():
            definition = by_name[name]
            kind = int(definition["type"])
            if kind in _SUBCOMMANDS:
                nested = self._options(
                    definition.get("options") or [], value, resolved, channel, invoker
                )
                out.append({"name": name, "type": kind, "options": nested})
            else:
                out.append(
                    {
                        "name": name,
                        "type": kind,
                        "value": self._value(kind, value, resolved, channel, invoker),
                    }
                )
        return out

    def _value(
        self, kind: int, value: Any, resolved: JSON, channel: FakeChannel, invoker: FakeUser
    ) -> Any:
        """An option's value, and its object in ``resolved`` as Discord sends it
        (interactions/receiving-and-responding, Resolved Data Structure)."""
        if kind == ATTACHMENT_OPTION:
            if not isinstance(value, FakeAttachment):
                raise TypeError("attachment options take a FakeAttachment")
            att = self.core.store.make_attachment(channel.id, value, ephemeral=True)
            resolved.setdefault("attachments", {})[str(att.id)] = attachment_payload(
                att, self.core.cdn.url_for
            )
            return str(att.id)
        if isinstance(value, FakeUser) and kind in (USER_OPTION, MENTIONABLE_OPTION):
            self._resolve_user(value, resolved, channel)
            return str(value.id)
        if isinstance(value, FakeRole) and kind in (ROLE_OPTION, MENTIONABLE_OPTION):
            resolved.setdefault("roles", {})[str(value.id)] = role_payload(value)
            return str(value.id)
        if isinstance(value, FakeChannel) and kind == CHANNEL_OPTION:
            resolved.setdefault("channels", {})[str(value.id)] = _resolved_channel(
                value, self.core.world.permissions_for(value, invoker.id)
            )
            return str(value.id)
        return value

    def _resolve_user(self, user: FakeUser, resolved: JSON, channel: FakeChannel) -> None:
        """A user, and their partial member object ("missing user, deaf and mute") with
        their permissions in the channel of the interaction."""
        resolved.setdefault("users", {})[str(user.id)] = user_payload(user)
        guild = self.core.world.guild_of(channel)
        member = guild.members.get(user.id) if guild else None
        if member is not None:
            perms = self.core.world.permissions_for(channel, user.id)
            resolved.setdefault("members", {})[str(user.id)] = member_payload(
                member, with_user=False
            ) | {"permissions": str(perms)}


def _resolved_channel(channel: FakeChannel, invoker_permissions: int) -> JSON:
    """A resolved channel: "Partial Channel objects only have id, name, type and
    permissions fields. Threads will also have thread_metadata and parent_id fields."
    ``permissions`` are the INVOKING USER's, "including overwrites" (Channel Object:
    "computed permissions for the invoking user in the channel"), never the bot's."""
    data: JSON = {
        "id": str(channel.id),
        "name": channel.name,
        "type": int(channel.type),
        "permissions": str(invoker_permissions),
    }
    if channel.is_thread:
        full = thread_payload(channel)
        data |= {"thread_metadata": full["thread_metadata"], "parent_id": full["parent_id"]}
    return data


def _components(rows: list[JSON]) -> list[JSON]:
    """Every component of a message, action rows and containers flattened."""
    found: list[JSON] = []
    for row in rows:
        found.append(row)
        found.extend(_components(row.get("components", [])))
        if isinstance(row.get("accessory"), dict):
            found.append(row["accessory"])
    return found


def _check_clickable(message: StoredMessage, custom_id: str, user: FakeUser) -> None:
    usable = [
        c for c in _components(message.components) if c.get("custom_id") and not c.get("disabled")
    ]
    if custom_id not in {c["custom_id"] for c in usable}:
        raise ValueError(f"message {message.id} shows no usable component {custom_id!r}")
    viewer = (message.interaction_metadata or {}).get("user", {}).get("id")
    if message.ephemeral and viewer is not None and viewer != str(user.id):
        raise ValueError(f"{user.username} cannot see ephemeral message {message.id}")
