"""Idempotency keys of job creations: a request's claim on (organization, key), the response
it stored, and the keys' expiry.

A claim is its own committed insert, guarded by the unique constraint on (organization_id,
key): whichever request inserts first owns the key in every process and on both databases,
and a retry meanwhile finds it `processing` (a 409) instead of waiting on a lock. The response
is stored by ``complete`` in the transaction that inserts the job, so a key is `completed`
exactly when its job exists. A request that fails releases its claim; one whose process died
leaves it `processing` until ``CLAIM_SECONDS`` have passed, when a retry takes it over.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, delete, insert, or_, update
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import IntegrityError

from core.db import new_id, transaction, utcnow
from core.tenancy import Scope
from resources.job_attributes import idempotency_keys as table

RETENTION = timedelta(hours=24)  # how long a key's response is replayed
# Longer than any request may take (a 50 MB upload on a slow link): a claim this old has no
# request left working on it.
CLAIM_SECONDS = 600
PROCESSING, COMPLETED = "processing", "completed"


def _gone(now: Any) -> Any:
    """Rows no request may use any more: expired keys and claims of requests that died."""
    return or_(
        table.c.created_at < now - RETENTION,
        and_(
            table.c.status == PROCESSING,
            table.c.created_at < now - timedelta(seconds=CLAIM_SECONDS),
        ),
    )


def claim(engine: Engine, organization_id: str, key: str) -> str | None:
    """Claims the key for a request; the claim's id, or None when another request holds it
    (still processing, or completed within ``RETENTION``). One insert in the common case; a
    key whose row is expired or whose claim is dead is cleared and claimed again."""
    now = utcnow()
    claim_id = new_id()
    row = dict(id=claim_id, organization_id=organization_id, key=key, status=PROCESSING)
    for _attempt in range(2):
        try:
            with transaction(engine) as conn:
                conn.execute(insert(table).values(**row, created_at=now))
            return claim_id
        except IntegrityError:
            with transaction(engine) as conn:
                stale = Scope(conn, organization_id).delete(table)
                if not conn.execute(stale.where(table.c.key == key, _gone(now))).rowcount:
                    return None  # held: a live claim or a kept response
    return None  # cleared, then claimed by another request in between


def find(engine: Engine, organization_id: str, key: str) -> RowMapping | None:
    with transaction(engine, write=False) as conn:
        stmt = Scope(conn, organization_id).select(table).where(table.c.key == key)
        return conn.execute(stmt).mappings().first()


def complete(
    conn: Connection,
    claim_id: str,
    request_hash: str,
    status: int,
    headers: dict[str, str],
    body: bytes,
) -> None:
    """Stores the response of a claim, in the transaction of the job it created."""
    conn.execute(
        update(table)
        .where(table.c.id == claim_id)
        .values(
            status=COMPLETED, request_hash=request_hash, response_status=status,
            response_headers=headers, response_body=body,
        )
    )  # fmt: skip


def release(engine: Engine, claim_id: str) -> None:
    """Gives up a claim whose request created nothing: a corrected retry may use the key."""
    with transaction(engine) as conn:
        conn.execute(delete(table).where(table.c.id == claim_id, table.c.status == PROCESSING))


def purge(engine: Engine) -> int:
    """Deletes expired keys and dead claims, in every organization (the periodic sweep)."""
    with transaction(engine) as conn:
        return conn.execute(delete(table).where(_gone(utcnow()))).rowcount
