"""``GET /health`` and ``GET /health/live``: no token, not rate-limited, ``application/json``.

``/health`` checks what the server needs, all at once, each bounded by
``BULKPORT_HEALTH_TIMEOUT`` seconds (a hung Redis or database makes that check down, never
the answer late): the database (``SELECT 1``), Redis (``PING``, when ``BULKPORT_REDIS_URL`` is
set), storage (the attachments folder takes a file, or the S3 bucket answers a HEAD) and the
workers (the in-process worker's threads in embedded mode; else the heartbeats ``bulkport
worker`` processes keep in Redis, bulk/heartbeat.py). 200 when every check is up, else 503 with
the names of those down; each check gives its state and latency in milliseconds. What a check
says of a failure is its kind only (the details, hosts and all, go to the server log, once
per change of state): the endpoint answers anyone.

``/health/live`` answers 200 whenever the process can answer at all (a liveness probe: a
database outage is no reason to restart the server).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bulk import heartbeat
from bulk.dispatch import Dispatcher
from core.settings import Settings
from core.storage import storage_for

log = logging.getLogger("bulkport.health")
CHECK_THREADS = 8


class Down(Exception):
    """A check's finding, worded for anyone to read."""


class Health:
    def __init__(self, settings: Settings, engine: Engine, dispatcher: Dispatcher) -> None:
        self.settings = settings
        self.engine = engine
        self.dispatcher = dispatcher
        self.timeout = settings.health_timeout
        self.redis = (
            redis.Redis.from_url(
                settings.redis_url, socket_connect_timeout=self.timeout, socket_timeout=self.timeout
            )  # fmt: skip
            if settings.redis_url
            else None
        )
        self._down: set[str] = set()  # what the last answer found down: log changes only
        self._lock = threading.Lock()
        # Checks run on threads of their own, never the request threads: a hung dependency
        # holds at most these (further checks then time out, and say so), not the API's.
        self._threads = ThreadPoolExecutor(CHECK_THREADS, thread_name_prefix="health")

    def checks(self) -> dict[str, Callable[[], dict[str, Any]]]:
        checks = {"database": self.database, "storage": self.storage}
        if self.redis is not None:
            checks["redis"] = self.ping
        checks["workers"] = self.workers
        return checks

    def database(self) -> dict[str, Any]:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {}

    def ping(self) -> dict[str, Any]:
        assert self.redis is not None
        self.redis.ping()
        return {}

    def storage(self) -> dict[str, Any]:
        storage_for(self.settings).check()
        return {}

    def workers(self) -> dict[str, Any]:
        if self.dispatcher.in_process:
            if not self.dispatcher.worker_alive():
                raise Down("the in-process worker is not running")
            return {"mode": "in-process"}
        assert self.redis is not None
        processes = heartbeat.live(self.redis, self.settings.redis_namespace)
        if not processes:
            raise Down(
                f"no `bulkport worker` process has reported in the last {heartbeat.TTL_SECONDS} s"
            )
        return {"processes": processes}

    async def run(self, name: str, check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        started = time.perf_counter()
        loop = asyncio.get_running_loop()
        try:
            extra = await asyncio.wait_for(loop.run_in_executor(self._threads, check), self.timeout)
            result: dict[str, Any] = {"status": "up", **extra}
        except TimeoutError:
            result = {"status": "down", "error": f"no answer within {self.timeout:g} s"}
            self._changed(name, "no answer in time")
        except Down as exc:
            result = {"status": "down", "error": str(exc)}
            self._changed(name, str(exc))
        except Exception as exc:  # noqa: BLE001 - any failure is this check's finding
            result = {"status": "down", "error": f"failed ({type(exc).__name__})"}
            self._changed(name, repr(exc))
        else:
            self._changed(name, None)
        result["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return result

    def _changed(self, name: str, problem: str | None) -> None:
        with self._lock:
            if problem is not None and name not in self._down:
                self._down.add(name)
                log.warning("health: %s is down: %s", name, problem)
            elif problem is None and name in self._down:
                self._down.discard(name)
                log.warning("health: %s is up again", name)

    async def report(self) -> tuple[int, dict[str, Any]]:
        checks = self.checks()
        results = await asyncio.gather(*(self.run(n, c) for n, c in checks.items()))
        found = dict(zip(checks, results, strict=True))
        down = [name for name, result in found.items() if result["status"] != "up"]
        body: dict[str, Any] = {"status": "down" if down else "up"}
        if down:
            body["down"] = down
        body["checks"] = found
        return (503 if down else 200), body

    def close(self) -> None:
        # Not waiting: a check stuck on a dead host must not hold up the server's shutdown.
        self._threads.shutdown(wait=False, cancel_futures=True)
        if self.redis is not None:
            self.redis.close()


def routes(health: Health) -> list[Route]:
    async def check(_request: Request) -> JSONResponse:
        status, body = await health.report()
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    async def live(_request: Request) -> JSONResponse:
        return JSONResponse({"status": "up"}, headers={"Cache-Control": "no-store"})

    return [
        Route("/health", check, methods=["GET"], name="health"),
        Route("/health/live", live, methods=["GET"], name="health_live"),
    ]
