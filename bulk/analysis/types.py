"""The type a column's values have: string | integer | number | boolean | date | datetime |
json | empty, from a cell's text (CSV, spreadsheets) or a JSON value (JSON, NDJSON).

A column's type is the join of its values' types: integers and numbers make a number, dates
and datetimes a datetime, empty cells change nothing, any other mix is a string.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

EMPTY = "empty"
BOOLEANS = frozenset({"true", "false", "yes", "no", "ja", "nein"})
INTEGER = re.compile(r"[+-]?(0|[1-9][0-9]*)")  # a leading zero is a code (00123), not a number
NUMBER = re.compile(r"[+-]?([0-9]+([.,][0-9]+)?|[.,][0-9]+)([eE][+-]?[0-9]+)?")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}.*")
WIDER = {
    frozenset({"integer", "number"}): "number",
    frozenset({"date", "datetime"}): "datetime",
}


def text_kind(text: str) -> str:
    value = text.strip()
    if not value:
        return EMPTY
    if value.lower() in BOOLEANS:
        return "boolean"
    if INTEGER.fullmatch(value):
        return "integer"
    if NUMBER.fullmatch(value):
        return "number"
    if value[0] in "[{":
        try:
            json.loads(value)
            return "json"
        except ValueError:
            return "string"
    if DATE.fullmatch(value):
        return _parsed(dt.date.fromisoformat, value, "date")
    if DATETIME.fullmatch(value):
        return _parsed(dt.datetime.fromisoformat, value.replace("Z", "+00:00"), "datetime")
    return "string"


def _parsed(parse: Any, value: str, kind: str) -> str:
    try:
        parse(value)
    except ValueError:
        return "string"
    return kind


def value_kind(value: Any) -> str:
    """A JSON value's type (strings are read as text is)."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, dict | list):
        return "json"
    return text_kind(str(value))


def join(a: str, b: str) -> str:
    if a == b or b == EMPTY:
        return a
    if a == EMPTY:
        return b
    return WIDER.get(frozenset((a, b)), "string")
