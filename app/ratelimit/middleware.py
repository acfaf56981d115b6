"""What each request is counted against, and the middleware that counts it.

    /api/...      reads (GET, HEAD, OPTIONS) or writes (everything else), each counted for the
                  access token and for its organization (``organization_factor`` times a
                  token's limits, shared by all its tokens); without a valid token, for the
                  client's IP address at a token's limits
    /oauth/token  every request, for the client's IP address; and a client_id that failed to
                  authenticate ``rate_limit_failed_auth`` times is refused until the window
                  slides, even with the right secret

Every response of these paths carries ``X-Ratelimit-Limit``, ``-Interval`` and ``-Remaining``
for the window closest to running out; a refused request gets 429 with ``Retry-After``.

A token's organization comes from its verified claims, never from unverified ones (a forged
token could then use up another organization's requests). Verifying an RS512 signature costs
about 0.25 ms, so this is done once per token and minute (``Organizations``), not per request:
the endpoint verifies it again anyway, and the limiter only needs to know whose it is.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Sequence

import jwt
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.auth import tokens
from app.auth.backend import bearer_token
from app.auth.routes import NO_STORE, token_params
from app.jsonapi.media import error_response
from app.ratelimit.limits import (
    Counter,
    Usage,
    rate_headers,
    refusal,
    refused,
    refused_by,
    windows,
)
from app.ratelimit.stores import Mode, Store, make_store
from core import metrics
from core.errors import InvalidToken, TooManyRequests, Unauthorized
from core.settings import Settings

TOKEN_PATH = "/oauth/token"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
KNOWN_TOKEN_SECONDS = 60  # how long a token's organization is remembered (at most its expiry)


def _digest(text: str) -> str:
    """A counter key for a secret or client-chosen string: fixed length, nothing to read."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def client_ip(scope: Scope) -> str:
    """The peer address (behind a proxy, uvicorn's --proxy-headers makes it the client's)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class Organizations:
    """Which organization a token (by digest) belongs to, or None for a token that does not
    verify: remembered for ``KNOWN_TOKEN_SECONDS``, at most ``size`` tokens."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._known: OrderedDict[str, tuple[float, str | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, digest: str) -> tuple[bool, str | None]:
        with self._lock:
            entry = self._known.get(digest)
            if entry is None or entry[0] <= time.monotonic():
                return False, None
            self._known.move_to_end(digest)
            return True, entry[1]

    def put(self, digest: str, organization: str | None, seconds: float) -> None:
        with self._lock:
            self._known[digest] = (time.monotonic() + seconds, organization)
            self._known.move_to_end(digest)
            while len(self._known) > self.size:
                self._known.popitem(last=False)


class Limiter:
    """The limits of one application (from its settings) and the store that counts them."""

    def __init__(self, settings: Settings, engine: Engine, store: Store) -> None:
        self.settings = settings
        self.engine = engine
        self.store = store
        factor = settings.rate_limit_organization_factor
        self.token_windows = {
            "reads": windows(settings.rate_limit_reads),
            "writes": windows(settings.rate_limit_writes),
        }
        self.organization_windows = {
            "reads": windows(settings.rate_limit_reads, factor),
            "writes": windows(settings.rate_limit_writes, factor),
        }
        self.oauth_windows = windows(settings.rate_limit_oauth)
        self.failed_auth_windows = windows(settings.rate_limit_failed_auth)
        self.organizations = Organizations()

    async def hit(self, counters: Sequence[Counter], mode: Mode = "acquire") -> list[Usage]:
        if self.store.blocking:
            return await run_in_threadpool(self.store.hit, counters, mode)
        return self.store.hit(counters, mode)

    def close(self) -> None:
        self.store.close()

    def organization_of(self, token: str) -> str | None:
        """The organization of a token whose signature and expiry check out, else None."""
        digest = _digest(token)
        known, organization = self.organizations.get(digest)
        if known:
            return organization
        seconds: float = KNOWN_TOKEN_SECONDS
        try:
            organization = tokens.verify(self.engine, self.settings, token).organization_id
        except InvalidToken:
            organization = None
        else:
            claims = jwt.decode(token, options={"verify_signature": False})
            seconds = min(seconds, claims["exp"] - time.time())
        self.organizations.put(digest, organization, seconds)
        return organization

    def api_counters(self, scope: Scope) -> list[Counter]:
        kind = "reads" if scope["method"] in READ_METHODS else "writes"
        try:
            token: str | None = bearer_token(Request(scope))
        except Unauthorized:
            token = None
        organization = self.organization_of(token) if token else None
        if token is None or organization is None:
            return [
                Counter(
                    f"{kind}:ip:{client_ip(scope)}",
                    self.token_windows[kind],
                    kind,
                    "from this IP address without a valid access token",
                )
            ]
        return [
            Counter(f"{kind}:token:{_digest(token)}", self.token_windows[kind], kind,
                    "for this access token"),
            Counter(f"{kind}:organization:{organization}", self.organization_windows[kind], kind,
                    "for this organization"),
        ]  # fmt: skip

    def oauth_counter(self, scope: Scope) -> Counter:
        return Counter(
            f"oauth:ip:{client_ip(scope)}",
            self.oauth_windows,
            "token requests",
            "from this IP address",
        )

    def failed_auth_counter(self, client_id: str) -> Counter:
        return Counter(
            f"failed-auth:client:{_digest(client_id)}",
            self.failed_auth_windows,
            "failed client authentications",
            "for this client_id",
        )


def make_limiter(settings: Settings, engine: Engine) -> Limiter | None:
    """The application's limiter; None when ``BULKPORT_RATE_LIMITS=off``."""
    if not settings.rate_limits:
        return None
    return Limiter(settings, engine, make_store(settings))


def counted(usages: Sequence[Usage]) -> None:
    """A refusal, on /metrics by the limit that refused (core/metrics.py): the first two parts
    of its counter's key, such as ``writes`` ``token``."""
    limit, per = refused_by(usages).key.split(":")[:2]
    metrics.RATE_LIMIT_REFUSALS.labels(limit, per).inc()


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            response_headers = MutableHeaders(scope=message)
            for name, value in headers.items():
                response_headers[name] = value
        await send(message)

    return sending


def _oauth_refusal(error: TooManyRequests) -> Response:
    """The same error document as on /api, served as the token endpoint serves everything:
    ``application/json``, never cached."""
    headers = {**NO_STORE, **(error.headers or {})}
    return JSONResponse({"errors": error.objects()}, status_code=error.status, headers=headers)


async def _read_ahead(scope: Scope, receive: Receive, limit: int) -> tuple[bytes | None, Receive]:
    """The request body, read before the app reads it (None past ``limit`` bytes: the body
    limit middleware refuses those), and a receive that gives the app the same messages."""
    read: deque[Message] = deque()

    async def replay() -> Message:
        return read.popleft() if read else await receive()

    length = Headers(scope=scope).get("content-length", "")
    if length.isdigit() and int(length) > limit:
        return None, receive
    parts, size = [], 0
    while True:
        message = await receive()
        read.append(message)
        if message["type"] != "http.request":
            return None, replay  # the client went away
        parts.append(message.get("body", b""))
        size += len(parts[-1])
        if size > limit:
            return None, replay
        if not message.get("more_body", False):
            return b"".join(parts), replay


async def _client_id(scope: Scope, body: bytes) -> str | None:
    """The client_id a token request authenticates as, read exactly as the endpoint reads it
    (JSON or form body, else HTTP Basic)."""

    async def once() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    request = Request(scope, once)
    try:
        params = await token_params(request)
    except Exception:  # noqa: BLE001 - a body the endpoint will refuse (malformed multipart, ...)
        return None
    finally:
        await request.close()
    return params.get("client_id") if params else None


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, limiter: Limiter | None) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limiter = self.limiter
        if scope["type"] != "http" or limiter is None:
            await self.app(scope, receive, send)
        elif scope["path"] == TOKEN_PATH:
            await self._token_request(limiter, scope, receive, send)
        elif scope["path"] == "/api" or scope["path"].startswith("/api/"):
            await self._api_request(limiter, scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _api_request(
        self, limiter: Limiter, scope: Scope, receive: Receive, send: Send
    ) -> None:
        usages = await limiter.hit(limiter.api_counters(scope))
        if refused(usages):
            counted(usages)
            await error_response(refusal(usages))(scope, receive, send)
            return
        await self.app(scope, receive, _with_headers(send, rate_headers(usages)))

    async def _token_request(
        self, limiter: Limiter, scope: Scope, receive: Receive, send: Send
    ) -> None:
        usages = await limiter.hit([limiter.oauth_counter(scope)])
        if refused(usages):
            counted(usages)
            await _oauth_refusal(refusal(usages))(scope, receive, send)
            return
        body, receive = await _read_ahead(scope, receive, limiter.settings.max_body_bytes)
        client_id = await _client_id(scope, body) if body is not None else None
        failures = limiter.failed_auth_counter(client_id) if client_id else None
        if failures is not None:
            locked = await limiter.hit([failures], "peek")
            if refused(locked):
                counted(locked)
                await _oauth_refusal(refusal(locked))(scope, receive, send)
                return
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, _with_headers(sending, rate_headers(usages)))
        if status == 401 and failures is not None:
            await limiter.hit([failures], "add")
