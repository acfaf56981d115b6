"""Runs one export: claim it, read its records page by page from one snapshot, write the file.

The file is built in memory (10,000 records at most) and stored once complete, so a worker
dying half-way leaves nothing behind: the next one (same lease rules as imports) starts over.
Progress is committed per page on a second connection; `_interrupt` is seen at the next page.
"""

from __future__ import annotations

import gzip
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError

from app.db import transaction, utcnow
from app.jsonapi.includes import IncludeLoader, include_tree
from app.services.exports import conditions
from app.tenancy import Scope
from resources import REGISTRY
from resources.exports import resource as exports
from workers import leases
from workers.exports.shape import Shaper, key_order
from workers.exports.writers import to_csv, to_json
from workers.storage import storage_for

if TYPE_CHECKING:
    from workers.jobs import Jobs

log = logging.getLogger("bulkport.exports")
TABLE = exports.table
PAGE = 500


def process(jobs: Jobs, export_id: str) -> None:
    claimed = leases.claim(jobs.engine, TABLE, export_id, jobs.settings.job_stale_seconds)
    if claimed is None:
        return
    row, lease = claimed
    try:
        items = collect(jobs, row, lease)
        if items is None:
            return  # interrupted, deleted or taken over
        body = to_csv(items) if row["format"] == "csv" else to_json(items)
        ext = "csv" if row["format"] == "csv" else "json"
        key = f"exports/{row['organization_id']}/{row['id']}.{ext}.gz"
        storage_for(jobs.settings).put(key, gzip.compress(body.encode(), 6), "application/gzip")
        with transaction(jobs.engine) as conn:
            if leases.still_mine(leases.locked_row(conn, TABLE, export_id), lease):
                conn.execute(
                    TABLE.update()
                    .where(TABLE.c.id == export_id)
                    .values(
                        status="completed",
                        completed_at=utcnow(),
                        attachment_key=key,
                        processed_count=len(items),
                        records_count=len(items),
                        progress=100.0,
                        lease=None,
                    )  # fmt: skip
                )
    except OperationalError:
        raise  # the database is away: dramatiq retries
    except Exception as exc:  # noqa: BLE001 - never leave an export stuck in progress
        log.exception("export %s failed", export_id)
        with transaction(jobs.engine) as conn:
            if leases.still_mine(leases.locked_row(conn, TABLE, export_id), lease):
                conn.execute(
                    TABLE.update()
                    .where(TABLE.c.id == export_id)
                    .values(
                        status="failed", errors_log={type(exc).__name__: str(exc)}, lease=None
                    )  # fmt: skip
                )


def collect(jobs: Jobs, row: dict[str, Any], lease: str) -> list[dict] | None:
    resource = REGISTRY[row["resource_type"]]
    table = resource.table
    tree = include_tree([tuple(p.split(".")) for p in row["includes"] or []])
    dry = bool(row["dry_data"])
    order = [table.c[c] for c in key_order(resource)] if dry else []
    items: list[dict] = []
    # One read transaction for the whole file: REPEATABLE READ on PostgreSQL gives every page
    # the same snapshot, so the file agrees with itself and with its count.
    with jobs.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        conn = conn.execution_options(bulkport_write=False)
        with conn.begin():
            scope = Scope(conn, row["organization_id"])
            shaper = Shaper(IncludeLoader(scope), dry, row["fields"])
            stmt = scope.select(table).where(*conditions(scope, resource, row["filters"]))
            offset = 0
            while True:
                page_stmt = stmt.order_by(*order, table.c.id).limit(PAGE).offset(offset)
                page = [dict(r) for r in scope.execute(page_stmt).mappings()]
                if not page:
                    break
                items.extend(shaper.rows(resource, page, tree))
                offset += len(page)
                if not report(jobs, row, lease, len(items)):
                    return None
    return items


def report(jobs: Jobs, row: dict[str, Any], lease: str, done: int) -> bool:
    """Commits progress and the heartbeat; False once the export is no longer this worker's."""
    with transaction(jobs.engine) as conn:
        current = leases.locked_row(conn, TABLE, row["id"])
        if not leases.still_mine(current, lease):
            return False
        total = max(current["records_count"] or done, 1)
        conn.execute(
            TABLE.update()
            .where(TABLE.c.id == row["id"])
            .values(
                processed_count=done,
                progress=round(min(100.0, 100 * done / total), 1),
                heartbeat_at=utcnow(),
            )  # fmt: skip
        )
    return True
