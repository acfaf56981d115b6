"""Strict JSON for everything a client sends: request bodies (import inputs among them), CSV
cells holding JSON, and JSON filter values.

Python's json module accepts what no database or client should get back: NaN and Infinity
(SQLite stores them, then every read of the record is invalid JSON; PostgreSQL refuses them),
numbers too large for a float (read as Infinity), lone UTF-16 surrogates (no UTF-8 encoding:
PostgreSQL refuses them half way through a write), and any depth (it recurses until Python's
stack runs out). ``loads`` refuses all of them with a message that says which.

orjson refuses most of them itself and decodes 2x faster, and this check of a decoded value is
slower still: a valid text is decoded by orjson and only its depth is checked (9 ms against 90
ms for a 10,000-item import). Whatever orjson refuses, or cannot decode exactly (integers beyond
64 bits, which it reads as floats), takes the thorough path, whose messages say what is wrong.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

MAX_DEPTH = 64  # objects and arrays inside each other; real documents need a handful
_SURROGATE = re.compile("[\ud800-\udfff]")
_LONG_NUMBER = re.compile(rb"\d{19}")  # may be beyond 64 bits: 2**63 has 19 digits


class JsonRejected(ValueError):
    """Why a JSON text is refused: the message completes "The request body ..."."""


def _no_constants(name: str) -> Any:
    raise JsonRejected(f"holds {name}, which JSON does not allow")


def loads(text: str | bytes) -> Any:
    """The value of a JSON text; JsonRejected when it is invalid or unsafe to store."""
    try:
        raw = text.encode() if isinstance(text, str) else text
        if not _LONG_NUMBER.search(raw):
            value = orjson.loads(raw)
            if not _deeper_than(value, MAX_DEPTH):
                return value
    except (orjson.JSONDecodeError, UnicodeEncodeError):
        pass  # the thorough path says why
    return _thorough_loads(text)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels: level by level, containers
    only (a 10,000-item import has two levels)."""
    level = [value] if type(value) is dict or type(value) is list else []
    for _ in range(limit):
        level = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if type(child) is dict or type(child) is list
        ]
        if not level:
            return False
    return bool(level)


def _thorough_loads(text: str | bytes) -> Any:
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except JsonRejected:
        raise
    except RecursionError:
        raise JsonRejected(f"nests arrays or objects more than {MAX_DEPTH} levels deep") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonRejected(f"is not valid JSON: {exc}") from None
    problem = problem_of(value)
    if problem:
        raise JsonRejected(problem)
    return value


def problem_of(value: Any) -> str | None:
    """Why a decoded JSON value cannot be stored, or None. Iterative: any depth is safe."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                return "holds a lone UTF-16 surrogate (\\ud800 to \\udfff), which is no character"
        elif isinstance(node, float):
            if not math.isfinite(node):
                return "holds a number too large to store"
        elif isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                return f"nests arrays or objects more than {MAX_DEPTH} levels deep"
            if isinstance(node, dict):
                stack.extend((key, depth) for key in node)
                stack.extend((item, depth + 1) for item in node.values())
            else:
                stack.extend((item, depth + 1) for item in node)
    return None
