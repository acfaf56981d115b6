"""Runs one cleanup: claim it, then delete the records its filters match, a chunk at a time.

Each chunk is one transaction: the next CHUNK matching ids after the cursor (in id order); the
records other records still need (``records.dependents``) become errors_log entries; the others
are deleted through ``records.write.delete_where``, so each leaves a version whose `who` is the
cleanup. The counters, errors_log and cursor are written in the same commit, under the
cleanup's row lock and only while this worker holds its lease (bulk/leases): a worker dying
mid-run leaves every chunk done or not done, and the next one (a redelivery, or recovery once
the heartbeat is stale) continues after the cursor. `_interrupt` or a DELETE is seen at the next
chunk. A run deletes MAX_RECORDS records at most, whatever was added since it was created.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from bulk import leases
from bulk.cleanups.service import MAX_RECORDS
from core.db import transaction, transient, utcnow
from core.dialect import one_of
from core.errors import incident, message
from core.settings import Settings
from core.tenancy import Scope
from query.filtering import object_conditions
from records.dependents import dependents
from records.write import delete_where
from resources import REGISTRY
from resources.base import Resource
from resources.cleanups import resource as cleanups

log = logging.getLogger("bulkport.cleanups")
TABLE = cleanups.table
CHUNK = 500


def run_cleanup(engine: Engine, settings: Settings, cleanup_id: str) -> None:
    claimed = leases.claim(engine, TABLE, cleanup_id, settings.job_stale_seconds)
    if claimed is None:
        return
    _row, lease = claimed
    try:
        while run_chunk(engine, cleanup_id, lease):
            pass
    except OperationalError as exc:
        if transient(exc):
            raise  # the database is away: dramatiq retries (the lease goes stale, then resumes)
        fail(engine, cleanup_id, lease)  # the same statement would fail on every retry
    except Exception:  # noqa: BLE001 - never leave a cleanup stuck in progress
        fail(engine, cleanup_id, lease)


def run_chunk(engine: Engine, cleanup_id: str, lease: str) -> bool:
    """Deletes the next chunk and commits its outcome; whether there may be more. The last
    call, finding nothing left, completes the cleanup."""
    with transaction(engine) as conn:
        row = leases.locked_row(conn, TABLE, cleanup_id)
        if not leases.still_mine(row, lease):
            return False  # interrupted, deleted or taken over: stop without writing
        assert row is not None
        resource = REGISTRY[row["resource_type"]]
        scope = Scope(conn, row["organization_id"], who={"cleanup": {"id": cleanup_id}})
        ids = next_ids(scope, resource, row, min(CHUNK, MAX_RECORDS - row["processed_count"]))
        if ids:
            kept = delete(scope, resource, ids)
            errors_log = dict(row["errors_log"] or {})
            errors_log.update({record_id: {"base": [why]} for record_id, why in kept.items()})
            changes = {
                "cursor": ids[-1],
                "processed_count": row["processed_count"] + len(ids),
                "errors_count": row["errors_count"] + len(kept),
                "errors_log": errors_log,
                "heartbeat_at": utcnow(),
            }
            conn.execute(TABLE.update().where(TABLE.c.id == cleanup_id).values(**changes))
            return True
    leases.finish(engine, TABLE, cleanup_id, lease, status="completed", completed_at=utcnow())
    return False


def next_ids(scope: Scope, resource: Resource, row: dict[str, Any], limit: int) -> list[str]:
    """Up to ``limit`` ids of matching records after the cursor, in id order."""
    if limit <= 0:
        return []
    table = resource.table
    conditions = object_conditions(scope, resource, row["filters"])
    stmt = scope.select(table, table.c.id).where(*conditions)
    if row["cursor"] is not None:
        stmt = stmt.where(table.c.id > row["cursor"])
    return list(scope.execute(stmt.order_by(table.c.id).limit(limit)).scalars())


def delete(scope: Scope, resource: Resource, ids: list[str]) -> dict[str, str]:
    """Deletes the records of ``ids`` that nothing needs; {id: why} of those it kept."""
    kept = {
        record_id: f"cannot be deleted because dependent {', '.join(types)} exist"
        for record_id, types in dependents(scope, resource, ids).items()
    }
    free = [i for i in ids if i not in kept]
    if free and not _delete(scope, resource, free):
        # A dependency the declarations do not know (a cascade reaching a restricted record):
        # find it one record at a time.
        for record_id in free:
            if not _delete(scope, resource, [record_id]):
                kept[record_id] = message("restrict_dependent_destroy")
    return kept


def _delete(scope: Scope, resource: Resource, ids: list[str]) -> bool:
    """Deletes these records in a savepoint; False (nothing deleted) if the database refused."""
    savepoint = scope.conn.begin_nested()
    try:
        delete_where(scope, resource, one_of(resource.table.c.id, ids))
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def fail(engine: Engine, cleanup_id: str, lease: str) -> None:
    """An unexpected error fails the cleanup; errors_log names the error id under which the
    server logged it (never the error: it may quote SQL)."""
    error_id = incident(log, f"cleanup {cleanup_id} failed")
    text = f"the cleanup stopped on an internal error (error id {error_id} in the server log)"
    with transaction(engine) as conn:
        row = leases.locked_row(conn, TABLE, cleanup_id, [TABLE.c.errors_log])
    errors_log = {**((row or {}).get("errors_log") or {}), "base": {"base": [text]}}
    leases.finish(engine, TABLE, cleanup_id, lease, status="failed", errors_log=errors_log)
