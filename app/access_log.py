"""The access log: one line per request, its path without the query string.

Query strings carry what must not reach a log: attachment signatures (a working download link
for five minutes) and filter values (customer e-mails, names). Uvicorn's own access log prints
the full URL, so `bulkport serve` turns it off and sends the ``bulkport.access`` logger to
uvicorn's access handler instead (``LOGGER``, ``uvicorn_log_config``): the same line, without the
query. Under another server, configure that logger like any other.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER = "bulkport.access"
log = logging.getLogger(LOGGER)


def uvicorn_log_config(base: dict[str, Any]) -> dict[str, Any]:
    """Uvicorn's logging configuration (``base``) with this access log on its access handler:
    its arguments are those uvicorn's access formatter expects."""
    config = copy.deepcopy(base)
    config["loggers"][LOGGER] = {"handlers": ["access"], "level": "INFO", "propagate": False}
    return config


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the server answers when the app fails before its response starts

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            if log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                address = f"{client[0]}:{client[1]}" if client else "-"
                path = scope.get("root_path", "") + scope["path"]
                version = scope.get("http_version", "1.1")
                log.info('%s - "%s %s HTTP/%s" %d', address, scope["method"], path, version, status)
