"""`bulkport worker`: dramatiq worker processes consuming the Redis queue.

Each process builds its own engine and broker (nothing is shared across a fork), re-sends jobs
left behind by a crashed worker, then works until SIGTERM/SIGINT.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading

from app.db import make_engine
from app.settings import Settings

log = logging.getLogger("bulkport.worker")


def sweep_interval(settings: Settings) -> float:
    """How often a worker looks for jobs whose worker died: half the staleness threshold."""
    return max(1.0, settings.job_stale_seconds / 2)


def run_worker(settings: Settings, threads: int) -> None:
    from workers.jobs import Jobs

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(message)s", force=True
    )
    engine = make_engine(settings.database_url)
    jobs = Jobs(settings, engine)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    # What dramatiq's own CLI does once per process: starts the time-limit watchdog.
    jobs.broker.emit_after("process_boot")
    worker = jobs.start_worker(threads)
    try:
        resent = jobs.recover()
        log.info("worker ready (%d threads, %d jobs re-sent)", threads, resent)
        # A worker killed mid-job leaves it in progress with a heartbeat that stops moving; its
        # message only comes back once dramatiq notices the dead worker. Sweeping the table
        # hands such jobs to a live worker within 1.5 x BULKPORT_JOB_STALE_SECONDS.
        while not stop.wait(sweep_interval(settings)):
            try:
                if resent := jobs.recover(pending=False):
                    log.info("re-sent %d jobs whose worker stopped reporting", resent)
            except Exception:  # noqa: BLE001 - e.g. the database restarting: try again later
                log.exception("recovery sweep failed")
    finally:
        log.info("worker stopping")
        worker.stop(timeout=30_000)
        jobs.broker.close()
        engine.dispose()


def run(settings: Settings, processes: int, threads: int) -> int:
    if not settings.redis_url:
        raise SystemExit(
            "bulkport worker needs BULKPORT_REDIS_URL; without it `bulkport serve` runs the "
            "jobs in its own process"
        )
    if processes <= 1:
        run_worker(settings, threads)
        return 0
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=run_worker, args=(settings, threads)) for _ in range(processes)]
    for child in children:
        child.start()

    def forward(signum, _frame):
        for child in children:
            if child.is_alive():
                child.terminate()

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for child in children:
        child.join()
    return 0
