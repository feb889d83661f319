"""Response-schema handling of the fake Gemini: strict keyword checks and example values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from testkit.gemini._replies import JsonObject

# Keywords the fake refuses anywhere in a response schema. Real Gemini rejects several of
# these and handles others inconsistently; refusing them all keeps our schemas flat.
UNSUPPORTED_KEYWORDS = (
    "$ref",
    "$defs",
    "definitions",
    "allOf",
    "oneOf",
    "not",
    "patternProperties",
    "const",
)

_FORMAT_TYPES = frozenset({"text", "audio", "image", "video"})


def response_schema_of(body: JsonObject) -> JsonObject | None:
    """The JSON schema an interactions request asks the output to follow, if any.

    Accepts the typed form ``{"type": "text", "mime_type": ..., "schema": {...}}``, a list
    of such formats, and a bare schema passed as ``response_format`` (which the SDK allows).
    """
    fmt = body.get("response_format")
    formats = fmt if isinstance(fmt, list) else [fmt]
    for item in formats:
        if not isinstance(item, dict):
            continue
        if item.get("type") in _FORMAT_TYPES:
            schema = item.get("schema")
            if isinstance(schema, dict):
                return schema
            continue
        return item
    return None


def _subschemas(schema: JsonObject, path: str) -> Iterator[tuple[str, Any]]:
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, sub in properties.items():
            yield f"{path}.properties.{name}", sub
    items = schema.get("items")
    if isinstance(items, dict):
        yield f"{path}.items", items
    for key in ("anyOf", "prefixItems", "items"):
        seq = schema.get(key)
        if isinstance(seq, list):
            for index, sub in enumerate(seq):
                yield f"{path}.{key}[{index}]", sub


def find_unsupported_keyword(schema: Any, path: str = "schema") -> tuple[str, str] | None:
    """The first ``(keyword, path)`` the fake rejects, walking subschemas only.

    Property *names* are not keywords: a property called ``const`` is fine.
    ``additionalProperties`` is rejected only when it is a schema object (a boolean is ok).
    """
    if not isinstance(schema, dict):
        return None
    for keyword in UNSUPPORTED_KEYWORDS:
        if keyword in schema:
            return keyword, path
    if isinstance(schema.get("additionalProperties"), dict):
        return "additionalProperties", path
    for sub_path, sub in _subschemas(schema, path):
        found = find_unsupported_keyword(sub, sub_path)
        if found is not None:
            return found
    return None


def _schema_type(schema: JsonObject) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if str(k).lower() != "null"), None)
    if isinstance(kind, str):
        return kind.lower()
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def _clamp(value: float, schema: JsonObject) -> float:
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int | float) and value < low:
        value = low
    if isinstance(high, int | float) and value > high:
        value = high
    return value


def _array_example(schema: JsonObject) -> list[Any]:
    count = 2
    low, high = schema.get("minItems"), schema.get("maxItems")
    if isinstance(low, int):
        count = max(count, low)
    if isinstance(high, int):
        count = min(count, high)
    return [example_for(schema.get("items")) for _ in range(count)]


def example_for(schema: Any) -> Any:
    """A value conforming to ``schema``: objects with every property, arrays of two items,
    the first enum value, strings ``"lorem"``, numbers 0 (within minimum/maximum), ``False``.
    """
    if not isinstance(schema, dict):
        return "lorem"
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]
    options = schema.get("anyOf")
    if isinstance(options, list) and options:
        typed = [o for o in options if not (isinstance(o, dict) and o.get("type") == "null")]
        return example_for((typed or options)[0])
    kind = _schema_type(schema)
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: example_for(sub) for name, sub in properties.items()}
    if kind == "array":
        return _array_example(schema)
    if kind == "integer":
        return int(_clamp(0, schema))
    if kind == "number":
        return _clamp(0, schema)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "lorem"
