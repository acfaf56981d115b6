"""Media types: content negotiation, the response class, body limits and the error handler."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import request_id
from app.jsonapi.encoding import dumps
from core import strict_json
from core.errors import (
    MEDIA_TYPE,
    ApiError,
    BadRequest,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    incident,
)
from core.request_id import HEADER

log = logging.getLogger("bulkport")
ALLOWED_PARAMS = {"ext", "profile"}
MULTIPART = b"multipart/form-data"
FORM_OVERHEAD = 1024 * 1024  # an upload's form fields and part headers, beside its file


class JsonApiResponse(Response):
    media_type = MEDIA_TYPE

    def render(self, content: Any) -> bytes:
        return dumps(content)


def base_url(request: Request) -> str:
    """Absolute base for links: BULKPORT_PUBLIC_URL, else what the request was sent to."""
    configured = request.app.state.settings.public_url
    if configured:
        return configured
    return str(request.base_url).rstrip("/")


def _media_params(value: str) -> tuple[str, set[str]]:
    kind, *params = [p.strip() for p in value.split(";")]
    names = {p.split("=", 1)[0].strip().lower() for p in params if p}
    return kind.lower(), names


def check_content_type(request: Request) -> None:
    kind, params = _media_params(request.headers.get("content-type", ""))
    if kind != MEDIA_TYPE or params - ALLOWED_PARAMS:
        raise UnsupportedMediaType(
            f"Content-Type must be {MEDIA_TYPE} without media type parameters "
            f"(got {request.headers.get('content-type') or 'none'})"
        )


def check_accept(request: Request) -> None:
    accept = request.headers.get("accept")
    if not accept:
        return
    for item in accept.split(","):
        kind, params = _media_params(item)
        params.discard("q")
        if kind in ("*/*", "application/*"):
            return
        if kind == MEDIA_TYPE and not params - ALLOWED_PARAMS:
            return
    raise NotAcceptable(f"Accept must allow {MEDIA_TYPE} without media type parameters")


async def read_document(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, after the Content-Type check."""
    check_content_type(request)
    body = await request.body()
    try:
        doc = strict_json.loads(body)
    except strict_json.JsonRejected as exc:
        raise BadRequest(f"The request body {exc}") from None
    if not isinstance(doc, dict):
        raise BadRequest("The request body must be a JSON object", pointer="")
    return doc


def error_response(exc: ApiError) -> JsonApiResponse:
    return JsonApiResponse({"errors": exc.objects()}, status_code=exc.status, headers=exc.headers)


def _route_without_slash(request: Request) -> str | None:
    """The path without its trailing slash, when that one is served."""
    path = request.url.path.rstrip("/")
    if not path or path == request.url.path:
        return None
    scope = {**request.scope, "path": path}
    served = any(route.matches(scope)[0] != Match.NONE for route in request.app.router.routes)
    return path if served else None


def install_error_handlers(app: Any) -> None:
    async def api_error(_request: Request, exc: Exception) -> Response:
        return error_response(exc)  # type: ignore[arg-type]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            detail = "No route matches this path"
            if without := _route_without_slash(request):
                detail += f": paths take no trailing slash ({without})"
            return error_response(NotFound(detail))
        if exc.status_code == 405:
            detail = "This method is not allowed on this path"
            return error_response(MethodNotAllowed(detail, headers=exc.headers))
        err = ApiError(str(exc.detail), headers=exc.headers)
        err.status = exc.status_code
        return error_response(err)

    async def unexpected(request: Request, exc: Exception) -> Response:
        # The error id is the request id (app/request_id.py): the client quotes one id, and
        # the server log has it on the failure and on every other line of the request.
        rid = request_id.of(request.scope)
        error_id = incident(log, f"{request.method} {request.url.path}", exc, error_id=rid)
        detail = f"An unexpected error occurred (error id {error_id} in the server log)."
        headers = {HEADER: rid}  # this response leaves outside the request id middleware
        return error_response(ApiError(detail, meta={"error_id": error_id}, headers=headers))

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


class BodyLimitMiddleware:
    """Refuses request bodies over the limit with 413, before they are buffered whole."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int = 0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # A multipart upload carries one file up to its own limit, and a few form fields.
        self.upload_max_bytes = upload_max_bytes + FORM_OVERHEAD if upload_max_bytes else 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        max_bytes = self.max_bytes
        if self.upload_max_bytes and headers.get(b"content-type", b"").startswith(MULTIPART):
            max_bytes = self.upload_max_bytes
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            await self._reject(scope, receive, send, max_bytes)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._reject(scope, receive, send, max_bytes)

    async def _reject(self, scope: Scope, receive: Receive, send: Send, max_bytes: int) -> None:
        mb, rest = divmod(max_bytes, 1024 * 1024)
        limit = f"{mb} MB" if mb and not rest else f"{max_bytes} bytes"
        detail = f"The request body exceeds {limit}"
        await error_response(PayloadTooLarge(detail))(scope, receive, send)


class _TooLarge(Exception):
    pass
