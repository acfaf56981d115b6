"""Where hits are counted: this process's memory, or Redis shared by every server.

Both keep an exact sliding window: the time of every hit within a counter's longest window, so
"50 per 10 seconds" means any 10 seconds, not calendar slices of 10. A call checks and records
several counters at once (a token's and its organization's) and records in all of them or in
none, so a refused request costs no counter anything.

Modes of ``Store.hit``:
    acquire   record the hit if every window of every counter has room (a request)
    peek      record nothing (is this client_id locked out by failed authentications?)
    add       record the hit whatever the windows say (a failed authentication, after the fact)
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

import redis
from redis.exceptions import RedisError

from app.ratelimit.limits import Counter, Usage
from core.settings import Settings

log = logging.getLogger("bulkport.ratelimit")

Mode = Literal["acquire", "peek", "add"]
Clock = Callable[[], float]


class Store(Protocol):
    blocking: bool  # hit() waits on the network: callers in an event loop use a thread

    def hit(self, counters: Sequence[Counter], mode: Mode) -> list[Usage]: ...

    def close(self) -> None: ...


def _usages(
    counters: Sequence[Counter], counts: Sequence[tuple[int, float]], recorded: bool
) -> list[Usage]:
    windows = [(c, w) for c in counters for w in c.windows]
    return [
        Usage(c, w, used + 1 if recorded else used, retry)
        for (c, w), (used, retry) in zip(windows, counts, strict=True)
    ]


class MemoryStore:
    """One process's counters: thread-safe, and bounded: a counter idle for its longest window
    is dropped, and past ``max_keys`` counters the least recently used go first."""

    blocking = False
    SWEEP_SECONDS = 10.0

    def __init__(self, max_keys: int = 100_000, clock: Clock = time.monotonic) -> None:
        self.max_keys = max_keys
        self._clock = clock
        self._lock = threading.Lock()
        # key -> (its longest window, hit times in ascending order), least recently used first
        self._hits: OrderedDict[str, tuple[int, list[float]]] = OrderedDict()
        self._swept = clock()

    def __len__(self) -> int:
        return len(self._hits)

    def hit(self, counters: Sequence[Counter], mode: Mode) -> list[Usage]:
        with self._lock:
            now = self._clock()
            if now - self._swept >= self.SWEEP_SECONDS or len(self._hits) > self.max_keys:
                self._sweep(now)
            counts: list[tuple[int, float]] = []
            lists = []
            for counter in counters:
                times = self._times(counter, now)
                lists.append(times)
                for window in counter.windows:
                    start = bisect.bisect_right(times, now - window.seconds)
                    used = len(times) - start
                    retry = 0.0
                    if used >= window.limit:
                        # the hit whose leaving brings the count below the limit
                        retry = times[start + used - window.limit] + window.seconds - now
                        retry = max(retry, 1e-6)  # full: more than 0 however close
                    counts.append((used, retry))
            allowed = not any(retry for _used, retry in counts)
            recorded = mode == "add" or (mode == "acquire" and allowed)
            if recorded:
                for times in lists:
                    times.append(now)
            return _usages(counters, counts, recorded)

    def _times(self, counter: Counter, now: float) -> list[float]:
        entry = self._hits.get(counter.key)
        if entry is None:
            entry = self._hits[counter.key] = (counter.longest, [])
        else:
            self._hits.move_to_end(counter.key)
        times = entry[1]
        del times[: bisect.bisect_right(times, now - counter.longest)]
        return times

    def _sweep(self, now: float) -> None:
        self._swept = now
        idle = [
            k
            for k, (longest, times) in self._hits.items()
            if not times or times[-1] <= now - longest
        ]
        for key in idle:
            del self._hits[key]
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)

    def close(self) -> None:
        with self._lock:
            self._hits.clear()


# KEYS: one sorted set per counter (members: unique per hit, scores: hit times from Redis's own
# clock, so servers with skewed clocks agree). ARGV: mode, this hit's member, then per counter
# the number of its windows and each window's limit and seconds. Returns 1 if the hit was
# recorded, then per window its count and, when full, the seconds until it has room (a string:
# Redis truncates Lua numbers to integers).
HIT_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local mode, member = ARGV[1], ARGV[2]
local out, longest, allowed, a = {}, {}, true, 3
for k = 1, #KEYS do
  local n = tonumber(ARGV[a])
  local windows = {}
  longest[k] = 0
  for j = 1, n do
    local limit, seconds = tonumber(ARGV[a + 2 * j - 1]), tonumber(ARGV[a + 2 * j])
    windows[j] = {limit, seconds}
    if seconds > longest[k] then longest[k] = seconds end
  end
  a = a + 1 + 2 * n
  redis.call('ZREMRANGEBYSCORE', KEYS[k], '-inf', now - longest[k])
  for j = 1, n do
    local limit, seconds = windows[j][1], windows[j][2]
    local since = '(' .. string.format('%.6f', now - seconds)
    local used = redis.call('ZCOUNT', KEYS[k], since, '+inf')
    local retry = '0'
    if used >= limit then
      allowed = false
      local hit = redis.call('ZRANGEBYSCORE', KEYS[k], since, '+inf', 'WITHSCORES',
                             'LIMIT', used - limit, 1)
      retry = string.format('%.6f', math.max(tonumber(hit[2]) + seconds - now, 0.000001))
    end
    out[#out + 1] = used
    out[#out + 1] = retry
  end
end
local recorded = mode == 'add' or (mode == 'acquire' and allowed)
if recorded then
  for k = 1, #KEYS do
    redis.call('ZADD', KEYS[k], string.format('%.6f', now), member)
    redis.call('PEXPIRE', KEYS[k], longest[k] * 1000 + 1000)
  end
end
table.insert(out, 1, recorded and 1 or 0)
return out
"""


class RedisStore:
    """Counters shared by every server on the same Redis: one sorted set per counter under
    ``<namespace>:ratelimit:``, expiring once idle for its longest window; each call is one
    atomic Lua script."""

    blocking = True

    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self.client = client
        self.prefix = f"{namespace}:ratelimit:"
        self._script = client.register_script(HIT_SCRIPT)

    def hit(self, counters: Sequence[Counter], mode: Mode) -> list[Usage]:
        args: list[str | int] = [mode, uuid.uuid4().hex[:16]]  # unique per hit, short
        for counter in counters:
            args.append(len(counter.windows))
            for window in counter.windows:
                args += [window.limit, window.seconds]
        keys = [self.prefix + c.key for c in counters]
        recorded, *flat = self._script(keys=keys, args=args)
        counts = [(int(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2)]
        return _usages(counters, counts, bool(recorded))

    def close(self) -> None:
        self.client.close()


class FailoverStore:
    """Redis while it answers; this process's memory while it does not.

    An unreachable Redis must not turn every request into a 500, nor lift every limit: each
    server then limits on its own (so a client may get up to N servers' worth), logs one
    warning, and tries Redis again every ``retry_seconds``.
    """

    blocking = True

    def __init__(
        self,
        primary: Store,
        fallback: Store,
        retry_seconds: float = 5.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self.retry_seconds = retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._down = False
        self._retry_at = 0.0

    def hit(self, counters: Sequence[Counter], mode: Mode) -> list[Usage]:
        if self._should_try():
            try:
                usages = self.primary.hit(counters, mode)
            except RedisError as exc:
                self._failed(exc)
            else:
                if self._down:
                    self._recovered()
                return usages
        return self.fallback.hit(counters, mode)

    def _should_try(self) -> bool:
        """Always while Redis answers; once per ``retry_seconds`` while it does not (a Redis
        that times out then delays one request, not every request of the moment)."""
        if not self._down:
            return True
        with self._lock:
            now = self._clock()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry_seconds
            return True

    def _failed(self, exc: RedisError) -> None:
        with self._lock:
            if not self._down:
                log.warning(
                    "rate limits: Redis does not answer (%s); counting in this process's "
                    "memory until it does (tried again every %g s)",
                    exc,
                    self.retry_seconds,
                )
            self._down = True
            self._retry_at = self._clock() + self.retry_seconds

    def _recovered(self) -> None:
        with self._lock:
            if self._down:
                log.warning("rate limits: Redis answers again; counting there")
                self._down = False

    def close(self) -> None:
        self.primary.close()
        self.fallback.close()


def make_store(settings: Settings) -> Store:
    if not settings.redis_url:
        return MemoryStore()
    # Short timeouts: every API request waits on this, and a Redis that does not answer is
    # soon replaced by memory (FailoverStore) rather than waited for.
    client = redis.Redis.from_url(
        settings.redis_url, socket_connect_timeout=1, socket_timeout=1, health_check_interval=30
    )
    return FailoverStore(RedisStore(client, settings.redis_namespace), MemoryStore())
