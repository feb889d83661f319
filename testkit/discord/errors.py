"""Discord-style API errors.

Every error the fake returns uses Discord's body shape ``{"code", "message", "errors"?}`` so that
discord.py builds the same ``HTTPException``/``Forbidden``/``NotFound`` it builds against the real
API (``exc.code``, ``exc.status``, ``exc.text``).
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


class DiscordError(Exception):
    """An error response: HTTP status, Discord JSON error code, message and field errors."""

    def __init__(self, status: int, code: int, message: str, errors: JSON | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSON:
        """The JSON body Discord sends for this error."""
        body: JSON = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


def field_error(path: tuple[str | int, ...], code: str, message: str) -> JSON:
    """A nested ``errors`` object for one field, e.g. ``("embeds", 0, "title")``."""
    node: JSON = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path):
        node = {str(part): node}
    return node


def merge_errors(target: JSON, extra: JSON) -> JSON:
    """Deep-merge two ``errors`` objects (in place into ``target``) and return it."""
    for key, value in extra.items():
        if key == "_errors":
            target.setdefault("_errors", []).extend(value)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge_errors(target[key], value)
        else:
            target[key] = value
    return target


def invalid_form_body(errors: JSON) -> DiscordError:
    """400 / 50035 Invalid Form Body with field errors."""
    return DiscordError(400, 50035, "Invalid Form Body", errors)


def form_error(path: tuple[str | int, ...], code: str, message: str) -> DiscordError:
    """400 / 50035 for a single field."""
    return invalid_form_body(field_error(path, code, message))


def max_length(path: tuple[str | int, ...], limit: int) -> DiscordError:
    """50035 ``BASE_TYPE_MAX_LENGTH`` as Discord words it."""
    return form_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def unauthorized() -> DiscordError:
    """401 without a valid bot token."""
    return DiscordError(401, 0, "401: Unauthorized")


def route_not_found() -> DiscordError:
    """404 for a route Discord does not have."""
    return DiscordError(404, 0, "404: Not Found")


def method_not_allowed() -> DiscordError:
    """405 for a known path with the wrong method."""
    return DiscordError(405, 0, "405: Method Not Allowed")


def invalid_json() -> DiscordError:
    """400 / 50109 when the body is not valid JSON."""
    return DiscordError(400, 50109, "The request body contains invalid JSON.")


def unknown_channel() -> DiscordError:
    """404 / 10003."""
    return DiscordError(404, 10003, "Unknown Channel")


def unknown_message() -> DiscordError:
    """404 / 10008."""
    return DiscordError(404, 10008, "Unknown Message")


def unknown_user() -> DiscordError:
    """404 / 10013."""
    return DiscordError(404, 10013, "Unknown User")


def unknown_member() -> DiscordError:
    """404 / 10007."""
    return DiscordError(404, 10007, "Unknown Member")


def unknown_guild() -> DiscordError:
    """404 / 10004."""
    return DiscordError(404, 10004, "Unknown Guild")


def unknown_emoji() -> DiscordError:
    """400 / 10014."""
    return DiscordError(400, 10014, "Unknown Emoji")


def unknown_webhook() -> DiscordError:
    """404 / 10015."""
    return DiscordError(404, 10015, "Unknown Webhook")


def unknown_interaction() -> DiscordError:
    """404 / 10062: the 3-second window passed (or the interaction never existed)."""
    return DiscordError(404, 10062, "Unknown interaction")


def unknown_command() -> DiscordError:
    """404 / 10063."""
    return DiscordError(404, 10063, "Unknown application command")


def too_many_attachments() -> DiscordError:
    """400 / 30015: more than 10 attachments."""
    return DiscordError(400, 30015, "Maximum number of attachments in a message reached (10)")


def too_many_commands() -> DiscordError:
    """400 / 30032."""
    return DiscordError(400, 30032, "Maximum number of application commands reached")


def entity_too_large() -> DiscordError:
    """413 / 40005: an upload over the size limit."""
    return DiscordError(413, 40005, "Request entity too large")


def already_acknowledged() -> DiscordError:
    """400 / 40060: a second interaction callback."""
    return DiscordError(400, 40060, "Interaction has already been acknowledged.")


def missing_access() -> DiscordError:
    """403 / 50001: the bot cannot see the channel."""
    return DiscordError(403, 50001, "Missing Access")


def cannot_edit_other_author() -> DiscordError:
    """403 / 50005."""
    return DiscordError(403, 50005, "Cannot edit a message authored by another user")


def empty_message() -> DiscordError:
    """400 / 50006."""
    return DiscordError(400, 50006, "Cannot send an empty message")


def cannot_dm_user() -> DiscordError:
    """403 / 50007: the user closed their DMs."""
    return DiscordError(403, 50007, "Cannot send messages to this user")


def cannot_send_in_non_text() -> DiscordError:
    """400 / 50008."""
    return DiscordError(400, 50008, "Cannot send messages in a non-text channel")


def missing_permissions() -> DiscordError:
    """403 / 50013."""
    return DiscordError(403, 50013, "Missing Permissions")


def invalid_channel_type() -> DiscordError:
    """400 / 50024: e.g. a thread on a message that is already in a thread."""
    return DiscordError(400, 50024, "Cannot execute action on this channel type")


def invalid_webhook_token() -> DiscordError:
    """401 / 50027: interaction token older than 15 minutes."""
    return DiscordError(401, 50027, "Invalid Webhook Token")


def voice_message_error(code: int) -> DiscordError:
    """400 / 50159-50161 for malformed voice messages."""
    messages = {
        50159: "Voice messages do not support additional content.",
        50160: "Voice messages must have a single audio attachment.",
        50161: "Voice messages must have supporting metadata.",
    }
    return DiscordError(400, code, messages[code])


def thread_already_created() -> DiscordError:
    """400 / 160004: one thread per message."""
    return DiscordError(400, 160004, "A thread has already been created for this message")


def thread_locked() -> DiscordError:
    """400 / 160005."""
    return DiscordError(400, 160005, "Thread is locked")
