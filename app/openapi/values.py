"""The JSON Schema of one attribute's value, from its declaration: its kind (or the shape a
list attribute declares), choices, lengths, pattern and bounds."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from resources.fields import Attr, Integer

BY_KIND: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "float": {"type": "number"},
    "boolean": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "object": {"type": "object"},
}


def value_schema(attr: Attr, choices: Sequence[str] | None = None) -> dict[str, Any]:
    """What a value of ``attr`` may be, null aside; ``choices``: those its service checks."""
    schema = copy.deepcopy(attr.json_schema or BY_KIND[attr.kind])
    enum = attr.choices or choices
    if enum:
        schema["enum"] = list(enum)
    if schema.get("type") == "string" and "format" not in schema and not enum:
        limit = attr.max_length or getattr(attr.column_type, "length", None)
        if limit:
            schema["maxLength"] = limit
        if attr.min_length:
            schema["minLength"] = attr.min_length
        if attr.pattern is not None:
            schema["pattern"] = f"^(?:{attr.pattern.pattern})$"  # declarations fullmatch
    if attr.minimum is not None:
        schema["minimum"] = attr.minimum
    if isinstance(attr, Integer):
        schema.setdefault("minimum", -Integer.MAX - 1)
        schema["maximum"] = Integer.MAX
    if attr.default is not None and not callable(attr.default):
        schema["default"] = attr.default
    return schema


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null."""
    kind = schema.get("type")
    if isinstance(kind, str):
        out = {**schema, "type": [kind, "null"]}
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return out
    alternatives = schema.get("anyOf")
    if alternatives is not None and len(schema) == 1:
        return {"anyOf": [*alternatives, {"type": "null"}]}
    return {"anyOf": [schema, {"type": "null"}]}


def described(attr: Attr, shown: bool) -> str | None:
    """What the declaration says about an attribute beyond its type (``shown``: in records)."""
    notes = []
    if attr.update_only:
        notes.append("Trigger: send it in an update to act on the record; never shown.")
    elif not shown:
        notes.append("Write-only: never shown.")
    if attr.create_only:
        notes.append("Set on create only.")
    if attr.hidden and not attr.secret:
        notes.append(f"Shown only when asked for, with `fields[<type>]={attr.name}`.")
    if attr.alias:
        notes.append(f"Imports and exports also call it `{attr.alias}`.")
    return " ".join(notes) or None
