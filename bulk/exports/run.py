"""Runs one export: claim it, read its records page by page from one snapshot, write the file.

Records are read in id order, a page at a time (keyset: `id > last`), inside one read
transaction (REPEATABLE READ on PostgreSQL), so every page sees the same data and the file
agrees with itself and with `records_count`. The file is built in memory (10,000 records at
most) and stored once complete: a worker dying half-way leaves nothing behind, and the next one
(same lease rules as imports) starts over. Progress and the heartbeat are committed per page on
a second connection; `_interrupt` is seen at the next page. Any other error fails the export.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bulk import files, leases
from bulk.exports.plan import encode, field_tree, include_paths, plan
from bulk.exports.shape import fetch, shape
from bulk.exports.writers import to_csv, to_json
from core.db import transaction, utcnow
from core.errors import incident
from core.settings import Settings
from core.tenancy import Scope
from query.filtering import object_conditions
from resources import REGISTRY
from resources.exports import resource as exports

log = logging.getLogger("bulkport.exports")
TABLE = exports.table
PAGE = 2500
GZIP_LEVEL = 3  # half the time of 6 for a tenth more bytes


class Stopped(Exception):
    """The export is no longer this worker's: interrupted, deleted or taken over."""


def run_export(engine: Engine, settings: Settings, export_id: str) -> None:
    claimed = leases.claim(engine, TABLE, export_id, settings.job_stale_seconds)
    if claimed is None:
        return
    row, lease = claimed
    gc.disable()  # tens of thousands of acyclic dicts: cyclic collections only cost time
    try:
        body, count = build(engine, row, lease)
        key = files.store(settings, exports, row, body, GZIP_LEVEL)
        finish(engine, row, lease, status="completed", completed_at=utcnow(), attachment_key=key,
               processed_count=count, records_count=count, progress=100.0)  # fmt: skip
    except Stopped:
        return
    except OperationalError:
        raise  # the database is away: dramatiq retries (the lease goes stale, then resumes)
    except Exception:  # noqa: BLE001 - never leave an export stuck in progress
        error_id = incident(log, f"export {export_id} failed")
        message = f"the export stopped on an internal error (error id {error_id} in the server log)"
        finish(engine, row, lease, status="failed", errors_log={"base": [message]})
    finally:
        gc.enable()


def finish(engine: Engine, row: dict[str, Any], lease: str, **changes: Any) -> None:
    with transaction(engine) as conn:
        if leases.still_mine(leases.locked_row(conn, TABLE, row["id"]), lease):
            stmt = TABLE.update().where(TABLE.c.id == row["id"])
            conn.execute(stmt.values(**changes, lease=None))


def build(engine: Engine, row: dict[str, Any], lease: str) -> tuple[str, int]:
    """The file's text and its number of records."""
    resource = REGISTRY[row["resource_type"]]
    table = resource.table
    dry = bool(row["dry_data"])
    tree = include_paths(row["includes"], row["fields"])
    csv = row["format"] == "csv"
    p = plan(resource, tree, field_tree(row["fields"]), dry, engine.dialect.name, csv)
    items: list[dict[str, Any]] = []
    keys: list[tuple] = []
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        conn = conn.execution_options(bulkport_write=False)
        with conn.begin():
            scope = Scope(conn, row["organization_id"])
            stmt = p.select(scope).where(*object_conditions(scope, resource, row["filters"]))
            stmt = stmt.order_by(table.c.id).limit(PAGE)
            last, id_at = None, p.extra["id"]
            while True:
                page = stmt if last is None else stmt.where(table.c.id > last)
                rows = fetch(scope, page)
                if not rows:
                    break
                items += shape(scope, p, page, rows)
                if dry:
                    keys += [p.sort_key(r) for r in rows]
                last = rows[-1][id_at]
                report(engine, row, lease, len(items))
    if csv:
        if dry:
            items = [item for _k, _t, item in ordered(keys, items)]
        return to_csv(items, p, safe=bool(row["csv_safe"])), len(items)
    if dry:
        return to_json(text for _k, text, _i in ordered(keys, items)), len(items)
    return to_json(map(encode, items)), len(items)


def ordered(keys: list[tuple], items: list[dict]) -> list[tuple[tuple, str, dict]]:
    """Dry exports: by unique key as written, then by content (ids differ between
    organizations, so they cannot order anything that is to come out the same)."""
    entries = [(k, encode(i), i) for k, i in zip(keys, items, strict=True)]
    entries.sort(key=lambda e: (e[0], e[1]))
    return entries


def report(engine: Engine, row: dict[str, Any], lease: str, done: int) -> None:
    """Commits progress and the heartbeat; raises Stopped once the export is not ours."""
    with transaction(engine) as conn:
        current = leases.locked_row(conn, TABLE, row["id"])
        if not leases.still_mine(current, lease):
            raise Stopped
        assert current is not None
        total = max(current["records_count"] or done, done, 1)
        conn.execute(
            TABLE.update()
            .where(TABLE.c.id == row["id"])
            .values(
                processed_count=done,
                progress=round(100 * done / total, 1),
                heartbeat_at=utcnow(),
            )  # fmt: skip
        )
