"""One worker per job: a lease (random token) and a heartbeat on the job's row.

A job is claimed when it is pending, or in progress with no heartbeat for
BULKPORT_JOB_STALE_SECONDS (its worker died). Every later write checks, under the row lock,
that the lease is still this worker's, so a job taken over by another worker, interrupted or
deleted, stops at its next step.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.engine import Connection, Engine

from core.db import transaction, utcnow
from core.tenancy import Scope
from records.events import status_changed


def locked_row(conn: Connection, table: Table, job_id: str, columns=None) -> dict[str, Any] | None:
    # By id across organizations: workers serve every tenant; record access then goes through a
    # Scope of the job's own organization.
    stmt = select(*(columns or table.columns)).where(table.c.id == job_id).with_for_update()
    row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def claim(engine: Engine, table: Table, job_id: str, stale_seconds: int):
    """(row, lease) when this worker may run the job now, else None."""
    lease = uuid.uuid4().hex
    stale = utcnow() - timedelta(seconds=stale_seconds)
    with transaction(engine) as conn:
        row = locked_row(conn, table, job_id)
        if row is None or row["status"] not in ("pending", "in_progress"):
            return None
        if row["lease"] and row["heartbeat_at"] and row["heartbeat_at"] > stale:
            return None  # another worker is running it
        now = utcnow()
        changes = {"status": "in_progress", "lease": lease, "heartbeat_at": now}
        if row["started_at"] is None:
            changes["started_at"] = now
        conn.execute(table.update().where(table.c.id == job_id).values(**changes))
        if row["status"] == "pending":
            status_changed(Scope(conn, row["organization_id"]), table.name, "in_progress", [job_id])
        row.update(changes)
    return row, lease


def still_mine(row: dict[str, Any] | None, lease: str) -> bool:
    return row is not None and row["status"] == "in_progress" and row["lease"] == lease


def finish(engine: Engine, table: Table, job_id: str, lease: str, **changes: Any) -> bool:
    """Ends a job (completed, failed...) with ``changes`` if it is still this worker's; whether
    it was."""
    with transaction(engine) as conn:
        row = locked_row(conn, table, job_id)
        if row is None or not still_mine(row, lease):
            return False
        conn.execute(table.update().where(table.c.id == job_id).values(**changes, lease=None))
        if "status" in changes:
            scope = Scope(conn, row["organization_id"])
            status_changed(scope, table.name, changes["status"], [job_id])
    return True
