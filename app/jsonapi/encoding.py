"""JSON encoding: compact UTF-8, orjson first, the standard library for what orjson refuses.

orjson refuses integers beyond 64 bits (JSON metadata may hold them); the standard library
writes them. Both write the same JSON for everything else (floats aside, ``1e-07`` against
``1e-7``), and neither accepts what json.dumps never did: a datetime or a dataclass left in a
document is a bug that fails the same way with either.

Parts of a document may be encoded ahead of the rest (``Encoded``, e.g. the resource objects of
app/jsonapi/compiled.py); ``encode`` splices them in as they are.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


class Encoded:
    """A value already encoded as JSON (``raw``), to be put in a document as it is."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def __repr__(self) -> str:
        return f"Encoded({self.raw[:60]!r}...)"


def _splice(value: Any) -> Any:
    if type(value) is Encoded:
        return orjson.Fragment(value.raw)
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def _decode(value: Any) -> Any:
    if type(value) is Encoded:
        return json.loads(value.raw)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> bytes:
    """``value`` as compact UTF-8 JSON."""
    try:
        return orjson.dumps(value, default=_splice, option=_STRICT)
    except TypeError:  # orjson.JSONEncodeError is one
        return json.dumps(
            value, separators=(",", ":"), ensure_ascii=False, default=_decode
        ).encode()


def escaped(text: str) -> bytes:
    """``text`` as the inside of a JSON string (escaped, without the quotes)."""
    return dumps(text)[1:-1]
