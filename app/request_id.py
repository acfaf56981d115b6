"""`X-Request-Id`: each request gets one (the client's when acceptable, see
core/request_id.py), echoed on its response and set for its log lines, its jobs
(``request_id``) and its 500 error body (app/jsonapi/media.py).

Outermost middleware: the access log line is written inside it. Starlette's 500 handler runs
outside every middleware, so the id is also kept in the ASGI scope for it (``of``).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core import request_id

SCOPE_KEY = "bulkport.request_id"
RAW_HEADER = request_id.HEADER.lower().encode("latin-1")


def of(scope: Scope) -> str:
    """The id of a request (a new one for a request that never passed the middleware)."""
    return scope.get(SCOPE_KEY) or request_id.new_id()


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = next((v for k, v in scope.get("headers") or [] if k == RAW_HEADER), None)
        rid = request_id.accepted(sent.decode("latin-1") if sent is not None else None)
        scope[SCOPE_KEY] = rid

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[request_id.HEADER] = rid
            await send(message)

        with request_id.bound(rid):  # the organization is tagged once the token is checked
            await self.app(scope, receive, with_id)
