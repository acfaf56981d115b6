"""A process's dispatcher: its broker with every actor bound to its database and settings.

It sends job messages (from the API, after commit), runs the in-process worker of the embedded
default, and re-sends jobs a crash left behind.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name
from dramatiq.errors import BrokerError
from redis.exceptions import RedisError
from sqlalchemy.engine import Engine

from bulk import heartbeat, maintenance, recovery
from bulk.actors import DELIVER, NOTIFY, JobType, declare
from bulk.broker import QUEUE, make_broker
from bulk.mail import send as mail
from bulk.webhooks.deliver import due
from core.settings import Settings

log = logging.getLogger("bulkport.jobs")
PRUNE_EVERY_SECONDS = 3600.0
DELIVERIES_EVERY_SECONDS = 1.0  # how often due deliveries and e-mails without a message are sent
POLLER = "deliveries"  # the name of the thread that does it


def sweep_interval(settings: Settings) -> float:
    """How often a process sweeps for jobs whose worker died: half the staleness threshold."""
    return max(1.0, settings.job_stale_seconds / 2)


class Dispatcher:
    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.settings = settings
        self.engine = engine
        self.broker = make_broker(settings)
        self.actors: dict[str, dramatiq.Actor] = declare(self.broker, engine, settings)
        self._worker: dramatiq.Worker | None = None
        self._lock = threading.Lock()
        self._sweeping = threading.Event()  # set: the sweep thread is to stop
        self._sweeper: threading.Thread | None = None
        self._poller: threading.Thread | None = None
        self._beater: threading.Thread | None = None
        self._beat_name = heartbeat.identity()
        self._pruned_at = 0.0

    @property
    def in_process(self) -> bool:
        return not self.settings.redis_url

    def sender(self, job_type: JobType) -> Callable[[str], bool]:
        """What a job service calls, after commit, to queue a job of its type."""
        return lambda job_id: self.send(job_type.actor, job_id)

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

    def deliver(self, delivery_ids: list[str]) -> None:
        """Sends webhook deliveries queued by a committed transaction (records/events.py); one
        that cannot leave now is sent by the sweep once due (``deliver_due``)."""
        for delivery_id in delivery_ids:
            self.send(DELIVER, delivery_id)

    def deliver_due(self) -> int:
        """Due webhook deliveries and job e-mails (bulk/mail) are sent."""
        ids = due(self.engine)
        self.deliver(ids)
        mails = mail.due(self.engine)
        for notification_id in mails:
            self.send(NOTIFY, notification_id)
        return len(ids) + len(mails)

    def queued(self, actor_name: str) -> set[str]:
        """Job ids with a message waiting, delayed or being processed (Redis only)."""
        client = getattr(self.broker, "client", None)
        if client is None:
            return set()
        ids = set()
        for queue in (QUEUE, dq_name(QUEUE)):
            for data in client.hvals(f"{self.settings.redis_namespace}:{queue}.msgs"):
                message = dramatiq.Message.decode(data)
                if message.actor_name == actor_name and message.args:
                    ids.add(message.args[0])
        return ids

    def queue_depth(self) -> dict[str, int]:
        """Messages waiting for a worker, and delayed ones (retries), in Redis or in memory."""
        names = {"waiting": QUEUE, "delayed": dq_name(QUEUE)}
        client = getattr(self.broker, "client", None)
        if client is None:
            queues = self.broker.queues  # the StubBroker's
            return {k: queues[q].qsize() if q in queues else 0 for k, q in names.items()}
        namespace = self.settings.redis_namespace
        return {k: int(client.llen(f"{namespace}:{q}")) for k, q in names.items()}

    def live_workers(self) -> int:
        """Worker processes alive: on any machine (heartbeats in Redis), or this process's."""
        client = getattr(self.broker, "client", None)
        if client is None:
            return int(self.worker_alive())
        return heartbeat.live(client, self.settings.redis_namespace)

    def worker_alive(self) -> bool:
        """Whether this process's worker runs: started, and every thread of it alive."""
        worker = self._worker
        if worker is None:
            return False
        threads = [*worker.consumers.values(), *worker.workers]
        return bool(threads) and all(t.is_alive() for t in threads)

    def _beat_once(self) -> None:
        """Writes this worker process's heartbeat key (bulk/heartbeat.py) if its worker runs:
        a worker whose threads died stops beating and drops out of /health."""
        client = self.broker.client  # type: ignore[attr-defined]  # Redis only
        try:
            if self.worker_alive():
                threads = len(self._worker.workers) if self._worker else 0
                heartbeat.beat(client, self.settings.redis_namespace, self._beat_name, threads)
        except RedisError as exc:  # Redis restarting: beat again next time
            log.warning("worker heartbeat not written (%s)", exc)

    def _beat(self) -> None:
        while not self._sweeping.wait(heartbeat.BEAT_SECONDS):
            self._beat_once()
        client = self.broker.client  # type: ignore[attr-defined]  # Redis only
        try:  # stopping: gone now, not in TTL_SECONDS
            heartbeat.forget(client, self.settings.redis_namespace, self._beat_name)
        except RedisError:
            pass  # it expires by itself

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
        return recovery.resend_stale(
            self.engine, self.settings, self.send, self.queued, all_pending=all_pending
        )

    def maintain(self) -> None:
        """One sweep: jobs a dead worker left behind are sent again (see recovery; in-process
        there is no other worker, and startup recovered what the last run left), and, at most
        hourly, versions past their retention are pruned; expired import analyses are deleted
        with their files; previews not committed in time expire."""
        if not self.in_process and (resent := self.recover(all_pending=False)):
            log.info("re-sent %d jobs left behind", resent)
        if time.monotonic() - self._pruned_at >= PRUNE_EVERY_SECONDS:
            self._pruned_at = time.monotonic()
            if pruned := maintenance.prune_versions(self.engine, self.settings):
                log.info("pruned %d versions past their retention", pruned)
        if expired := maintenance.delete_expired_analyses(self.engine, self.settings):
            log.info("deleted %d expired import analyses", expired)
        if expired := maintenance.expire_previews(self.engine, self.settings):
            log.info("expired %d import previews never committed", expired)
        if expired := maintenance.delete_expired_idempotency_keys(self.engine):
            log.info("deleted %d expired idempotency keys", expired)

    def start_sweep(self) -> None:
        """Runs ``maintain`` every half BULKPORT_JOB_STALE_SECONDS on a thread of its own (a
        sweep blocked on the database or Redis never delays a shutdown) until ``stop``."""

        def sweep() -> None:
            while not self._sweeping.wait(sweep_interval(self.settings)):
                try:
                    self.maintain()
                except Exception:  # noqa: BLE001 - e.g. the database restarting: try later
                    log.exception("maintenance sweep failed")

        def poll() -> None:
            while not self._sweeping.wait(DELIVERIES_EVERY_SECONDS):
                try:
                    self.deliver_due()
                except Exception:  # noqa: BLE001 - as the sweep: try again later
                    log.exception("sending due webhook deliveries failed")

        with self._lock:
            if self._sweeper is None:
                self._sweeper = threading.Thread(target=sweep, name="sweep", daemon=True)
                self._sweeper.start()
                self._poller = threading.Thread(target=poll, name=POLLER, daemon=True)
                self._poller.start()
                if not self.in_process:  # a `bulkport worker` (embedded: see worker_alive)
                    self._beat_once()  # alive from now on, not in BEAT_SECONDS
                    self._beater = threading.Thread(target=self._beat, name="heartbeat",
                                                    daemon=True)  # fmt: skip
                    self._beater.start()

    def join(self, timeout_ms: int = 60_000) -> None:
        """Waits until the in-process queue is drained and its jobs have run."""
        if isinstance(self.broker, StubBroker):
            self.broker.join(QUEUE, timeout=timeout_ms)
            if self._worker is not None:
                self._worker.join()

    def stop(self, timeout_ms: int = 10_000) -> None:
        self._sweeping.set()
        for thread in (self._sweeper, self._poller, self._beater):
            if thread is not None:
                thread.join(timeout=5)
        with self._lock:
            if self._worker is not None:
                self._worker.stop(timeout=timeout_ms)
                self._worker = None
        self.broker.close()
        client = getattr(self.broker, "client", None)  # RedisBroker.close() leaves it open
        if client is not None:
            client.connection_pool.disconnect()
