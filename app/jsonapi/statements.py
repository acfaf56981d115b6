"""SQL statements built once and reused: the per-request reads run the same few statements.

Building a SQLAlchemy statement (a select of twenty columns, its count subquery, the
organization's filter) and computing its cache key cost more than running it; a statement kept
and run again reuses both, its varying values (page bounds, ids) bound at execution. Entries
are keyed by everything a statement is built from, the organization included.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Memo(Generic[T]):
    """Values by key, built on first use; at most ``size`` of them (the oldest go first)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: dict[Hashable, T] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        try:
            return self._items[key]
        except KeyError:
            pass
        value = build()  # outside the lock: two threads may build the same value, harmlessly
        with self._lock:
            if len(self._items) >= self.size:
                del self._items[next(iter(self._items))]
            self._items[key] = value
        return value
