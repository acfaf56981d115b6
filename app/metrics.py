"""``GET /metrics``: Prometheus' text format, through prometheus-client.

What is counted as it happens is declared in core/metrics.py (HTTP requests here, by
``HttpMetrics``; items by outcome in the import pipeline; webhook deliveries; rate-limit
refusals; dramatiq's own). What is read at scrape time comes from ``Snapshot``: imports,
exports and cleanups by status (every organization together, from the database), the queue's
depth, and the worker processes alive. With ``PROMETHEUS_MULTIPROC_DIR`` the numbers of every
process writing to that folder are added up (several server processes, ``bulkport worker``
processes of the same machine).

With ``BULKPORT_METRICS_TOKEN`` set, a scrape needs ``Authorization: Bearer <that token>``
(401 otherwise); without it the endpoint is open, as ``/health`` is.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.access_log import Answer
from bulk.actors import JOB_TYPES
from bulk.dispatch import Dispatcher
from core import metrics
from core.db import transaction
from core.errors import Unauthorized
from core.settings import Settings

log = logging.getLogger("bulkport.metrics")
# The text format every Prometheus version reads (the names here need none of 1.0.0's escaping).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # a path no route serves: one label value, however many paths
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="bulkport-metrics"'}


class HttpMetrics:
    """Counts every HTTP request by route template (``/api/skus/{id}``, never the path
    itself: a label value per route, not per record), method and status, and times it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._templates: dict[Any, str] | None = None  # route endpoint -> its path template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root_path = scope.get("root_path", "")  # a mount lengthens it in this very scope
        answer = Answer(send)
        try:
            await self.app(scope, receive, answer.send)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = self.template({**scope, "root_path": root_path})
            metrics.HTTP_REQUESTS.labels(route, method, str(answer.status)).inc()
            metrics.HTTP_DURATION.labels(route, method).observe(answer.seconds())

    def template(self, scope: Scope) -> str:
        """The path template of the route that served the request: the router leaves its
        endpoint in the scope; a request answered before routing (a 429, a 413) is matched
        here."""
        routes = getattr(scope.get("app"), "routes", [])
        if self._templates is None:
            self._templates = {r.endpoint: r.path for r in routes if hasattr(r, "endpoint")}
        endpoint = scope.get("endpoint")
        if endpoint is not None and endpoint in self._templates:
            return self._templates[endpoint]
        for route in routes:
            if route.matches(scope)[0] is not Match.NONE:
                return route.path
        return UNMATCHED


class Snapshot:
    """The gauges read at scrape time (a prometheus-client collector)."""

    def __init__(self, settings: Settings, engine: Engine, dispatcher: Dispatcher) -> None:
        self.settings = settings
        self.engine = engine
        self.dispatcher = dispatcher

    def collect(self) -> Iterator[Metric]:
        for read in (self.jobs, self.queue, self.workers):
            try:
                yield read()
            except Exception:  # noqa: BLE001 - a scrape still serves everything else
                log.warning("metrics: %s not read", read.__name__, exc_info=True)

    def jobs(self) -> Metric:
        family = GaugeMetricFamily(
            "bulkport_jobs",
            "Imports, exports and cleanups by status, all organizations together.",
            labels=["type", "status"],
        )
        timeout = self.settings.statement_timeout or None
        with transaction(self.engine, write=False, timeout=timeout) as conn:
            for job in JOB_TYPES:
                table = job.resource.table
                stmt = select(table.c.status, func.count()).group_by(table.c.status)
                counts: dict[str, int] = {status: n for status, n in conn.execute(stmt).all()}
                statuses = job.resource.attributes["status"].choices or tuple(counts)
                for status in dict.fromkeys([*statuses, *counts]):
                    family.add_metric([job.resource.type, status], counts.get(status, 0))
        return family

    def queue(self) -> Metric:
        family = GaugeMetricFamily(
            "bulkport_queue_messages",
            "Job messages in the queue: waiting for a worker, or delayed (retries).",
            labels=["state"],
        )
        for state, count in self.dispatcher.queue_depth().items():
            family.add_metric([state], count)
        return family

    def workers(self) -> Metric:
        return GaugeMetricFamily(
            "bulkport_workers",
            "Worker processes alive: heartbeats in Redis, or 1 for a running in-process worker.",
            value=self.dispatcher.live_workers(),
        )


class _Both:
    """The process's own metrics and the scrape-time ones, as one registry to render."""

    def __init__(self, *collectors: Any) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


def routes(settings: Settings, engine: Engine, dispatcher: Dispatcher) -> list[Route]:
    snapshot = Snapshot(settings, engine, dispatcher)

    def registry() -> Any:
        if settings.metrics_dir is None:
            return _Both(REGISTRY, snapshot)
        every_process = CollectorRegistry()
        MultiProcessCollector(every_process, path=str(settings.metrics_dir))
        return _Both(every_process, snapshot)

    def scrape(request: Request) -> Response:  # sync: the database is read on a thread
        if settings.metrics_token is not None:
            _check_token(request, settings.metrics_token)
        return Response(generate_latest(registry()), media_type=CONTENT_TYPE)

    return [Route("/metrics", scrape, methods=["GET"], name="metrics")]


def _check_token(request: Request, expected: str) -> None:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        raise Unauthorized(
            "/metrics needs `Authorization: Bearer <token>`, the token set in "
            "BULKPORT_METRICS_TOKEN",
            headers=CHALLENGE,
        )
