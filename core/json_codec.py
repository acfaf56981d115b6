"""JSON for stored values (JSON/JSONB columns, COPY rows): orjson, with the standard library
for the values orjson cannot hold exactly.

orjson encodes ~8x faster, but refuses integers beyond 64 bits and decodes them as floats,
which would lose digits of a metadata value: texts with such long digit runs go through the
standard library both ways. Datetimes and dataclasses are refused as json.dumps refuses them,
so that one left in a stored value fails the same way on either path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import orjson

_STRICT = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
# Keys that are str subclasses (SQLAlchemy's column names) or numbers, as json.dumps takes them.
_OPTIONS = _STRICT | orjson.OPT_NON_STR_KEYS
# 19 digits or more may be beyond 64 bits (2**63 has 19): decoded by the standard library.
_LONG_NUMBER = re.compile(rb"\d{19}")


def dumps_bytes(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """``value`` as compact UTF-8 JSON. ``default`` turns what JSON lacks into what it has."""
    try:
        return orjson.dumps(value, default=default, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError is one: a big integer
        return json.dumps(
            value, separators=(",", ":"), ensure_ascii=False, default=default
        ).encode()


def dumps(value: Any) -> str:
    return dumps_bytes(value).decode()


def loads(text: str | bytes) -> Any:
    raw = text.encode() if isinstance(text, str) else text
    if _LONG_NUMBER.search(raw):
        return json.loads(raw)
    return orjson.loads(raw)
