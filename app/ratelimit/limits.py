"""What is counted, and what a count looks like to the client.

A ``Counter`` is one key (a token's reads, an organization's writes, an IP address's token
requests) with one or more sliding windows. A store (``stores``) records a request in counters
and reports every window's ``Usage``; ``rate_headers`` and ``refusal`` turn usages into the
``X-Ratelimit-*`` headers of a response, or into the 429 that says which limit was reached.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import TooManyRequests
from core.settings import RateWindows

LIMIT, INTERVAL, REMAINING = "X-Ratelimit-Limit", "X-Ratelimit-Interval", "X-Ratelimit-Remaining"


@dataclass(frozen=True)
class Window:
    limit: int  # requests ...
    seconds: int  # ... in any this many seconds (sliding)


def windows(configured: RateWindows, factor: int = 1) -> tuple[Window, ...]:
    """The windows of a setting such as ``rate_limit_reads``, each limit times ``factor``."""
    return tuple(Window(limit * factor, seconds) for limit, seconds in configured)


@dataclass(frozen=True)
class Counter:
    key: str  # below the store's namespace, e.g. "writes:token:<sha-256 of the token>"
    windows: tuple[Window, ...]
    what: str  # what is counted, plural: "reads", "token requests", ...
    whose: str  # whose count it is: "for this token", "from this IP address", ...

    @property
    def longest(self) -> int:
        """How long a hit matters to this counter: older ones are forgotten."""
        return max(w.seconds for w in self.windows)


@dataclass(frozen=True)
class Usage:
    """One window of one counter as a store saw it."""

    counter: Counter
    window: Window
    used: int  # hits in the window, the request's own included when it was recorded
    retry_after: float  # when the window was full: seconds until it has room again; else 0

    @property
    def remaining(self) -> int:
        return max(0, self.window.limit - self.used)

    @property
    def full(self) -> bool:
        return self.retry_after > 0


def refused(usages: Sequence[Usage]) -> bool:
    return any(u.full for u in usages)


def rate_headers(usages: Sequence[Usage]) -> dict[str, str]:
    """Commerce Layer's three headers (it sends no X-Ratelimit-Reset) for the window closest to
    running out: the fewest requests left, then the smallest share of its limit left."""
    tightest = min(
        usages, key=lambda u: (u.remaining, u.remaining / u.window.limit, u.window.seconds)
    )
    return {
        LIMIT: str(tightest.window.limit),
        INTERVAL: str(tightest.window.seconds),
        REMAINING: str(tightest.remaining),
    }


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count != 1 else f"{count} {noun.removesuffix('s')}"


def _worst(usages: Sequence[Usage]) -> Usage:
    """The full window that stays full longest."""
    return max((u for u in usages if u.full), key=lambda u: u.retry_after)


def refused_by(usages: Sequence[Usage]) -> Counter:
    """The counter a refusal names."""
    return _worst(usages).counter


def refusal(usages: Sequence[Usage]) -> TooManyRequests:
    """The 429 for a request some window had no room for: it names the window that stays full
    longest, and ``Retry-After`` is when every full window has room again."""
    worst = _worst(usages)
    retry = max(1, math.ceil(worst.retry_after))
    window, counter = worst.window, worst.counter
    detail = (
        f"Rate limit reached: {_plural(window.limit, counter.what)} per "
        f"{_plural(window.seconds, 'seconds')} {counter.whose}; "
        f"retry after {_plural(retry, 'seconds')}."
    )
    headers = {
        LIMIT: str(window.limit),
        INTERVAL: str(window.seconds),
        REMAINING: "0",
        "Retry-After": str(retry),
    }
    return TooManyRequests(detail, headers=headers)
