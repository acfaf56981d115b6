"""The one broker of a process: dramatiq on Redis, or in memory for the embedded default.

With ``BULKPORT_REDIS_URL`` messages go through dramatiq's Redis broker to ``bulkport worker``
processes on any machine. Without it the same actors run in this process on dramatiq's
in-memory broker. Payloads are job ids only.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import dramatiq
import redis
from dramatiq.broker import MessageProxy
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Middleware, TimeLimit, default_middleware

from core import metrics
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


class Metrics(Middleware):
    """dramatiq's own metrics (core/metrics.py), as its Prometheus middleware records them.

    That middleware is not used as it is: at boot it points prometheus-client at a folder of
    its own for every metric of the process (set in os.environ, behind the back of the
    server's own metrics), and its numbers are served by an HTTP server that only dramatiq's
    command line starts. Here the same names and labels go to the process's metrics, which the
    server's /metrics serves (app/metrics.py)."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    def after_enqueue(self, broker: dramatiq.Broker, message: dramatiq.Message, delay) -> None:
        if "retries" in message.options:
            metrics.DRAMATIQ_RETRIES.labels(message.queue_name, message.actor_name).inc()

    def after_nack(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        metrics.DRAMATIQ_REJECTS.labels(message.queue_name, message.actor_name).inc()

    def before_process_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        metrics.DRAMATIQ_IN_PROGRESS.labels(message.queue_name, message.actor_name).inc()
        self._started[message.message_id] = time.monotonic()

    def after_process_message(
        self, broker: dramatiq.Broker, message: MessageProxy, *, result=None, exception=None
    ) -> None:
        labels = (message.queue_name, message.actor_name)
        started = self._started.pop(message.message_id, None)
        if started is not None:  # a skipped message never started
            metrics.DRAMATIQ_IN_PROGRESS.labels(*labels).dec()
            metrics.DRAMATIQ_DURATION.labels(*labels).observe((time.monotonic() - started) * 1000)
        metrics.DRAMATIQ_MESSAGES.labels(*labels).inc()
        if exception is not None:
            metrics.DRAMATIQ_ERRORS.labels(*labels).inc()

    def after_skip_message(self, broker: dramatiq.Broker, message: MessageProxy) -> None:
        self.after_process_message(broker, message)


def middleware() -> list[Middleware]:
    timed = [ProcessTimeLimit() if m is TimeLimit else m() for m in default_middleware]
    return [*timed, Metrics()]


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
