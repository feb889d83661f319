"""JSON schemas for Gemini, generated from the pydantic models the replies are parsed into.

Gemini's structured output accepts a subset of JSON Schema: no ``$ref``/``$defs``, no
``title``/``default``/``additionalProperties`` noise. :func:`gemini_schema` inlines every
reference and keeps only the keywords Gemini documents, so one model definition serves as
both the request schema and the parser.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from pydantic import BaseModel

# Keywords of the OpenAPI-style subset Gemini documents for response schemas.
_KEPT_KEYWORDS = frozenset(
    {
        "type",
        "description",
        "enum",
        "properties",
        "required",
        "items",
        "format",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "nullable",
        "propertyOrdering",
    }
)


def _resolve(node: Any, defs: dict[str, Any]) -> Any:
    """Inline ``$ref`` and drop keywords Gemini does not accept, recursively."""
    if isinstance(node, list):
        return [_resolve(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return _resolve(merged, defs)
    if "const" in node:  # a one-value Literal: say it as a one-value enum
        node = {**{k: v for k, v in node.items() if k != "const"}, "enum": [node["const"]]}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key not in _KEPT_KEYWORDS:
            continue
        if key == "properties":
            out[key] = {name: _resolve(sub, defs) for name, sub in value.items()}
        else:
            out[key] = _resolve(value, defs)
    if "properties" in out:
        # Gemini emits properties in this order; summary-before-segments reads better when
        # the output is cut, and the order is stable for snapshot tests.
        out["propertyOrdering"] = list(out["properties"])
    return out


@cache
def gemini_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The flattened response schema for ``model`` (cached: it never changes at runtime)."""
    raw = model.model_json_schema(mode="validation")
    defs = raw.get("$defs", {})
    return dict(_resolve(raw, defs))


def schema_fingerprint(model: type[BaseModel]) -> str:
    """A short stable hash of the schema, part of the result cache key."""
    encoded = json.dumps(gemini_schema(model), sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()[:12]
