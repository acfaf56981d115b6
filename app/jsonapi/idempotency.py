"""The `Idempotency-Key` header on the POST of types declared ``idempotent`` (the jobs): the
first response to a key is kept for 24 hours per organization (bulk/idempotency.py), and a
retry with the same key and body gets it again instead of a second job.

Bodies are compared by a sha256. A JSON body is hashed as the endpoint reads it (``BodyHash``
wraps the ASGI receive). A multipart upload is hashed by its parts (fields, file name, and the
file read back from Starlette's spooled copy in 1 MB chunks, never whole in memory), not by its
raw bytes: every encoding picks a new random boundary (curl -F, httpx, browsers), so a retry
that re-sends the same file and fields would otherwise never match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
from sqlalchemy.engine import Connection, RowMapping
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive

from app.auth.backend import require_writer, verify_request
from app.jsonapi.uploads import is_upload, read_upload
from bulk import idempotency
from core.errors import Conflict, InvalidHeader

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEPT_HEADERS = ("content-type", "location")  # what a replay repeats (not rate limits, dates)
REPLAYED = "Idempotent-Replayed"

CHUNK = 1024 * 1024

# Stores a response in the transaction that created its record, with the upload's parsed
# form (``read_upload``) for a multipart request.
Remember = Callable[[Connection, Response, Any], None]
Create = Callable[[Request, Remember | None], Awaitable[Response]]


class BodyHash:
    """The sha256 of a request body, updated by each message the app receives."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self.sha = hashlib.sha256()

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.request":
            self.sha.update(message.get("body", b""))
        return message


def parts_digest(read: Any) -> str:
    """The sha256 of a parsed upload (``read_upload``): its fields, file name, sheet and file."""
    fields, upload = read
    sha = hashlib.sha256()
    sha.update(json.dumps([sorted(fields.items()), upload.name, upload.sheet]).encode())
    upload.file.seek(0)
    while chunk := upload.file.read(CHUNK):
        sha.update(chunk)
    upload.file.seek(0)
    return sha.hexdigest()


async def _digest(request: Request, body: BodyHash) -> str:
    """The digest of a retry's body (read here: the endpoint will not run)."""
    if not is_upload(request):
        async for _chunk in request.stream():  # hashed by ``body``, not kept
            pass
        return body.sha.hexdigest()
    try:
        return await run_in_threadpool(parts_digest, await read_upload(request))
    finally:
        await request.close()  # the form's spooled file


def wants_idempotency(request: Request) -> bool:
    return HEADER.lower() in request.headers


def _key(request: Request) -> str:
    key = request.headers[HEADER]
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidHeader(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters long (got {len(key)})",
            header=HEADER,
        )
    return key


def _replay(stored: RowMapping) -> Response:
    headers = {**(stored["response_headers"] or {}), REPLAYED: "true"}
    return Response(stored["response_body"], stored["response_status"], headers=headers)


async def idempotent(request: Request, create: Create) -> Response:
    """Runs ``create`` once per organization and key; replays its response to retries."""
    # Whose key it is; and only a writer may see a kept response (an anonymous request or a
    # sales channel learns nothing)
    principal = verify_request(request)
    require_writer(principal)
    key = _key(request)
    engine = request.app.state.engine
    organization_id = principal.organization_id
    body = BodyHash(request.receive)
    hashed = Request(request.scope, body.receive)
    claim_id = await run_in_threadpool(idempotency.claim, engine, organization_id, key)
    if claim_id is None:
        stored = await run_in_threadpool(idempotency.find, engine, organization_id, key)
        if stored is None or stored["status"] != idempotency.COMPLETED:
            raise Conflict(
                f"A request with this {HEADER} is still being handled: retry once it has answered",
                header=HEADER,
            )
        if await _digest(hashed, body) != stored["request_hash"]:
            raise InvalidHeader(
                f"This {HEADER} was used for a request with a different body: use a new key "
                "for a new request",
                header=HEADER,
            )
        return _replay(stored)

    def remember(conn: Connection, response: Response, upload: Any) -> None:
        digest = parts_digest(upload) if upload is not None else body.sha.hexdigest()
        headers = {k: v for k, v in response.headers.items() if k in KEPT_HEADERS}
        status, content = response.status_code, bytes(response.body)
        idempotency.complete(conn, claim_id, digest, status, headers, content)

    try:
        return await create(hashed, remember)
    except BaseException:
        # Nothing was created (the transaction rolled back): the key is free for a retry.
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(idempotency.release, engine, claim_id)
        raise
