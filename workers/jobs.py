"""The broker and the actors bound to it: how the API hands work to workers.

With ``BULKPORT_REDIS_URL`` messages go through dramatiq's Redis broker to ``bulkport worker``
processes on any machine. Without it the same actors run in this process on dramatiq's
in-memory broker and a worker thread pool started on first use. Payloads are job ids only.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.errors import BrokerError
from redis.exceptions import RedisError
from sqlalchemy.engine import Engine

from app.settings import Settings

log = logging.getLogger("bulkport.jobs")
QUEUE = "bulkport"
MAINTENANCE_CHANCE = 20_000  # per million Redis commands


def make_broker(settings: Settings) -> dramatiq.Broker:
    if settings.redis_url:
        import redis
        from dramatiq.brokers.redis import RedisBroker

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
        )
    broker = StubBroker()
    broker.emit_after("process_boot")
    return broker


class Jobs:
    """One process's broker with the actors bound to its database and settings."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        from workers import actors

        self.settings = settings
        self.engine = engine
        self.broker = make_broker(settings)
        self.actors: dict[str, dramatiq.Actor] = actors.declare(self)
        self._worker: dramatiq.Worker | None = None
        self._lock = threading.Lock()

    @property
    def in_process(self) -> bool:
        return not self.settings.redis_url

    def send(self, actor_name: str, job_id: str) -> bool:
        """Queues a job; False when Redis is unreachable: the job stays pending and a worker's
        recovery sweep sends it once Redis is back (the API still answers)."""
        try:
            self.actors[actor_name].send(job_id)
        except (RedisError, BrokerError) as exc:
            if self.in_process:
                raise
            log.warning("could not queue %s %s (%s): a worker will send it again later",
                        actor_name, job_id, exc)  # fmt: skip
            return False
        if self.in_process:
            self.start_worker()
        return True

    def queued(self, actor_name: str) -> set[str]:
        """Job ids with a message waiting, delayed or being processed (Redis only)."""
        from dramatiq.common import dq_name

        client = getattr(self.broker, "client", None)
        if client is None:
            return set()
        ids = set()
        for queue in (QUEUE, dq_name(QUEUE)):
            for data in client.hvals(f"{self.broker.namespace}:{queue}.msgs"):
                message = dramatiq.Message.decode(data)
                if message.actor_name == actor_name and message.args:
                    ids.add(message.args[0])
        return ids

    def start_worker(self, threads: int = 2) -> dramatiq.Worker:
        with self._lock:
            if self._worker is None:
                # How long an idle consumer blocks between checks for stop: short in-process
                # (a blocking queue get, so it costs no CPU; shutdown is then immediate). With
                # Redis it caps the idle poll backoff, i.e. how long a new job may wait for an
                # idle worker: 50 ms (~30 ms on average) for ~40 cheap polls a second per
                # process; 200 ms added ~100 ms to every short export or import.
                timeout = 20 if self.in_process else 50
                self._worker = dramatiq.Worker(self.broker, worker_threads=threads,
                                               worker_timeout=timeout)  # fmt: skip
                self._worker.start()
                kind = "in-process" if self.in_process else "Redis"
                log.info("%s worker started (%d threads)", kind, threads)
            return self._worker

    def recover(self, all_pending: bool = True) -> int:
        """Re-sends jobs left behind by a crash or a lost message (see recovery.resend_stale)."""
        from workers import recovery

        return recovery.resend_stale(self, all_pending=all_pending)

    def join(self, timeout_ms: int = 60_000) -> None:
        """Waits until the in-process queue is drained (tests and `serve` shutdown)."""
        if isinstance(self.broker, StubBroker):
            self.broker.join(QUEUE, timeout=timeout_ms)
            if self._worker is not None:
                self._worker.join()

    def stop(self, timeout_ms: int = 10_000) -> None:
        with self._lock:
            if self._worker is not None:
                self._worker.stop(timeout=timeout_ms)
                self._worker = None
        self.broker.close()
        client = getattr(self.broker, "client", None)  # RedisBroker.close() leaves it open
        if client is not None:
            client.connection_pool.disconnect()


def bind(fn: Callable[..., Any], jobs: Jobs) -> Callable[[str], Any]:
    def run(job_id: str) -> Any:
        return fn(jobs, job_id)

    run.__name__ = fn.__name__
    return run
