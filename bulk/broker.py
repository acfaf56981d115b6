"""The one broker of a process: dramatiq on Redis, or in memory for the embedded default.

With ``BULKPORT_REDIS_URL`` messages go through dramatiq's Redis broker to ``bulkport worker``
processes on any machine. Without it the same actors run in this process on dramatiq's
in-memory broker. Payloads are job ids only.
"""

from __future__ import annotations

import threading
from typing import Any

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware, TimeLimit, default_middleware

from core.settings import Settings

QUEUE = "bulkport"
MAINTENANCE_CHANCE = 20_000  # per million Redis commands


class ProcessTimeLimit(TimeLimit):
    """dramatiq's time limit with one watchdog thread per process, however many brokers the
    process builds: the watchdog never stops, and one serves any number of worker threads."""

    _shared: Any = None  # the process's watchdog, once one broker has booted
    _lock = threading.Lock()

    def after_process_boot(self, broker: dramatiq.Broker) -> None:
        with ProcessTimeLimit._lock:
            if ProcessTimeLimit._shared is None:
                super().after_process_boot(broker)
                ProcessTimeLimit._shared = self.manager
            self.manager = ProcessTimeLimit._shared


def middleware() -> list[Middleware]:
    return [ProcessTimeLimit() if m is TimeLimit else m() for m in default_middleware]


def make_broker(settings: Settings) -> dramatiq.Broker:
    if settings.redis_url:
        # Timeouts: an unreachable Redis fails a send in seconds instead of hanging it for the
        # OS's TCP timeout; every broker command is a short Lua script (no blocking pops).
        client = redis.Redis.from_url(
            settings.redis_url, socket_connect_timeout=5, socket_timeout=30,
            health_check_interval=30,
        )  # fmt: skip
        # Messages a worker fetched and died with (SIGKILL, OOM) go back on the queue once its
        # heartbeat is this old; a live worker's consumers poll Redis several times a second.
        # dramatiq only looks for dead workers on a random fraction of Redis commands ("queue
        # maintenance", 0.1% by default, i.e. minutes); 2% makes it a few seconds.
        return RedisBroker(
            client=client,
            namespace=settings.redis_namespace,
            heartbeat_timeout=max(10_000, settings.job_stale_seconds * 1000),
            maintenance_chance=MAINTENANCE_CHANCE,
            middleware=middleware(),
        )
    broker = StubBroker(middleware=middleware())
    broker.emit_after("process_boot")
    return broker
