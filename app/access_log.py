"""The access log: one line per request, its path without the query string.

Query strings carry what must not reach a log: attachment signatures (a working download link
for five minutes) and filter values (customer e-mails, names). Uvicorn's own access log prints
the full URL, so `bulkport serve` turns it off and sends the ``bulkport.access`` logger to
uvicorn's access handler instead (``LOGGER``, ``uvicorn_log_config``): the same line, without the
query. Under another server, configure that logger like any other.

With ``BULKPORT_LOG_FORMAT=json`` every handler of uvicorn's configuration writes one JSON object
per line (core/logs.py); an access line then also has ``method``, ``path``, ``status`` and
``duration_ms`` keys.
"""

from __future__ import annotations

import copy
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.logs import JsonFormatter
from core.request_id import RequestIdFilter

LOGGER = "bulkport.access"
log = logging.getLogger(LOGGER)
REQUEST_ID_PREFIX = "%(levelprefix)s [%(log_context)s] "


def uvicorn_log_config(base: dict[str, Any], log_format: str = "text") -> dict[str, Any]:
    """Uvicorn's logging configuration (``base``) with this access log on its access handler:
    its arguments are those uvicorn's access formatter expects. In ``json``, every formatter is
    the JSON one."""
    config = copy.deepcopy(base)
    if log_format == "json":
        config["formatters"] = {name: {"()": JsonFormatter} for name in config["formatters"]}
    config["loggers"][LOGGER] = {"handlers": ["access"], "level": "INFO", "propagate": False}
    # Every line with the X-Request-Id of its request or job (core/request_id.py), and the
    # app's own lines (`bulkport.*`) on uvicorn's handler too.
    config.setdefault("filters", {})["request_id"] = {"()": RequestIdFilter}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("request_id")
    for formatter in config["formatters"].values():
        if "fmt" in formatter:
            formatter["fmt"] = formatter["fmt"].replace("%(levelprefix)s ", REQUEST_ID_PREFIX, 1)
    config["loggers"].setdefault(
        "bulkport", {"handlers": ["default"], "level": "INFO", "propagate": False}
    )
    # Libraries' warnings (dramatiq's, ...) in the same format, not Python's bare last resort.
    config.setdefault("root", {"handlers": ["default"], "level": "WARNING"})
    return config


class Answer:
    """The status a request was answered with, and how long it took, seen through its ``send``
    (the access log and the HTTP metrics both watch responses this way)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500  # what the server answers when the app fails before it responds
        self.started = time.perf_counter()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)

    def seconds(self) -> float:
        return time.perf_counter() - self.started


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Read now: routing into a mount (/docs/static) appends the mount's path to this very
        # scope's root_path (the path stays whole), and both read afterwards name it twice.
        path = scope.get("root_path", "") + scope["path"]
        answer = Answer(send)
        try:
            await self.app(scope, receive, answer.send)
        finally:
            if log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                address = f"{client[0]}:{client[1]}" if client else "-"
                version = scope.get("http_version", "1.1")
                method, status = scope["method"], answer.status
                took = round(answer.seconds() * 1000, 1)
                fields = {"method": method, "path": path, "status": status, "duration_ms": took}
                log.info('%s - "%s %s HTTP/%s" %d', address, method, path, version, status,
                         extra=fields)  # fmt: skip
