"""Strict JSON for everything a client sends: request bodies (import inputs among them), CSV
cells holding JSON, and JSON filter values.

Python's json module accepts what no database or client should get back: NaN and Infinity
(SQLite stores them, then every read of the record is invalid JSON; PostgreSQL refuses them),
numbers too large for a float (read as Infinity), lone UTF-16 surrogates (no UTF-8 encoding:
PostgreSQL refuses them half way through a write), and any depth (it recurses until Python's
stack runs out). ``loads`` refuses all of them with a message that says which.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64  # objects and arrays inside each other; real documents need a handful
_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonRejected(ValueError):
    """Why a JSON text is refused: the message completes "The request body ..."."""


def _no_constants(name: str) -> Any:
    raise JsonRejected(f"holds {name}, which JSON does not allow")


def loads(text: str | bytes) -> Any:
    """The value of a JSON text; JsonRejected when it is invalid or unsafe to store."""
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
