"""Runs one export: claim it, read its records page by page from one snapshot, write the file.

Records are read in id order, a page at a time (keyset: `id > last`), inside one read
transaction (REPEATABLE READ on PostgreSQL), so every page sees the same data and the file
agrees with itself and with `records_count`. On PostgreSQL the database shapes each record into
its text in the file (``database``; JIT off: compiling those expressions costs more than it
saves); elsewhere, and for what only Python renders, ``shape`` and ``writers`` do. Each page is
gzipped into a temporary file as it comes (``files.store_stream``) and the file is stored once
complete: a worker dying half-way leaves nothing behind, and the next one (same lease rules as
imports) starts over. Dry exports are ordered by key, so their records (10,000 at most) are
held until the last page. Progress, the estimated completion (the time left extrapolated from
the pages so far) and the heartbeat are committed per page on a second connection;
`_interrupt` is seen at the next page. Any other error fails the export; `_start` (service)
puts an interrupted or failed one back to pending, to run from the beginning.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bulk import files, leases
from bulk.exports import database
from bulk.exports.plan import Plan, encode, field_tree, include_paths, plan, sort_key
from bulk.exports.shape import fetch, shape
from bulk.exports.writers import CsvFile, JsonFile
from core.collector import collector_paused
from core.db import transaction, transient, utcnow
from core.errors import incident
from core.settings import Settings
from core.tenancy import Scope
from query.filtering import object_conditions
from records.events import status_changed
from resources import REGISTRY
from resources.exports import resource as exports

log = logging.getLogger("bulkport.exports")
TABLE = exports.table
PAGE = 2500
GZIP_LEVEL = 3  # half the time of 6 for a tenth more bytes
# A page of records: (dry sort key, JSON text for the dry order, what the writer writes).
Page = list[tuple[tuple, str, Any]]


class Stopped(Exception):
    """The export is no longer this worker's: interrupted, deleted or taken over."""


def run_export(engine: Engine, settings: Settings, export_id: str) -> None:
    claimed = leases.claim(engine, TABLE, export_id, settings.job_stale_seconds)
    if claimed is None:
        return
    row, lease = claimed
    with collector_paused():
        _run(engine, settings, row, lease)


def _run(engine: Engine, settings: Settings, row: dict[str, Any], lease: str) -> None:
    try:
        export = Export(engine, row, lease)
        key = files.store_stream(settings, exports, row, export.text(), GZIP_LEVEL)
        count = export.count
        finish(engine, row, lease, status="completed", completed_at=utcnow(), attachment_key=key,
               processed_count=count, records_count=count, progress=100.0,
               estimated_completion_at=None)  # fmt: skip
    except Stopped:
        return
    except OperationalError as exc:
        if transient(exc):
            raise  # the database is away: dramatiq retries (the lease goes stale, then resumes)
        fail(engine, row, lease)  # it would fail every retry
    except Exception:  # noqa: BLE001 - never leave an export stuck in progress
        fail(engine, row, lease)


def fail(engine: Engine, row: dict[str, Any], lease: str) -> None:
    error_id = incident(log, f"export {row['id']} failed")
    message = f"the export stopped on an internal error (error id {error_id} in the server log)"
    finish(engine, row, lease, status="failed", errors_log={"base": [message]},
           estimated_completion_at=None)  # fmt: skip


def finish(engine: Engine, row: dict[str, Any], lease: str, **changes: Any) -> None:
    with transaction(engine) as conn:
        if leases.still_mine(leases.locked_row(conn, TABLE, row["id"]), lease):
            stmt = TABLE.update().where(TABLE.c.id == row["id"])
            conn.execute(stmt.values(**changes, lease=None))
            if "status" in changes:
                scope = Scope(conn, row["organization_id"])
                status_changed(scope, TABLE.name, changes["status"], [row["id"]])


class Export:
    """One run of an export: the file's text, a page at a time (``text``), and the number of
    records it holds once written (``count``)."""

    def __init__(self, engine: Engine, row: dict[str, Any], lease: str) -> None:
        self.engine, self.row, self.lease = engine, row, lease
        self.resource = REGISTRY[row["resource_type"]]
        self.dry = bool(row["dry_data"])
        self.csv = row["format"] == "csv"
        self.safe = bool(row["csv_safe"])
        tree = include_paths(row["includes"], row["fields"])
        self.plan: Plan = plan(self.resource, tree, field_tree(row["fields"]), self.dry,
                               engine.dialect.name, self.csv)  # fmt: skip
        self.in_database = engine.dialect.name == "postgresql" and database.supported(self.plan)
        self.count = 0

    def text(self) -> Iterator[str]:
        """The file's text in chunks, a page of records each (dry files: at the end)."""
        file = CsvFile(self.plan, self.safe) if self.csv else JsonFile()
        yield file.head()
        held: Page = []
        with self.engine.connect() as conn:
            postgresql = conn.dialect.name == "postgresql"
            if postgresql:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn = conn.execution_options(bulkport_write=False)
            with conn.begin():
                if postgresql:
                    conn.execute(text("SET LOCAL jit = off"))
                scope = Scope(conn, self.row["organization_id"])
                pages = self.database_pages(scope) if self.in_database else self.pages(scope)
                for page in pages:
                    self.count += len(page)
                    report(self.engine, self.row, self.lease, self.count)
                    if self.dry:
                        held += page
                    else:
                        yield self.write(file, page)
        if self.dry:
            # By unique key as written, then by content: ids differ between organizations, so
            # they cannot order anything that is to come out the same.
            held.sort(key=lambda entry: (entry[0], entry[1]))
            yield self.write(file, held)
        yield file.tail()

    def write(self, file: JsonFile | CsvFile, page: Page) -> str:
        contents = [content for _key, _text, content in page]
        if isinstance(file, JsonFile):
            return file.page(contents)
        return file.lines(contents) if self.in_database else file.page(contents)

    def conditions(self, scope: Scope) -> list[Any]:
        return list(object_conditions(scope, self.resource, self.row["filters"]))

    def pages(self, scope: Scope) -> Iterator[Page]:
        """Pages shaped in Python: items (CSV) or their JSON text."""
        p, table = self.plan, self.resource.table
        stmt = p.select(scope).where(*self.conditions(scope)).order_by(table.c.id).limit(PAGE)
        last, id_at = None, p.extra["id"]
        while True:
            page = stmt if last is None else stmt.where(table.c.id > last)
            rows = fetch(scope, page)
            if not rows:
                return
            items = shape(scope, p, page, rows)
            last = rows[-1][id_at]
            if self.csv:
                texts = [encode(i) for i in items] if self.dry else [""] * len(items)
                yield [(p.sort_key(r) if self.dry else (), t, i)
                       for r, t, i in zip(rows, texts, items, strict=True)]  # fmt: skip
            else:
                texts = [encode(i) for i in items]
                yield [(p.sort_key(r) if self.dry else (), t, t)
                       for r, t in zip(rows, texts, strict=True)]  # fmt: skip

    def database_pages(self, scope: Scope) -> Iterator[Page]:
        """Pages shaped by the database (``database``): JSON texts, or CSV rows."""
        table = self.resource.table
        stmt = database.Shaper(scope, self.plan, self.csv, self.safe).select()
        stmt = stmt.where(*self.conditions(scope)).order_by(table.c.id).limit(PAGE)
        keys = len(self.plan.sort_at)
        last = None
        while True:
            page = stmt if last is None else stmt.where(table.c.id > last)
            rows = fetch(scope, page)  # (id, sort columns, [item], [exact, lines])
            if not rows:
                return
            last = rows[-1][0]
            out: Page = []
            again: dict[str, int] = {}  # id -> index in out: records Python shapes
            for row in rows:
                key = sort_key(row[1 : 1 + keys]) if self.dry else ()
                if self.csv:
                    if not row[-2]:
                        again[row[0]] = len(out)
                    out.append((key, row[1 + keys] if self.dry else "", row[-1]))
                    continue
                text = row[1 + keys]
                if self.dry and database.MARK in text:
                    again[row[0]] = len(out)
                else:
                    text = database.finish(text)
                out.append((key, text, text))
            if again:
                self.shape_again(scope, out, again)
            yield out

    def shape_again(self, scope: Scope, out: Page, again: dict[str, int]) -> None:
        """Replaces the records of ``again`` in ``out`` by what Python writes of them: those
        the database does not write as Python does (``database``)."""
        p, table = self.plan, self.resource.table
        stmt = p.select(scope).where(table.c.id.in_(list(again)))
        rows = fetch(scope, stmt)
        for row, item in zip(rows, shape(scope, p, stmt, rows), strict=True):
            n = again[row[p.extra["id"]]]
            text = encode(item) if self.dry or not self.csv else ""
            content = CsvFile(p, self.safe).page([item])[:-1] if self.csv else text
            out[n] = (out[n][0], text, content)


def report(engine: Engine, row: dict[str, Any], lease: str, done: int) -> None:
    """Commits progress, the estimated completion and the heartbeat; raises Stopped once the
    export is not ours."""
    with transaction(engine) as conn:
        current = leases.locked_row(conn, TABLE, row["id"])
        if not leases.still_mine(current, lease):
            raise Stopped
        assert current is not None
        total = max(current["records_count"] or done, done, 1)
        now = utcnow()
        conn.execute(
            TABLE.update()
            .where(TABLE.c.id == row["id"])
            .values(
                processed_count=done,
                progress=round(100 * done / total, 1),
                estimated_completion_at=estimated_completion(
                    current["started_at"], now, done, total
                ),
                heartbeat_at=now,
            )  # fmt: skip
        )


def estimated_completion(started: datetime | None, now: datetime, done: int, total: int
                         ) -> datetime | None:  # fmt: skip
    """When the export should be done if the records left take as long each as those done."""
    if started is None or done <= 0:
        return None
    return now + (now - started) * ((total - done) / done)
