"""Worker liveness, for /health: each ``bulkport worker`` process keeps a Redis key alive.

Every ``BEAT_SECONDS`` a worker process sets ``<namespace>:workers:<host>:<pid>:<random>`` with a
``TTL_SECONDS`` expiry, as long as every thread of its dramatiq worker is alive; it deletes the
key when it stops. /health counts the keys. Why a key per process with a time to live, rather
than a table or dramatiq's own heartbeats:

- the expiry is Redis's own clock, so workers on machines whose clocks disagree are judged
  alike, and a process that vanishes (SIGKILL, a lost machine) drops out by itself;
- keys of different processes never collide (host, pid and a random part), and nothing needs
  cleaning up;
- the database gets no write every few seconds per process, and dramatiq's heartbeats are an
  internal of its broker (a sorted set scored by each worker's own clock).

Embedded mode has no key: the in-process worker lives in the server, whose /health looks at
its threads directly (``Dispatcher.worker_alive``).
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid

from redis import Redis

BEAT_SECONDS = 5.0
TTL_SECONDS = 15  # three beats: one late beat is no outage


def prefix(namespace: str) -> str:
    return f"{namespace}:workers:"


def identity() -> str:
    """This process's key suffix."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def beat(client: Redis, namespace: str, name: str, threads: int) -> None:
    info = {"host": socket.gethostname(), "pid": os.getpid(), "threads": threads,
            "beat_at": time.time()}  # fmt: skip
    client.set(prefix(namespace) + name, json.dumps(info), ex=TTL_SECONDS)


def forget(client: Redis, namespace: str, name: str) -> None:
    client.delete(prefix(namespace) + name)


def live(client: Redis, namespace: str) -> int:
    """Worker processes that beat within the last ``TTL_SECONDS``, on any machine."""
    return sum(1 for _ in client.scan_iter(match=prefix(namespace) + "*", count=1000))
