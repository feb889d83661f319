"""Replies cut at the token limit: keep what is complete, or fail with a clear message.

Gemini stops mid-JSON when the output budget runs out (``status == "incomplete"``, raised
as :class:`bot.errors.TruncatedOutput`). :func:`salvage_or_raise` is the one way the
pipeline turns such a reply into a value: the longest complete prefix, closed off, with the
reply model's ``salvage_defaults`` for the lists that ended early.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import ValidationError

from bot.errors import GeminiBadOutput, TruncatedOutput
from bot.gemini import GeminiReply

R = TypeVar("R", bound=GeminiReply)


def salvage_or_raise(cut: TruncatedOutput, model: type[R]) -> R:
    """The complete part of a cut reply as ``model``; GeminiBadOutput (with the cut's
    message for the person) when not even that is usable."""
    data = salvage_truncated_json(cut.text) or {}
    # What was salvaged, else the defaults alone: an empty transcript is an honest result
    # for a cut reply, an empty summary is not (a summary has no default).
    for candidate in ({**model.salvage_defaults, **data}, model.salvage_defaults):
        try:
            return model.model_validate(candidate)
        except ValidationError:
            continue
    raise GeminiBadOutput(cut.user_message, cut.usage)


def _closers(prefix: str) -> str | None:
    """The brackets that close ``prefix`` if it ends outside a string, else None."""
    stack: list[str] = []
    in_string = escaped = False
    for char in prefix:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            stack.append("]" if char == "[" else "}")
        elif char in "]}":
            if not stack:
                return None
            stack.pop()
    return None if in_string else "".join(reversed(stack))


def salvage_truncated_json(text: str, *, max_tries: int = 200) -> dict[str, Any] | None:
    """The longest complete prefix of a cut JSON object, closed off; None if nothing is.

    Tries cut points at each closing ``}`` from the end, so the result holds only whole
    segments: a half-written segment is dropped rather than shown truncated.
    """
    positions = [i for i, char in enumerate(text) if char == "}"]
    for position in reversed(positions[-max_tries:]):
        prefix = text[: position + 1]
        closers = _closers(prefix)
        if closers is None:
            continue
        try:
            value = json.loads(prefix + closers)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None
