"""Delivering the outbox (records/events.py): one signed POST per delivery row and attempt.

    claim      the row is this worker's while its `due_at` is pushed past the attempt
    payload    the record's document now (``payload``), or the type and id of a destroyed one
    POST       to the address the rule checked (``addresses``), no redirects, short timeouts
    record     one `event_callbacks` row per attempt; on success the row goes and the
               webhook's failure count is zeroed, on failure it is retried with exponential
               backoff (BULKPORT_WEBHOOKS_RETRY_SECONDS, doubled each time, MAX_ATTEMPTS in all)
               and the failure counted: CIRCUIT_THRESHOLD in a row open the circuit, and an
               open circuit's deliveries are dropped unsent until `_reset_circuit`.

Messages leave after the commit that queued the rows (``Dispatcher.deliver``); ``due`` finds
the rows whose message never came (a job's events, a lost message, retries) for the sweep.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import timedelta
from typing import Any

import urllib3
from sqlalchemy import case, select, update
from sqlalchemy.engine import Engine

from bulk.webhooks.addresses import Refused, Target, check
from bulk.webhooks.payload import destroyed, document
from core import metrics
from core.db import new_id, transaction, utcnow
from core.json_codec import dumps_bytes, loads
from core.settings import Settings
from core.tenancy import Scope
from resources import REGISTRY
from resources.event_callbacks import resource as event_callbacks
from resources.webhooks import deliveries
from resources.webhooks import resource as webhooks

log = logging.getLogger("bulkport.webhooks")
MAX_ATTEMPTS = 6
CIRCUIT_THRESHOLD = 10  # consecutive failed attempts of a webhook, whichever its events
TIMEOUT_SECONDS = 5.0
CLAIM_SECONDS = 60  # an attempt lasts at most 2 timeouts: then another worker may retry
MESSAGE_MAX = 1024  # characters of a response kept in `response_message`
GRACE_SECONDS = 1.0  # a row due this long without its message being taken is sent again
HOOKS, D = webhooks.table, deliveries


def deliver(engine: Engine, settings: Settings, delivery_id: str) -> None:
    claimed = claim(engine, settings, delivery_id)
    if claimed is None:
        return
    delivery, hook, body = claimed
    status, message = post(settings, hook, delivery["topic"], body)
    outcome = finish(engine, settings, delivery, hook, body, status, message)
    if outcome is not None:
        metrics.WEBHOOK_DELIVERIES.labels(outcome).inc()


def claim(
    engine: Engine, settings: Settings, delivery_id: str
) -> tuple[dict[str, Any], dict[str, Any], bytes] | None:
    """The delivery, its webhook and the body to send, when this worker is to send it now."""
    now = utcnow()
    with transaction(engine) as conn:
        taken = conn.execute(
            update(D).where(D.c.id == delivery_id, D.c.due_at <= now)
            .values(due_at=now + timedelta(seconds=CLAIM_SECONDS))
        ).rowcount  # fmt: skip
        if not taken:
            return None  # sent already, being sent, or not due yet
        delivery = dict(conn.execute(select(D).where(D.c.id == delivery_id)).mappings().one())
        found = conn.execute(select(HOOKS).where(HOOKS.c.id == delivery["webhook_id"]))
        hook = dict(found.mappings().one())  # deleting the webhook deletes its deliveries
        if hook["circuit_state"] == "open":
            conn.execute(D.delete().where(D.c.id == delivery_id))
            return None
        scope = Scope(conn, delivery["organization_id"])
        resource = REGISTRY[delivery["resource_type"]]
        doc = None
        if not delivery["topic"].endswith(".destroy"):
            include = hook["include_resources"] or []
            doc = document(scope, settings, resource, delivery["resource_id"], include)
        doc = doc or destroyed(resource.type, delivery["resource_id"])
    return delivery, hook, dumps_bytes(doc)


def signature(body: bytes, secret: str) -> str:
    """Base64 of the HMAC-SHA256 of the raw body, as Commerce Layer signs callbacks."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post(
    settings: Settings, hook: dict[str, Any], topic: str, body: bytes
) -> tuple[int | None, str]:
    """(status, message) of one attempt; no status when none came back."""
    try:
        target = check(hook["callback_url"], settings.webhooks_allow_private)
    except Refused as exc:
        return None, f"callback_url {exc}"
    headers = {
        "Content-Type": "application/vnd.api+json",
        "User-Agent": "Bulkport-Webhooks",
        "X-CommerceLayer-Topic": topic,
        "X-CommerceLayer-Signature": signature(body, hook["secret"]),
        "Host": target.url.netloc.rpartition("@")[2],
    }
    path = target.url.path or "/"
    if target.url.query:
        path += "?" + target.url.query
    pool = _pool(target)
    try:
        response = pool.urlopen(
            "POST", path, body=body, headers=headers, redirect=False, retries=False,
            preload_content=False, assert_same_host=False,
        )  # fmt: skip
        text = response.read(MESSAGE_MAX * 4, decode_content=True)
        response.close()
    except urllib3.exceptions.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:MESSAGE_MAX]
    finally:
        pool.close()
    message = text.decode("utf-8", "replace")[:MESSAGE_MAX] or (response.reason or "")
    return response.status, message


def _pool(target: Target) -> urllib3.HTTPConnectionPool:
    """A connection to the checked address; for https, TLS verified against the URL's host."""
    timeout = urllib3.Timeout(connect=TIMEOUT_SECONDS, read=TIMEOUT_SECONDS)
    if target.url.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            target.address, target.port, timeout=timeout, maxsize=1, retries=False,
            server_hostname=target.host, assert_hostname=target.host, cert_reqs="CERT_REQUIRED",
        )  # fmt: skip
    return urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, maxsize=1)


def finish(
    engine: Engine,
    settings: Settings,
    delivery: dict[str, Any],
    hook: dict[str, Any],
    body: bytes,
    status: int | None,
    message: str,
) -> str | None:
    """Records the attempt, then deletes the row, or schedules its retry and counts the
    failure (opening the circuit at the threshold). The outcome: delivered, failed (to be
    retried) or given_up; None when the webhook was deleted meanwhile."""
    ok = status is not None and 200 <= status < 300
    now = utcnow()
    with transaction(engine) as conn:
        scope = Scope(conn, delivery["organization_id"])
        if (
            scope.execute(scope.select(HOOKS, HOOKS.c.id).where(HOOKS.c.id == hook["id"])).first()
            is None
        ):
            return None  # deleted meanwhile, with its deliveries and callbacks
        scope.insert(event_callbacks.table, [{
            "id": new_id(), "created_at": now, "updated_at": now, "webhook_id": hook["id"],
            "callback_url": hook["callback_url"], "payload": loads(body),
            "response_code": None if status is None else str(status),
            "response_message": message, "metadata": {},
        }])  # fmt: skip
        count = HOOKS.c.circuit_failure_count
        if ok:
            changes: dict[str, Any] = {"circuit_failure_count": 0}
        else:
            opened = case((count + 1 >= CIRCUIT_THRESHOLD, "open"), else_=HOOKS.c.circuit_state)
            changes = {"circuit_failure_count": count + 1, "circuit_state": opened}
        scope.execute(scope.update(HOOKS).where(HOOKS.c.id == hook["id"]).values(**changes))
        attempts = delivery["attempts"] + 1
        mine = scope.update(D).where(D.c.id == delivery["id"])
        if ok or attempts >= MAX_ATTEMPTS:
            scope.execute(scope.delete(D).where(D.c.id == delivery["id"]))
            if ok:
                return "delivered"
            log.warning("webhook %s: %s given up after %d attempts", hook["id"],
                        delivery["topic"], attempts)  # fmt: skip
            return "given_up"
        backoff = settings.webhooks_retry_seconds * 2 ** (attempts - 1)
        scope.execute(mine.values(attempts=attempts, due_at=now + timedelta(seconds=backoff)))
    return "failed"


def due(engine: Engine, limit: int = 500) -> list[str]:
    """Deliveries due for a while whose message no worker took: a job's events, retries,
    messages lost with a process or an unreachable Redis."""
    late = utcnow() - timedelta(seconds=GRACE_SECONDS)
    with transaction(engine, write=False) as conn:
        stmt = select(D.c.id).where(D.c.due_at <= late).order_by(D.c.due_at).limit(limit)
        return list(conn.execute(stmt).scalars())
