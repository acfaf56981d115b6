"""Runs one import: claim it, take its items through the stages chunk by chunk, finish it.

    parse -> build -> resolve -> validate -> apply -> report     per chunk, in one transaction
    (merge: the import's defaults, locked fields and merge mode, between build and validate)
    cleanup -> archive                                          once, when the run ends

Crash safety: every chunk commits its writes together with the import's counters, logs and
cursor, under the import's row lock and only while this worker holds the import's lease. A
redelivered message, or another worker taking over a stale import, resumes at the cursor, so
no item is applied or counted twice. A preview runs the same stages and rolls each chunk's
writes back (bulk/imports/preview.py). An interrupt (PATCH `_interrupt`) or deletion of the
import is seen at the next chunk boundary.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from typing import Any

from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError

from bulk import leases
from bulk.imports import preview, upload
from bulk.imports.apply import apply
from bulk.imports.archive import archive
from bulk.imports.build import Work, build
from bulk.imports.cleanup import cleanup, forget_touched, record_touched
from bulk.imports.duplicates import Duplicates
from bulk.imports.failures import record_failures, write_errors_file
from bulk.imports.mapping import compile_mapping
from bulk.imports.merge import Merge
from bulk.imports.parse import Item, parse_csv, parse_json
from bulk.imports.report import count, outcome, tally
from bulk.imports.resolve import match, resolve, waves
from bulk.imports.validate import validate
from bulk.sources.errors import SourceError
from core.collector import collector_paused
from core.db import transaction, transient, utcnow
from core.dialect import analyze
from core.errors import incident
from core.settings import Settings
from core.tenancy import Scope
from records.events import imports_trigger_webhooks, status_changed
from resources import REGISTRY
from resources.base import Resource
from resources.import_inputs import unpack
from resources.imports import resource as imports

log = logging.getLogger("bulkport.imports")
TABLE = imports.table
ERROR_RATE = 0.10
STATE = [c for c in TABLE.columns if c.name != "inputs"]  # inputs are read once per run
Skipped = Callable[[Iterator[Item]], Any]  # sees the items a resumed run skips


@dataclass
class Job:
    row: dict[str, Any]
    lease: str
    created: int = 0  # rows this run inserted, and when to refresh statistics next
    analyze_at: int = 1000
    archived: str | None = None  # the attachment key, once the inputs are stored
    webhooks: bool = False  # whether its writes fire webhooks (the organization's setting)
    duplicates: Duplicates | None = None  # the keys seen this run (bulk/imports/duplicates.py)

    @property
    def id(self) -> str:
        return self.row["id"]


def run_import(engine: Engine, settings: Settings, import_id: str) -> None:
    claimed = leases.claim(engine, TABLE, import_id, settings.job_stale_seconds)
    if claimed is None:
        return
    job = Job(*claimed)
    try:
        with transaction(engine, write=False) as conn:
            job.webhooks = imports_trigger_webhooks(conn, job.row["organization_id"])
        cursor = job.row["cursor"]
        job.duplicates = Duplicates(
            REGISTRY[job.row["resource_type"]], job.row["parent_resource_id"]
        )
        if job.row["inputs_size"] is None:  # an uploaded file, counted once before its run
            count_items(engine, settings, job)
        with job_items(settings, job.row) as items:
            skipped = job.duplicates.note  # a resumed run's keys, from the items it skips
            for chunk in chunks(items, cursor, settings.import_chunk_size, skipped):
                with collector_paused():  # one chunk's garbage at most: the collector runs after
                    cursor = run_chunk(engine, settings, job, chunk, cursor)
                if cursor is None:
                    break
        finish(engine, settings, job)
    except OperationalError as exc:
        if not transient(exc):  # the same statement would fail on every retry
            fail(engine, settings, job, internal(incident(log, f"import {import_id} failed")))
            return
        # The database failed us (restart, lock timeout): give the lease back so dramatiq's
        # retry resumes at the cursor at once rather than after the lease goes stale.
        release(engine, job)
        raise
    except SourceError as exc:  # a file damaged past the header the upload checked
        fail(engine, settings, job, {"file": [f"the file {exc}"]})
    except Exception:  # noqa: BLE001 - never leave an import stuck in progress
        fail(engine, settings, job, internal(incident(log, f"import {import_id} failed")))


@contextmanager
def job_items(settings: Settings, row: dict[str, Any]) -> Iterator[Iterator[Item]]:
    """The import's items: its inputs parsed, or its uploaded file read from storage lazily."""
    if row["source_format"] is None:
        yield iter(parse_items(row))
        return
    with upload.items(settings, row) as items:
        yield items


def count_items(engine: Engine, settings: Settings, job: Job) -> None:
    """`inputs_size` of an uploaded file: its items, read once (CSV rows repeating an item's
    key are that one item), stored before the first chunk so the error budget and progress
    have it."""
    with job_items(settings, job.row) as items:
        size = sum(1 for _item in items)
    with transaction(engine) as conn:
        stmt = TABLE.update().where(TABLE.c.id == job.id, TABLE.c.lease == job.lease)
        conn.execute(stmt.values(inputs_size=size, heartbeat_at=utcnow()))
    job.row["inputs_size"] = size


def chunks(
    items: Iterator[Item],
    cursor: int,
    size: int,
    skipped: Callable[[Iterator[Item]], Any] | None = None,
) -> Iterator[list[Item]]:
    """The items after the first ``cursor`` (done by an earlier run, given to ``skipped``),
    ``size`` at a time."""
    items = iter(items)
    head = islice(items, cursor)
    if skipped is not None:
        skipped(head)
    for _item in head:  # what ``skipped`` did not read
        pass
    while chunk := list(islice(items, size)):
        yield chunk


def parse_items(row: dict[str, Any]) -> list[Item]:
    """Stage 1; an unusable CSV header is one failing item counting every row."""
    resource = REGISTRY[row["resource_type"]]
    remap = compile_mapping(resource, row["mapping"]).apply if row["mapping"] else None
    if row["format"] != "csv":
        return parse_json(resource, unpack(row["inputs"]) or [], remap)
    text = unpack(row["inputs"]) or ""
    items, fatal = parse_csv(resource, text, row["parent_resource_id"], remap)
    return [Item(1, {}, error=fatal, rows=row["inputs_size"] or 1)] if fatal else items


def prepare(
    scope: Scope, resource: Resource, items: list[Item], parent_id: str | None, merge: Merge
) -> Iterator[list[Work]]:
    """Stages 2 to 4: the items' works, wave by wave. References are resolved for all the
    items at once; each wave is matched after the caller has written the previous one."""
    works = [build(resource, item, parent_id) for item in items]
    merge.fill_defaults(resource, works)
    resolve(scope, resource, works)
    for wave in waves(resource, works):
        match(scope, resource, wave)
        merge.onto_existing(resource, wave)
        validate(scope, resource, wave, replace=merge.replace)
        yield wave


def run_chunk(
    engine: Engine, settings: Settings, job: Job, chunk: list[Item], cursor: int
) -> int | None:
    """Stages 2 to 6 for one chunk, in one transaction; the new cursor, or None when the run
    stops (interrupted, taken over, or over its error budget)."""
    resource = REGISTRY[job.row["resource_type"]]
    with transaction(engine) as conn:
        row = leases.locked_row(conn, TABLE, job.id, STATE)
        if not leases.still_mine(row, job.lease):
            return None  # interrupted, deleted or taken over: stop without writing
        assert row is not None
        scope = Scope(
            conn, row["organization_id"], who={"import": {"id": job.id}}, webhooks=job.webhooks
        )
        parent_id = row["parent_resource_id"]
        merge = Merge.of(resource, row)
        # A preview's writes happen in a savepoint rolled back below (bulk/imports/preview.py).
        plan = conn.begin_nested() if preview.previewing(row) else None

        def again(item: Item) -> Work:
            return next(prepare(scope, resource, [item], parent_id, merge))[0]

        budget = None if plan else error_budget(row)  # a preview lists every error
        errors = row["errors_count"]
        created: Counter = Counter()
        done: list[Work] = []
        stop = False
        for wave in prepare(scope, resource, chunk, parent_id, merge):
            works, stop = cut_at_error_budget(wave, budget, errors)
            written = apply(scope, resource, works, again, created)
            errors += sum(w.item.rows for w in written if w.failed)
            done += written
            if stop:
                break
        repeated = job.duplicates.note(chunk) if job.duplicates else {}
        for work in done:
            if warning := repeated.get(id(work.item)):
                work.warnings.append(warning)
        outcomes = [outcome(resource, w) for w in done]
        changes = tally(row, outcomes)
        if plan is not None:
            plan.rollback()
            scope.outbox.clear()  # its deliveries went with the savepoint
            created.clear()
            changes.update(preview.chunk_planned(settings, scope, row, cursor, done, outcomes))
        else:
            record_failures(scope, job.id, done, outcomes)  # for the errors file, at the end
        if plan is None and row["cleanup_records"]:
            # A failing item's existing record counts as touched: cleanup must not delete it.
            failed = [w.draft.existing["id"] for w in done if w.failed and w.draft.existing]
            touched = [o.record_id for o in outcomes if o.record_id] + failed
            record_touched(scope, job.id, touched)
        changes.update(cursor=cursor + len(done), heartbeat_at=utcnow())
        if stop:  # interrupted with its attachment in one commit, as finish() completes
            job.archived = archive(settings, job.row)
            changes.update(status="interrupted", interrupted_at=utcnow(), lease=None,
                           attachment_key=job.archived, inputs=None,
                           errors_key=write_errors_file(settings, scope, row))  # fmt: skip
            status_changed(scope, TABLE.name, "interrupted", [job.id])
        conn.execute(TABLE.update().where(TABLE.c.id == job.id).values(**changes))
        refresh_statistics(conn, job, created)
    if plan is None:  # committed: a preview's items are planned, not processed
        count(outcomes)
    return None if stop else cursor + len(done)


def error_budget(row: dict[str, Any]) -> int | None:
    """Error rows allowed before the run stops: more than 10% of the inputs interrupts."""
    if row["skip_errors"]:
        return None
    return math.floor(row["inputs_size"] * ERROR_RATE)


def cut_at_error_budget(
    works: list[Work], budget: int | None, errors: int
) -> tuple[list[Work], bool]:
    """The works up to the one whose error crosses the budget, and whether one did."""
    if budget is None:
        return works, False
    for i, work in enumerate(works):
        if work.failed:
            errors += work.item.rows
            if errors > budget:
                return works[: i + 1], True
    return works, False


def refresh_statistics(conn: Connection, job: Job, created: Counter) -> None:
    """ANALYZE the tables this run filled, each time its inserts double (1k, 2k, 4k rows...).

    Key lookups and UPDATE ... FROM joins are planned on statistics; a table that grew from
    nothing to 10,000 rows inside one import would otherwise be planned as empty and scanned
    once per key (a 30x slowdown measured on PostgreSQL 15), until autovacuum catches up.
    """
    job.created += sum(created.values())
    if job.created >= job.analyze_at:
        analyze(conn, [REGISTRY[t].table for t, n in created.items() if n])
        job.analyze_at = job.created * 2


def finish(engine: Engine, settings: Settings, job: Job) -> None:
    """Stage 7: completed, with the cleanup when asked for, and the inputs archived (a
    preview's inputs stay for its commit)."""
    if preview.previewing(job.row) and preview.finish(engine, settings, job.id, job.lease):
        return
    key = job.archived or archive(settings, job.row)
    with transaction(engine) as conn:
        row = leases.locked_row(conn, TABLE, job.id, STATE)
        if row is None or (row["status"] == "in_progress" and row["lease"] != job.lease):
            return  # deleted, or taken over by another worker which will finish it
        scope = Scope(
            conn, row["organization_id"], who={"import": {"id": job.id}}, webhooks=job.webhooks
        )
        changes: dict[str, Any] = {"attachment_key": key, "inputs": None, "lease": None}
        if row["errors_key"] is None:  # completed, or interrupted through the API meanwhile
            changes["errors_key"] = write_errors_file(settings, scope, row)
        if row["status"] == "in_progress":
            changes.update(status="completed", completed_at=utcnow())
            status_changed(scope, TABLE.name, "completed", [job.id])
            if row["cleanup_records"]:
                destroyed, warnings = cleanup(scope, REGISTRY[row["resource_type"]], row)
                warnings_log = dict(row["warnings_log"] or {})
                for record_key, message in warnings:
                    warnings_log.setdefault(record_key, []).append(message)
                changes.update(
                    destroyed_count=destroyed,
                    warnings_count=row["warnings_count"] + len(warnings),
                    warnings_log=warnings_log,
                )
        conn.execute(TABLE.update().where(TABLE.c.id == job.id).values(**changes))
        forget_touched(scope, job.id)


def release(engine: Engine, job: Job) -> None:
    """Gives up the lease, if the database lets us (if not, it goes stale)."""
    try:
        with transaction(engine) as conn:
            stmt = TABLE.update().where(TABLE.c.id == job.id, TABLE.c.lease == job.lease)
            conn.execute(stmt.values(lease=None, heartbeat_at=None))
    except OperationalError:
        log.warning("import %s: could not release its lease", job.id)


def internal(error_id: str) -> dict[str, list[str]]:
    """The errors_log entry of an unexpected error: the id under which the server logged it."""
    message = f"the import stopped on an internal error (error id {error_id} in the server log)"
    return {"base": [message]}


def fail(engine: Engine, settings: Settings, job: Job, errors: dict[str, list[str]]) -> None:
    """An error that stops the run ends the import as interrupted, with ``errors`` (attribute
    -> messages) under `base` in its errors_log."""
    with transaction(engine) as conn:
        row = leases.locked_row(conn, TABLE, job.id, STATE)
        if not leases.still_mine(row, job.lease):
            return  # deleted, interrupted, or taken over by another worker
        assert row is not None
        errors_log = dict(row["errors_log"] or {})
        errors_log["base"] = errors
        changes = {"status": "interrupted", "interrupted_at": utcnow(), "lease": None,
                   "errors_log": errors_log}  # fmt: skip
        try:
            changes.update(attachment_key=archive(settings, job.row), inputs=None)
            changes["errors_key"] = write_errors_file(
                settings, Scope(conn, row["organization_id"]), row
            )
        except Exception:  # noqa: BLE001 - the storage may be what failed
            log.exception("import %s: could not archive the inputs", job.id)
        conn.execute(TABLE.update().where(TABLE.c.id == job.id).values(**changes))
        status_changed(Scope(conn, row["organization_id"]), TABLE.name, "interrupted", [job.id])
