"""REST routes for interaction callbacks and the interaction webhook (followups, edits)."""

from __future__ import annotations

from . import errors
from .core import Core
from .errors import DiscordError
from .http_app import Handler, Reply, RequestContext, Router
from .interactions import (
    ACK_DEADLINE_SECONDS,
    AckInfo,
    CallbackAttempt,
    CallbackType,
    FakeInteraction,
    InteractionType,
)
from .models import JSON, MessageFlag, StoredMessage, UploadedFile
from .payloads import user_payload
from .validation import SENDABLE_FLAGS, draft_from_payload, file_specs, validate_message

_ALLOWED_CALLBACKS = {
    InteractionType.APPLICATION_COMMAND: {4, 5, 9, 12},
    InteractionType.MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    InteractionType.AUTOCOMPLETE: {8},
    InteractionType.MODAL_SUBMIT: {4, 5, 6, 7},
}
_WEBHOOK = "/webhooks/{application_id}/{token}"
_UPDATES = (CallbackType.DEFERRED_UPDATE_MESSAGE, CallbackType.UPDATE_MESSAGE)
_WEBHOOK_MESSAGE = _WEBHOOK + "/messages/{message_id}"
_INTERACTION_FLAGS = SENDABLE_FLAGS | MessageFlag.EPHEMERAL


class InteractionRoutes:
    """``/interactions/{id}/{token}/callback`` and ``/webhooks/{app}/{token}/...``."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def register(self, router: Router) -> None:
        """Add the routes: none of them needs the bot token, and "interaction endpoints are
        not bound to the bot's Global Rate Limit" (developers/topics/rate-limits)."""
        routes: list[tuple[str, str, Handler, str]] = [
            ("POST", "/interactions/{interaction_id}/{token}/callback", self.callback, ""),
            ("POST", _WEBHOOK, self.followup, "webhook-execute"),
            ("GET", _WEBHOOK_MESSAGE, self.get_message, ""),
            ("PATCH", _WEBHOOK_MESSAGE, self.edit_message, ""),
            ("DELETE", _WEBHOOK_MESSAGE, self.delete_message, ""),
        ]
        for method, template, handler, bucket in routes:
            router.add(method, template, handler, auth=False, bucket=bucket, global_limit=False)

    async def callback(self, ctx: RequestContext) -> Reply:
        """The first response: 10062 after 3 s, 40060 for a second one."""
        inter = self.core.interactions.get(ctx.snowflake("interaction_id"))
        if inter is None or inter.token != ctx.params["token"]:
            raise errors.unknown_interaction()
        payload = ctx.json()
        kind, data = int(payload.get("type") or 0), payload.get("data") or {}
        elapsed = inter.age
        try:
            message = await self._respond(inter, kind, data, ctx.files, elapsed)
        except DiscordError as exc:
            inter.attempts.append(CallbackAttempt(kind, elapsed, exc.status, exc.code))
            raise
        inter.attempts.append(CallbackAttempt(kind, elapsed, 200, None))
        ephemeral = bool(int(data.get("flags") or 0) & MessageFlag.EPHEMERAL)
        inter.ack = AckInfo(kind, elapsed, ephemeral, data, message)
        if ctx.query.get("with_response") not in ("1", "true", "True"):
            return Reply(None)
        return Reply(self._callback_response(inter, kind, message))

    async def _respond(
        self,
        inter: FakeInteraction,
        kind: int,
        data: JSON,
        files: list[UploadedFile],
        elapsed: float,
    ) -> StoredMessage | None:
        if inter.ack is not None:
            raise errors.already_acknowledged()
        if elapsed > ACK_DEADLINE_SECONDS:
            raise errors.unknown_interaction()
        if kind not in _ALLOWED_CALLBACKS.get(inter.type, set()):
            raise errors.form_error(
                ("type",), "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type"
            )
        if kind == CallbackType.CHANNEL_MESSAGE:
            self._validate(inter, data, files)
            message = await self._create(inter, data, files)
            inter.original = message
            return message
        if kind == CallbackType.DEFERRED_CHANNEL_MESSAGE:
            flags = int(data.get("flags") or 0)
            if flags & ~MessageFlag.EPHEMERAL:
                raise errors.form_error(
                    ("data", "flags"), "MESSAGE_FLAGS_INVALID", "Invalid message flags"
                )
            inter.original = await self._create(inter, {"flags": flags | MessageFlag.LOADING}, [])
            return inter.original
        if kind == CallbackType.UPDATE_MESSAGE and inter.component_message_id is not None:
            self._validate(inter, data, files, require_body=False)
            target = self.core.store.messages[inter.component_message_id]
            await self._apply_edit(inter, target, data, files)
            return target
        return None

    def _callback_response(
        self, inter: FakeInteraction, kind: int, message: StoredMessage | None
    ) -> JSON:
        info: JSON = {
            "id": str(inter.id),
            "type": inter.type,
            "activity_instance_id": None,
            "response_message_loading": kind == CallbackType.DEFERRED_CHANNEL_MESSAGE,
        }
        resource: JSON = {"type": kind}
        if message is not None:
            info["response_message_id"] = str(message.id)
            info["response_message_ephemeral"] = message.ephemeral
            resource["message"] = self.core.store.payload(message)
        return {"interaction": info, "resource": resource}

    def _validate(
        self,
        inter: FakeInteraction,
        data: JSON,
        files: list[UploadedFile],
        *,
        require_body: bool = True,
    ) -> None:
        channel = self.core.world.channel(inter.channel_id)
        validate_message(
            data,
            files,
            filesize_limit=self.core.filesize_limit(channel),
            allowed_flags=_INTERACTION_FLAGS,
            require_body=require_body,
        )

    async def _create(
        self, inter: FakeInteraction, data: JSON, files: list[UploadedFile]
    ) -> StoredMessage:
        channel = self.core.world.channel(inter.channel_id)
        draft = draft_from_payload(data, files)
        command_type = int(inter.payload.get("data", {}).get("type") or 1)
        draft.type = {1: 20}.get(command_type, 23) if inter.type == 2 else 0
        draft.webhook_id = draft.application_id = self.core.application_id
        owners = {"0": str(inter.guild_id)} if inter.guild_id else {"1": str(inter.user.id)}
        draft.interaction_metadata = {
            "id": str(inter.id),
            "type": inter.type,
            "name": inter.name,
            "user": user_payload(inter.user),
            "authorizing_integration_owners": owners,
        }
        msg = self.core.store.create(channel, self.core.bot_user, draft)
        await self.core.dispatch_message(msg)
        return msg

    def _by_token(self, ctx: RequestContext) -> FakeInteraction:
        if ctx.snowflake("application_id") != self.core.application_id:
            raise errors.unknown_webhook()
        token = ctx.params["token"]
        for inter in self.core.interactions.values():
            if inter.token == token:
                if inter.token_expired:
                    raise errors.invalid_webhook_token()
                return inter
        raise errors.unknown_webhook()

    def _webhook_message(self, ctx: RequestContext) -> tuple[FakeInteraction, StoredMessage]:
        inter = self._by_token(ctx)
        wanted = ctx.params["message_id"]
        original = _original_response(self.core, inter)
        for msg in [original, *inter.followups]:
            if (
                msg is not None
                and not msg.deleted
                and (wanted == str(msg.id) or (wanted == "@original" and msg is original))
            ):
                return inter, msg
        raise errors.unknown_message()

    async def followup(self, ctx: RequestContext) -> Reply:
        """A followup; the first one after a defer replaces the "thinking" message."""
        inter = self._by_token(ctx)
        if inter.ack is None:
            raise errors.unknown_webhook()
        payload = ctx.json()
        self._validate(inter, payload, ctx.files)
        original = inter.original
        # Once the original response is gone (deleted, or an ephemeral one dismissed),
        # Discord refuses followups with 404 10008 Unknown Message: the stricter reading of
        # what bots meet in production, where a followup is no way around a deleted response.
        if original is not None and original.deleted:
            raise errors.unknown_message()
        if original is not None and original.flags & MessageFlag.LOADING and not inter.followups:
            await self._apply_edit(inter, original, payload, ctx.files)
            msg = original
        else:
            msg = await self._create(inter, payload, ctx.files)
        inter.followups.append(msg)
        wait = ctx.query.get("wait", "false").lower() in ("1", "true")
        return Reply(self.core.store.payload(msg) if wait else None)

    async def get_message(self, ctx: RequestContext) -> Reply:
        """``GET .../messages/@original`` or a followup."""
        _, msg = self._webhook_message(ctx)
        return Reply(self.core.store.payload(msg))

    async def edit_message(self, ctx: RequestContext) -> Reply:
        """``PATCH .../messages/@original`` (also completes a deferred response)."""
        inter, msg = self._webhook_message(ctx)
        payload = ctx.json()
        self._validate(inter, payload, ctx.files, require_body=False)
        await self._apply_edit(inter, msg, payload, ctx.files)
        return Reply(self.core.store.payload(msg))

    async def delete_message(self, ctx: RequestContext) -> Reply:
        """``DELETE .../messages/@original`` or a followup."""
        _, msg = self._webhook_message(ctx)
        msg.deleted = True
        if not msg.ephemeral:
            await self.core.dispatch_delete(msg)
        return Reply(None)

    async def _apply_edit(
        self, inter: FakeInteraction, msg: StoredMessage, payload: JSON, files: list[UploadedFile]
    ) -> None:
        changes = dict(payload)
        changes.pop("flags", None)
        self.core.store.edit(msg, changes, file_specs(payload, files))
        msg.flags &= ~MessageFlag.LOADING
        await self.core.dispatch_message(msg, "MESSAGE_UPDATE")


def _original_response(core: Core, inter: FakeInteraction) -> StoredMessage | None:
    """What ``@original`` names: the interaction's own response message, or, for a
    component acknowledged with DEFERRED_UPDATE_MESSAGE (6) or UPDATE_MESSAGE (7), the
    message the component is on (interactions/receiving-and-responding: type 6 is "for
    components, ACK an interaction and edit the original message later")."""
    if inter.original is not None or inter.component_message_id is None:
        return inter.original
    if inter.ack is None or inter.ack.type not in _UPDATES:
        return None
    return core.store.messages.get(inter.component_message_id)
