"""`bulkport worker`: dramatiq worker processes consuming the Redis queue.

Each process builds its own engine and broker (nothing is shared across a fork), re-sends jobs
left behind by a crashed worker, then works until SIGTERM/SIGINT.
"""

from __future__ import annotations

import faulthandler
import logging
import multiprocessing
import signal
import time

from prometheus_client import multiprocess

from bulk.dispatch import Dispatcher
from core import logs, metrics
from core.db import make_engine
from core.settings import Settings

log = logging.getLogger("bulkport.worker")
STOP_GRACE = 40  # seconds a process gets to stop (its running jobs get 30 of them)


def worker_process(settings: Settings, threads: int) -> None:
    # Each line with the request, organization and job it is for (core/logs.py).
    logs.configure(settings.log_format, force=True)
    faulthandler.register(signal.SIGUSR1)  # `kill -USR1 <pid>` prints every thread's stack
    engine = make_engine(settings.database_url)
    dispatcher = Dispatcher(settings, engine)
    # The handler only flips a flag: a handler that took a lock (Event.set) could interrupt
    # itself on a second signal while holding it and deadlock the process's shutdown.
    requested = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: requested.append(True))
    # What dramatiq's own CLI does once per process: starts the time-limit watchdog.
    dispatcher.broker.emit_after("process_boot")
    dispatcher.start_worker(threads)
    try:
        resent = dispatcher.recover()
        # On threads of their own (this one only waits for a signal); the first heartbeat is
        # written before the worker says it is ready (bulk/heartbeat.py).
        dispatcher.start_sweep()
        log.info("worker ready (%d threads, %d jobs re-sent)", threads, resent)
        while not requested:
            time.sleep(0.2)  # interrupted by the signal itself; the loop then sees the flag
    finally:
        log.info("worker stopping")
        dispatcher.stop(timeout_ms=30_000)  # lets running jobs finish for up to 30 s
        engine.dispose()


def start(settings: Settings, processes: int, threads: int) -> int:
    """`bulkport worker`: one worker process, or a supervisor of several."""
    if not settings.redis_url:
        raise SystemExit(
            "bulkport worker needs BULKPORT_REDIS_URL; without it `bulkport serve` runs the "
            "jobs in its own process"
        )
    if processes <= 1:
        worker_process(settings, threads)
        return 0
    logs.configure(settings.log_format)
    ctx = multiprocessing.get_context("spawn")
    stopping: list[bool] = []

    def spawn() -> multiprocessing.process.BaseProcess:
        child = ctx.Process(target=worker_process, args=(settings, threads), name="bulkport-worker")
        child.start()
        return child

    def forward(_signum, _frame):
        stopping.append(True)  # a flag, not a lock (see worker_process)

    children = [spawn() for _ in range(processes)]
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    # A process that dies (OOM kill, crash) is replaced: its jobs are recovered by the others.
    while not stopping:
        time.sleep(0.5)
        for i, child in enumerate(children):
            if stopping:
                break
            if not child.is_alive():
                log.warning("worker process %s exited (%s): starting another", child.pid,
                            child.exitcode)  # fmt: skip
                gone(settings, child.pid)
                children[i] = spawn()
    for child in children:  # each once: a second SIGTERM would only interrupt its shutdown
        if child.is_alive():
            child.terminate()
    for child in children:
        child.join(timeout=STOP_GRACE)
        if child.is_alive():  # stuck past its own 30 s grace: don't hang the whole shutdown
            log.warning("worker process %s did not stop in %d s: killing it", child.pid,
                        STOP_GRACE)  # fmt: skip
            child.kill()
            child.join()
        gone(settings, child.pid)
    return 0


def gone(settings: Settings, pid: int | None) -> None:
    """A dead process's live gauges leave /metrics (PROMETHEUS_MULTIPROC_DIR: core/metrics.py);
    its counters stay counted."""
    if settings.metrics_dir is not None and pid is not None:
        multiprocess.mark_process_dead(metrics.process_name(pid), str(settings.metrics_dir))
