"""Preview, then commit: an import created with `preview: true` (or through a profile with
`require_preview`) runs the whole pipeline and writes nothing, then waits, `previewed`, with its
plan, for `PATCH {"_commit": true}`.

Each chunk runs as an import's does, in a savepoint rolled back once its works are known, so
resolution, matching, validation and the writes' own checks (unique keys, nested children) are
the import's very code; versions, webhook deliveries and tags created on the way go with the
savepoint. Only the counters, logs, cursor and the chunk's plan file are committed, which keeps
a preview as crash-safe as an import. Cleanup selection runs the cleanup in a savepoint too.

Each chunk's plan lines are stored gzipped under their cursor; the finished plan is those files
and the cleanup's deletions concatenated (gzip members concatenated are one gzip stream).

Caveat: chunks are rolled back one by one, so an item cannot see what an earlier chunk would
have created (an item repeating an earlier chunk's new key is planned as a second create).
"""

from __future__ import annotations

import gzip
import logging
import tempfile
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from bulk import admission, leases
from bulk.admission import Send
from bulk.imports.build import Work
from bulk.imports.cleanup import GUARD_KEY, cleanup, forget_touched, record_touched
from bulk.imports.report import Outcome, item_key
from core import json_codec
from core.db import transaction, utcnow
from core.errors import FieldError, ValidationFailed, incident
from core.settings import Settings
from core.storage import storage_for
from core.tenancy import Scope
from core.unit import Unit
from records.draft import Draft
from records.events import status_changed
from resources import REGISTRY
from resources.base import Resource
from resources.imports import resource as imports

log = logging.getLogger("bulkport.imports")
TABLE = imports.table
STATE = [c for c in TABLE.columns if c.name != "inputs"]
TTL = timedelta(hours=24)  # a previewed import not committed by then expires
PLAN_LOG_SIZE = 100  # planned changes shown inline (`plan_log`); the file has them all
COUNTERS = (
    "processed_count", "created_count", "updated_count", "unchanged_count",
    "errors_count", "warnings_count", "destroyed_count",
)  # fmt: skip


def previewing(row: dict[str, Any]) -> bool:
    """Whether this run of the import is its preview (a committed one was previewed before)."""
    return bool(row.get("preview")) and row.get("previewed_at") is None


# -- the plan -------------------------------------------------------------------------------------


def plan_line(resource: Resource, work: Work, outcome: Outcome) -> dict[str, Any]:
    """One item's line: its key, its action, an update's changes, a failing item's errors."""
    line: dict[str, Any] = {"key": outcome.key, "action": outcome.action or "error"}
    if outcome.errors:
        line["errors"] = outcome.errors
    elif outcome.action == "update":
        line["changes"] = changes_of(resource, work)
    if outcome.warnings:
        line["warnings"] = outcome.warnings
    return line


def changes_of(resource: Resource, work: Work) -> dict[str, Any]:
    """{attribute: [before, after]} as the version would record it, and per nested
    relationship the lines of the children it creates or changes (and how many it removes)."""
    changes: dict[str, Any] = dict(work.draft.changes or {})
    for name, children in work.children.items():
        target = resource.relationships[name].target
        lines = []
        for child in children:
            if child.action == "unchanged":
                continue
            line: dict[str, Any] = {"key": item_key(target, child), "action": child.action}
            if child.action == "update":
                line["changes"] = changes_of(target, child)
            lines.append(line)
        if work.children_removed:
            lines.append({"action": "delete", "count": work.children_removed})
        if lines:
            changes[name] = lines
    return changes


def _gzipped_lines(lines: Iterable[dict[str, Any]]) -> bytes:
    text = b"".join(json_codec.dumps_bytes(line) + b"\n" for line in lines)
    return gzip.compress(text, 6, mtime=0)


def _key(row: dict[str, Any], part: str) -> str:
    return f"{imports.type}/{row['organization_id']}/{row['id']}.plan{part}.ndjson.gz"


def chunk_planned(
    settings: Settings,
    scope: Scope,
    row: dict[str, Any],
    cursor: int,
    done: list[Work],
    outcomes: list[Outcome],
) -> dict[str, Any]:
    """After the chunk's savepoint is rolled back: its plan file stored, the records it
    touched remembered for the cleanup; the import's changes (its parts, its plan_log)."""
    resource = REGISTRY[row["resource_type"]]
    lines = [plan_line(resource, w, o) for w, o in zip(done, outcomes, strict=True)]
    if row["cleanup_records"]:  # the records it would create do not exist: only stored ones
        touched = [w.draft.existing["id"] for w in done if w.draft.existing is not None]
        record_touched(scope, row["id"], touched)
    key = _key(row, f".{cursor}")
    storage_for(settings).put(key, _gzipped_lines(lines), "application/gzip")
    parts = [k for k in row["plan_parts"] or [] if k != key] + [key]
    return {"plan_parts": parts, "plan_log": _logged(row["plan_log"], lines)}


def _logged(plan_log: list | None, lines: Iterable[dict[str, Any]]) -> list:
    shown = list(plan_log or [])
    for line in lines:
        if len(shown) >= PLAN_LOG_SIZE:
            break
        if line["action"] != "unchanged":
            shown.append(line)
    return shown


def finish(engine: Engine, settings: Settings, job_id: str, lease: str) -> bool:
    """Ends a preview that ran to its end: the cleanup's deletions planned, the plan stored,
    `previewed`. False if the run did not end in progress (interrupted: its chunks' plan
    files are deleted, and the import ends as any interrupted one)."""
    with transaction(engine) as conn:
        row = leases.locked_row(conn, TABLE, job_id, STATE)
        if row is None:
            return False
        parts = list(row["plan_parts"] or [])
        previewed = row["status"] == "in_progress"
        if previewed and row["lease"] != lease:
            return True  # taken over by another worker, which will finish it
        changes = _previewed(settings, conn, row) if previewed else {}
        changes["plan_parts"] = None
        conn.execute(TABLE.update().where(TABLE.c.id == job_id).values(**changes))
    _delete_files(settings, parts)
    return previewed


def _previewed(settings: Settings, conn: Connection, row: dict[str, Any]) -> dict[str, Any]:
    """The preview's end: its plan stored, the import's changes to `previewed`."""
    scope = Scope(conn, row["organization_id"], who={"import": {"id": row["id"]}})
    deletions, skipped = planned_deletions(conn, scope, row)
    key = _store_plan(settings, row, list(row["plan_parts"] or []), deletions + skipped)
    status_changed(scope, TABLE.name, "previewed", [row["id"]])
    return {
        "status": "previewed", "previewed_at": utcnow(), "lease": None, "cursor": 0,
        "plan_key": key, "plan_log": _logged(row["plan_log"], deletions + skipped),
        "plan_counts": {
            "create": row["created_count"], "update": row["updated_count"],
            "unchanged": row["unchanged_count"], "delete": len(deletions),
            "error": row["errors_count"],
        },
        **dict.fromkeys(COUNTERS, 0),  # nothing was written
    }  # fmt: skip


def planned_deletions(
    conn: Connection, scope: Scope, row: dict[str, Any]
) -> tuple[list[dict], list[dict]]:
    """The lines of the records `cleanup_records` would delete: the cleanup itself, run in a
    savepoint rolled back (the records it could not delete stay warnings of the commit); and
    the line of a cleanup its guard would skip (`cleanup_max_ratio`), with its warning."""
    if not row["cleanup_records"]:
        return [], []
    resource = REGISTRY[row["resource_type"]]
    deleted: list[str] = []
    savepoint = conn.begin_nested()
    try:
        _destroyed, warnings = cleanup(scope, resource, row, deleted=deleted)
    finally:
        savepoint.rollback()
        scope.outbox.clear()  # its deliveries went with the savepoint
    forget_touched(scope, row["id"])
    skipped = [m for k, m in warnings if k == GUARD_KEY]
    skip = [{"key": GUARD_KEY, "action": "skip", "warnings": skipped}] if skipped else []
    return [{"key": key, "action": "delete"} for key in deleted], skip


def _store_plan(
    settings: Settings, row: dict[str, Any], parts: list[str], deletions: list[dict]
) -> str:
    storage = storage_for(settings)
    key = _key(row, "")
    with tempfile.TemporaryFile() as plan:
        for part in parts:
            storage.get_file(part, plan)
        if deletions or not parts:
            plan.write(_gzipped_lines(deletions))
        plan.seek(0)
        storage.put_file(key, plan, "application/gzip")
    return key


def _delete_files(settings: Settings, keys: Iterable[str]) -> None:
    for key in keys:
        try:
            storage_for(settings).delete(key)
        except Exception:  # noqa: BLE001 - the plan is stored; a part is only orphaned
            incident(log, f"deleting the plan part {key} failed")


# -- commit and expiry ----------------------------------------------------------------------------


def commit(unit: Unit, draft: Draft, current: dict[str, Any], send: Send) -> bool:
    """Applies `_commit: true`: a previewed import runs for real, from the start, with the
    same inputs and settings (a free slot, its message after commit); whether it did."""
    if not draft.values.pop("_commit", None):
        return False
    if current["status"] != "previewed":
        message = (
            f"cannot commit an import that is {current['status']}: only a previewed import "
            "(created with preview: true) can be committed"
        )
        raise ValidationFailed([FieldError("_commit", "invalid", message)])
    admission.take_slot(unit, imports)
    draft.values.update(status="pending", started_at=None, completed_at=None,
                        interrupted_at=None, lease=None, heartbeat_at=None, cursor=0,
                        errors_log={}, warnings_log={}, **dict.fromkeys(COUNTERS, 0))  # fmt: skip
    job_id = current["id"]
    unit.after_commit.append(lambda: send(job_id))
    return True


def expire(engine: Engine, settings: Settings) -> int:
    """Previewed imports older than ``TTL`` become `expired`, their inputs dropped (an
    uploaded file deleted once that has committed); how many."""
    stale = (TABLE.c.status == "previewed") & (TABLE.c.previewed_at <= utcnow() - TTL)
    with transaction(engine) as conn:
        found = select(TABLE.c.id, TABLE.c.attachment_key).where(stale).with_for_update()
        rows = conn.execute(found).all()
        ids = [r.id for r in rows]
        if ids:
            done = TABLE.update().where(TABLE.c.id.in_(ids), TABLE.c.status == "previewed")
            conn.execute(done.values(status="expired", inputs=None, attachment_key=None))
    _delete_files(settings, [r.attachment_key for r in rows if r.attachment_key])
    return len(ids)
