"""Per-column statistics in one pass with bounded memory: counts, type, samples, and distinct
values counted exactly up to ``EXACT_UNIQUE`` per column, then estimated (k minimum values:
the ``SKETCH`` smallest hashes of the values seen say how many distinct ones there are, within
a few percent), so 200,000 rows of unique codes cost the same memory as 10,000.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Iterable
from typing import Any

from bulk.analysis.types import EMPTY, join, text_kind, value_kind

EXACT_UNIQUE = 10_000
SKETCH = 1024
SAMPLES = 5
HASH_SPACE = 2**64


class Column:
    __slots__ = (
        "name", "kind", "total", "empty", "samples", "distinct", "sketch", "members", "kept",
    )  # fmt: skip

    def __init__(self, name: str) -> None:
        self.name = name
        self.kind = EMPTY
        self.total = 0  # cells (empty ones included)
        self.empty = 0
        self.samples: list[str] = []
        # value -> its type, while distinct values are counted exactly (None after)
        self.distinct: dict[str, str] | None = {}
        self.sketch: list[int] = []  # max-heap (negated) of the smallest hashes
        self.members: set[int] = set()
        self.kept: list[str] = []  # the first distinct values, once they are no longer counted

    def add_texts(self, texts: Iterable[str]) -> None:
        """A block of the column's cells (text): one call per block, and a seen value costs a
        dict lookup (past the exact count, its type and a hash), as this runs for every cell."""
        distinct, empty, count = self.distinct, 0, 0
        bound = self._bound()
        for text in texts:
            count += 1
            if distinct is not None and text in distinct:
                continue  # seen: its type and sample are in already
            if not text or text.isspace():
                empty += 1
                continue
            if distinct is None:  # sketched: every value is typed, few are kept
                if self.kind != "string":
                    self.kind = join(self.kind, text_kind(text))
                if hash(text) % HASH_SPACE < bound:
                    self._sketch(text)
                    bound = self._bound()
                continue
            # once a string, always a string: no value needs its type worked out any more
            self._new(text, "string" if self.kind == "string" else text_kind(text))
            distinct, bound = self.distinct, self._bound()
        self.total += count
        self.empty += empty

    def _bound(self) -> int:
        """A hash at or above which the full sketch keeps no value."""
        return -self.sketch[0] if len(self.sketch) >= SKETCH else HASH_SPACE

    def add_value(self, value: Any) -> None:
        """A JSON value (JSON, NDJSON sources); objects and arrays count by their JSON text."""
        kind = value_kind(value)
        if kind == EMPTY:
            self.total += 1
            self.empty += 1
            return
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        self.total += 1
        if self.distinct is not None and text in self.distinct:
            return
        self._new(text, kind)

    def _new(self, text: str, kind: str) -> None:
        self.kind = join(self.kind, kind)
        distinct = self.distinct
        if distinct is not None:
            if len(self.samples) < SAMPLES:
                self.samples.append(text)
            distinct[text] = kind
            if len(distinct) > EXACT_UNIQUE:
                for known in distinct:
                    self._sketch(known)
                self.kept, self.distinct = list(distinct), None
        else:
            self._sketch(text)

    def _sketch(self, text: str) -> None:
        h = hash(text) % HASH_SPACE  # per process: the estimate is made within one
        sketch = self.sketch
        if len(sketch) < SKETCH:
            if h not in self.members:
                self.members.add(h)
                heapq.heappush(sketch, -h)
        elif h < -sketch[0] and h not in self.members:
            self.members.discard(-heapq.heappushpop(sketch, -h))
            self.members.add(h)

    @property
    def unique_count(self) -> int:
        if self.distinct is not None:
            return len(self.distinct)
        largest = -self.sketch[0]
        return max(EXACT_UNIQUE, round((SKETCH - 1) * HASH_SPACE / (largest + 1)))

    def values(self) -> list[str]:
        """The distinct values kept: all of them while exact, else the first ones seen."""
        return list(self.distinct) if self.distinct is not None else self.kept

    def report(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "inferred_type": self.kind,
            "sample_values": self.samples,
            "total_values": self.total,
            "unique_count": self.unique_count,
            "unique_count_exact": self.distinct is not None,
            "empty_count": self.empty,
        }
