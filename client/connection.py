"""One connection to a Bulkport server: the access token fetched and refreshed, JSON:API
errors turned into exceptions that say what went wrong, and the retries an unattended job
needs (429 after its ``Retry-After``, 5xx, 409 and dropped connections with backoff).

A ``POST`` is retried only when it carries an ``Idempotency-Key``: the server then answers a
retry with the first response instead of creating a second job.
"""

from __future__ import annotations

import json as jsonlib
import os
import random
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx

MEDIA = "application/vnd.api+json"
USER_AGENT = "bulkport-client"
RETRIED_STATUSES = frozenset({409, 429, 500, 502, 503, 504})
TOKEN_MARGIN_SECONDS = 60  # a token this close to expiring is renewed before it is used
MAX_ATTEMPTS = 8  # ~2 minutes of backoff: a server restart or a network blip, not an outage
BACKOFF_CAP_SECONDS = 30.0


class ClientError(Exception):
    """A usage or connection problem (exit code 2): the command could not do its work."""


class ApiFailure(ClientError):
    """The server refused a request: its status and the first error's words."""

    def __init__(self, status: int, message: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.status = status
        self.errors = errors


@dataclass(frozen=True)
class Target:
    url: str
    client_id: str
    client_secret: str

    @classmethod
    def from_options(
        cls, url: str | None, client_id: str | None, client_secret: str | None
    ) -> Target:
        """Flags first, then the ``BULKPORT_URL``, ``BULKPORT_CLIENT_ID`` and
        ``BULKPORT_CLIENT_SECRET`` variables."""
        values = {
            "--url/BULKPORT_URL": url or os.environ.get("BULKPORT_URL"),
            "--client-id/BULKPORT_CLIENT_ID": client_id or os.environ.get("BULKPORT_CLIENT_ID"),
            "--client-secret/BULKPORT_CLIENT_SECRET": client_secret
            or os.environ.get("BULKPORT_CLIENT_SECRET"),
        }
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise ClientError(f"missing {', '.join(missing)}: give the flag or set the variable")
        found = list(values.values())
        return cls(str(found[0]).rstrip("/"), str(found[1]), str(found[2]))


def error_message(status: int, body: Any) -> tuple[str, list[dict[str, Any]]]:
    """The first JSON:API (or OAuth) error as one line, and all of them."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        words = first.get("detail") or first.get("title") or f"HTTP {status}"
        pointer = (first.get("source") or {}).get("pointer") or (first.get("source") or {}).get(
            "parameter"
        )
        where = f" ({pointer})" if pointer else ""
        return f"HTTP {status}: {words}{where}", errors
    return f"HTTP {status}", []


class Api:
    """A thread-safe session: chunks of one import go up from several threads at once."""

    def __init__(
        self,
        target: Target,
        *,
        timeout: float = 120.0,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Any = time.sleep,
    ) -> None:
        self.target = target
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=target.url,
            timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": MEDIA},
        )
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = threading.Lock()
        self._pause_until = 0.0  # set from X-Ratelimit-* so that every thread slows down

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- the token ---------------------------------------------------------------------------

    def _bearer(self, renew: bool = False) -> str:
        with self._token_lock:
            if renew or self._token is None or time.time() > self._token_expires:
                self._token, self._token_expires = self._fetch_token()
            return self._token

    def _fetch_token(self) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.target.client_id,
            "client_secret": self.target.client_secret,
        }
        # No server at all on the first contact is a wrong URL, not a blip: said at once.
        attempts = self.max_attempts if self._token else 1
        response = self._send(
            "POST", "/oauth/token", {"json": form}, retry_post=True, attempts=attempts
        )
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            detail = (
                body.get("error_description") or body.get("errors")
                if isinstance(body, dict)
                else None
            )
            raise ClientError(
                f"{self.target.url} refused the client credentials "
                f"(HTTP {response.status_code}{': ' + str(detail) if detail else ''})"
            )
        lifetime = float(body.get("expires_in") or 7200)
        return str(body["access_token"]), time.time() + max(lifetime - TOKEN_MARGIN_SECONDS, 1)

    # -- requests ----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        ok: tuple[int, ...] = (200, 201, 202, 204),
    ) -> httpx.Response:
        """Sends with the token (renewed once on a 401) and retries; a status outside ``ok``
        raises ``ApiFailure``. ``files`` values may be callables opening a fresh file: a
        retried upload sends the file again from its start."""
        extra = dict(headers or {})
        if json is not None:
            extra["Content-Type"] = MEDIA
        if idempotency_key:
            extra["Idempotency-Key"] = idempotency_key
        renewed = False
        while True:
            extra["Authorization"] = f"Bearer {self._bearer(renew=renewed)}"
            options: dict[str, Any] = {"params": params, "headers": extra}
            if json is not None:
                options["content"] = _dumps(json)
            if data is not None:
                options["data"] = data
            if files is not None:
                options["files"] = files
            response = self._send(method, path, options, retry_post=bool(idempotency_key))
            if response.status_code == 401 and not renewed:
                renewed = True
                continue
            if response.status_code not in ok:
                message, errors = error_message(response.status_code, _json(response))
                raise ApiFailure(response.status_code, message, errors)
            return response

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return _json(self.request("GET", path, params=params or None))

    def create(
        self,
        resource_type: str,
        attributes: Mapping[str, Any],
        *,
        key: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """``POST /api/<type>`` with an ``Idempotency-Key`` (a new one when not given)."""
        body = {"data": {"type": resource_type, "attributes": dict(attributes)}}
        response = self.request(
            "POST", f"/api/{resource_type}", json=body, headers=headers,
            idempotency_key=key or new_key(),
        )  # fmt: skip
        return _json(response)["data"]

    def update(self, resource_type: str, id: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        body = {"data": {"type": resource_type, "id": id, "attributes": dict(attributes)}}
        return _json(self.request("PATCH", f"/api/{resource_type}/{id}", json=body))["data"]

    @contextmanager
    def download(self, url: str) -> Iterator[httpx.Response]:
        """Streams a signed attachment URL (no token: the signature is the permission)."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                with self._http.stream("GET", url) as response:
                    if response.status_code in RETRIED_STATUSES and attempt < self.max_attempts:
                        self._backoff(attempt, response)
                        continue
                    if response.status_code != 200:
                        raise ClientError(
                            f"downloading {url.split('?')[0]}: HTTP {response.status_code}"
                        )
                    yield response
                    return
            except httpx.TransportError as exc:
                if attempt >= self.max_attempts:
                    raise ClientError(f"downloading {url.split('?')[0]}: {exc}") from None
                self._backoff(attempt, None)
        raise ClientError(f"downloading {url.split('?')[0]}: no answer")

    def _send(
        self,
        method: str,
        path: str,
        options: dict[str, Any],
        *,
        retry_post: bool,
        attempts: int | None = None,
    ) -> httpx.Response:
        retryable = method in ("GET", "HEAD", "PATCH", "DELETE") or retry_post
        max_attempts = attempts or self.max_attempts
        for attempt in range(1, max_attempts + 1):
            self._wait_for_room()
            try:
                sent = dict(options)
                if callable_files := sent.get("files"):
                    sent["files"] = {k: _fresh(v) for k, v in callable_files.items()}
                response = self._http.request(method, path, **sent)
            except httpx.TransportError as exc:
                if not retryable or attempt >= max_attempts:
                    raise ClientError(f"cannot reach {self.target.url}: {exc}") from None
                self._backoff(attempt, None)
                continue
            self._note_limits(response)
            if (
                response.status_code in RETRIED_STATUSES
                and (retryable or response.status_code == 429)
                and attempt < max_attempts
            ):
                self._backoff(attempt, response)
                continue
            return response
        raise ClientError(f"{self.target.url} did not answer {method} {path}")

    # -- pacing ------------------------------------------------------------------------------

    def _note_limits(self, response: httpx.Response) -> None:
        """With the last request of a window spent, every thread waits for one request's
        share of the window (``X-Ratelimit-Interval`` / ``X-Ratelimit-Limit``)."""
        try:
            remaining = int(response.headers["X-Ratelimit-Remaining"])
            limit = int(response.headers["X-Ratelimit-Limit"])
            interval = float(response.headers["X-Ratelimit-Interval"])
        except (KeyError, ValueError):
            return
        if remaining <= 1 and limit > 0:
            self._pause_until = max(self._pause_until, time.monotonic() + interval / limit)

    def _wait_for_room(self) -> None:
        delay = self._pause_until - time.monotonic()
        if delay > 0:
            self._sleep(delay)

    def _backoff(self, attempt: int, response: httpx.Response | None) -> None:
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after and retry_after.isdigit():
            delay = float(retry_after)
            self._pause_until = max(self._pause_until, time.monotonic() + delay)
        else:
            delay = min(BACKOFF_CAP_SECONDS, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)
        self._sleep(delay)


def new_key() -> str:
    return f"bulkport-{uuid.uuid4()}"


def _fresh(value: Any) -> Any:
    """A file part given as a callable is opened anew for each attempt."""
    if callable(value):
        return value()
    return value


def _dumps(value: Any) -> bytes:
    return jsonlib.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return {}
