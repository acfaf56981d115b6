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


def run_worker(settings: Settings, threads: int) -> None:
    from workers.jobs import Jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    engine = make_engine(settings.database_url)
    jobs = Jobs(settings, engine)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker = jobs.start_worker(threads)
    resent = jobs.recover()
    log.info("worker ready (%d threads, %d jobs re-sent)", threads, resent)
    try:
        stop.wait()
    finally:
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
