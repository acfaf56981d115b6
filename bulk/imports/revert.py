"""Reverting an import (PATCH `_revert`): its writes undone from the versions it left.

    created records                  -> deleted
    updated records                  -> back to their before-images (links too)
    destroyed records (its cleanup,  -> inserted again with their ids, values and links;
    nested children it replaced)        cascaded children have versions of their own

A record with a version after the import's by another writer is left as it is, with a warning
naming it, unless `_revert_force`.

The plan is the import's records in an order that keeps references valid: deletions children
first, recreations parents first, then updates; the same every run, since the import's versions
no longer change. Crash safety as an import's: each chunk of the plan commits its writes with
the import's `revert_cursor` and counters, under the import's row lock, while this worker holds
the lease. Set-based per chunk and type: one read of the versions, one of later versions, one
of the current rows, one statement per kind of write. The revert's writes leave versions whose
`who` is {"revert": {"id": <import id>}}.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from typing import Any

from sqlalchemy import or_
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from bulk import leases
from core.db import transaction, transient, utcnow
from core.dialect import analyze, one_of
from core.errors import FieldError, ValidationFailed, incident
from core.settings import Settings
from core.tenancy import Scope
from records.dependents import dependents
from records.draft import Draft
from records.events import imports_trigger_webhooks, status_changed
from records.keys import label
from records.links import linked_ids
from records.versions import FILTERED, differences
from records.write import delete_where, insert, update_many
from resources import REGISTRY
from resources.base import ManyToMany, Resource
from resources.fields import DateTime
from resources.imports import resource as imports
from resources.versions import resource as versions

log = logging.getLogger("bulkport.imports")
TABLE = imports.table
VERSIONS = versions.table
STATE = [c for c in TABLE.columns if c.name != "inputs"]
RUNNING = "reverting"
REVERTIBLE = ("completed", "interrupted")
CHANGED = "changed after the import: left as it is (revert with _revert_force to overwrite it)"

DELETE, RECREATE, UPDATE = 0, 1, 2  # the plan's phases, in this order


@dataclass(frozen=True, order=True)
class Step:
    phase: int
    rank: int  # depth of nesting: deletions deepest first, recreations shallowest first
    resource_type: str  # as versions store it (a family's umbrella)
    record_id: str


@dataclass
class Outcome:
    reverted: int = 0
    warnings: dict[str, list[str]] = field(default_factory=dict)

    def warn(self, key: str, message: str) -> None:
        self.warnings.setdefault(key, []).append(message)


def depth(resource: Resource) -> int:
    """How deep a type nests under a parent it is written with (a price's tiers: 1)."""
    nested = [r for r in resource.belongs_to if r.nested and r.target is not resource]
    return 1 + max(map(depth, (r.target for r in nested))) if nested else 0


def plan(conn: Connection, organization_id: str, import_id: str) -> list[Step]:
    """Every record the import wrote, once, in the order the revert undoes them."""
    columns = (VERSIONS.c.resource_type, VERSIONS.c.resource_id, VERSIONS.c.event)
    stmt = Scope(conn, organization_id).select(VERSIONS, *columns)
    stmt = stmt.where(VERSIONS.c.import_id == import_id)
    events: dict[tuple[str, str], set[str]] = defaultdict(set)
    for resource_type, record_id, event in conn.execute(stmt.distinct()):
        events[(resource_type, record_id)].add(event)
    steps = []
    for (resource_type, record_id), seen in events.items():
        level = depth(REGISTRY[resource_type])
        if "create" in seen:
            steps.append(Step(DELETE, -level, resource_type, record_id))
        elif "destroy" in seen:
            steps.append(Step(RECREATE, level, resource_type, record_id))
        else:
            steps.append(Step(UPDATE, 0, resource_type, record_id))
    return sorted(steps)


def run_revert(engine: Engine, settings: Settings, import_id: str) -> None:
    claimed = claim(engine, import_id, settings.job_stale_seconds)
    if claimed is None:
        return
    row, lease = claimed
    try:
        with transaction(engine) as conn:
            webhooks = imports_trigger_webhooks(conn, row["organization_id"])
            steps = plan(conn, row["organization_id"], import_id)
            # Imports just filled versions and links (10,000 rows a run): planned on older
            # statistics, each chunk's lookups by record scanned them (a 10,000-SKU revert on
            # PostgreSQL 15 took 17 s, 3 s after ANALYZE).
            types = {REGISTRY[step.resource_type] for step in steps}
            links = {rel.join_table for r in types for rel in r.many_to_many}
            analyze(conn, [VERSIONS, *sorted(links, key=lambda t: t.name)])
        cursor = row["revert_cursor"] or 0
        rest = iter(steps[cursor:])
        while chunk := list(islice(rest, settings.import_chunk_size)):
            if not run_chunk(engine, import_id, lease, chunk, webhooks):
                return  # deleted or taken over
        finish(engine, import_id, lease)
    except OperationalError as exc:
        if transient(exc):  # dramatiq's retry resumes at the cursor
            release(engine, import_id, lease)
            raise
        fail(engine, import_id, lease, incident(log, f"revert of import {import_id} failed"))
    except Exception:  # noqa: BLE001 - never leave a revert stuck
        fail(engine, import_id, lease, incident(log, f"revert of import {import_id} failed"))


def claim(engine: Engine, import_id: str, stale_seconds: int) -> tuple[dict, str] | None:
    """(row, lease) when this worker may run the revert now: reverting, and no live worker."""
    lease = uuid.uuid4().hex
    stale = utcnow() - timedelta(seconds=stale_seconds)
    with transaction(engine) as conn:
        row = leases.locked_row(conn, TABLE, import_id, STATE)
        if row is None or row["status"] != RUNNING:
            return None
        if row["lease"] and row["heartbeat_at"] and row["heartbeat_at"] > stale:
            return None  # another worker is running it
        changes = {"lease": lease, "heartbeat_at": utcnow()}
        conn.execute(TABLE.update().where(TABLE.c.id == import_id).values(**changes))
        row.update(changes)
    return row, lease


def mine(row: dict[str, Any] | None, lease: str) -> bool:
    return row is not None and row["status"] == RUNNING and row["lease"] == lease


def run_chunk(
    engine: Engine, import_id: str, lease: str, chunk: list[Step], webhooks: bool
) -> bool:
    """Undoes one chunk of the plan and moves the cursor past it, in one transaction; whether
    the revert is still this worker's."""
    with transaction(engine) as conn:
        row = leases.locked_row(conn, TABLE, import_id, STATE)
        if not mine(row, lease):
            return False
        assert row is not None
        scope = Scope(conn, row["organization_id"], who={"revert": {"id": import_id}},
                      webhooks=webhooks)  # fmt: skip
        outcome = Outcome()
        groups: dict[tuple[int, str], list[str]] = defaultdict(list)
        for step in chunk:  # sorted: each group's phase and type in the plan's order
            groups[(step.phase, step.resource_type)].append(step.record_id)
        for (phase, resource_type), ids in groups.items():
            undo(scope, REGISTRY[resource_type], phase, ids, row, outcome)
        warnings_log = dict(row["warnings_log"] or {})
        for key, messages in outcome.warnings.items():
            warnings_log.setdefault(key, []).extend(messages)
        changes = {
            "revert_cursor": (row["revert_cursor"] or 0) + len(chunk),
            "reverted_count": (row["reverted_count"] or 0) + outcome.reverted,
            "warnings_count": row["warnings_count"] + len(outcome.warnings),
            "warnings_log": warnings_log,
            "heartbeat_at": utcnow(),
        }
        conn.execute(TABLE.update().where(TABLE.c.id == import_id).values(**changes))
    return True


def undo(
    scope: Scope, resource: Resource, phase: int, ids: list[str], job: dict, outcome: Outcome
) -> None:
    """Undoes the import's writes of these records of one type."""
    history = import_versions(scope, resource, ids, job["id"])
    current = {r["id"]: dict(r) for r in scope.execute(scope.select(resource.table).where(
        one_of(resource.table.c.id, ids))).mappings()}  # fmt: skip
    if not job["revert_force"]:
        for record_id in changed_since(scope, resource, history, current, job["id"]):
            outcome.warn(name(resource, current.get(record_id), record_id), CHANGED)
            history.pop(record_id, None)
    if phase == DELETE:
        delete(scope, resource, [i for i in history if i in current], current, outcome)
    elif phase == RECREATE:
        recreate(scope, resource, history, current, outcome)
    else:
        restore(scope, resource, history, current, outcome)


def import_versions(
    scope: Scope, resource: Resource, ids: list[str], import_id: str
) -> dict[str, list[dict[str, Any]]]:
    """record id -> the import's versions of it, oldest first."""
    stmt = scope.select(VERSIONS).where(
        VERSIONS.c.import_id == import_id,
        VERSIONS.c.resource_type == resource.stored_type,
        one_of(VERSIONS.c.resource_id, ids),
    )
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for version in scope.execute(stmt.order_by(VERSIONS.c.created_at)).mappings():
        out[version["resource_id"]].append(dict(version))
    return out


def changed_since(
    scope: Scope, resource: Resource, history: dict[str, list[dict]], current: dict,
    import_id: str,
) -> set[str]:  # fmt: skip
    """The records with a version by another writer after the import's last one of them, and
    that are not as the import left them (a revert of a later import puts that back)."""
    if not history:
        return set()
    last = {record_id: found[-1]["created_at"] for record_id, found in history.items()}
    stmt = scope.select(VERSIONS, VERSIONS.c.resource_id, VERSIONS.c.created_at).where(
        VERSIONS.c.resource_type == resource.stored_type,
        one_of(VERSIONS.c.resource_id, list(history)),
        or_(VERSIONS.c.import_id.is_(None), VERSIONS.c.import_id != import_id),
        VERSIONS.c.created_at >= min(last.values()),
    )
    later = {r for r, at in scope.execute(stmt) if at > last[r]}
    if not later:
        return set()
    links = current_links(scope, resource, [r for r in later if r in current])
    return {r for r in later if not as_left(resource, history[r], current.get(r), links.get(r))}


def current_links(scope: Scope, resource: Resource, ids: list[str]) -> dict[str, dict]:
    """id -> {relationship: sorted linked ids}: one query per many-to-many relationship."""
    out: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for rel in resource.many_to_many:
        for owner, linked in linked_ids(scope, rel, ids):
            out[owner].setdefault(rel.name, []).append(linked)
    return {owner: {k: sorted(v) for k, v in found.items()} for owner, found in out.items()}


def as_left(resource: Resource, found: list[dict], row: dict | None, links: dict | None) -> bool:
    """Whether a record is now as the import left it: gone if it destroyed it, else with the
    values (and links) its versions wrote."""
    after: dict[str, Any] = {}
    for version in found:
        after.update({k: pair[1] for k, pair in version["changes"].items()})
    if found[-1]["event"] == "destroy":
        return row is None
    if row is None:
        return False
    values, wrote_links, _lost = stored_values(resource, after)
    now = links or {}
    same_links = all(sorted(ids) == now.get(k, []) for k, ids in wrote_links.items())
    return same_links and not differences(resource, row, values)


def before_image(found: list[dict[str, Any]]) -> dict[str, Any]:
    """Each attribute's value before the import's first change of it."""
    image: dict[str, Any] = {}
    for version in reversed(found):
        image.update({k: pair[0] for k, pair in version["changes"].items()})
    return image


def stored_values(
    resource: Resource, image: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[str]], list[str]]:
    """(column values, links, attributes not restorable) of a before-image, as versions show
    them: datetimes as text, secrets filtered."""
    values: dict[str, Any] = {}
    links: dict[str, list[str]] = {}
    lost: list[str] = []
    for key, value in image.items():
        rel = resource.relationships.get(key)
        if isinstance(rel, ManyToMany):
            links[key] = list(value or [])
        elif key in resource.table.c:
            if value == FILTERED:
                lost.append(key)
                continue
            attr = resource.attributes.get(key)
            values[key] = attr.coerce(value) if isinstance(attr, DateTime) else value
    return values, links, lost


def existing_links(scope: Scope, resource: Resource, links: dict[str, list[str]]) -> None:
    """Drops from ``links`` the linked records deleted since (a tag): one query per relation."""
    for key, ids in list(links.items()):
        rel = resource.relationships[key]
        if ids:
            table = rel.target.table
            stmt = scope.select(table, table.c.id).where(one_of(table.c.id, ids))
            alive = set(scope.execute(stmt).scalars())
            links[key] = [i for i in ids if i in alive]


def delete(
    scope: Scope, resource: Resource, ids: list[str], current: dict, outcome: Outcome
) -> None:
    """Deletes the records the import created, but those other records now need."""
    needed = dependents(scope, resource, ids)
    for record_id, types in needed.items():
        outcome.warn(name(resource, current[record_id], record_id),
                     f"could not be deleted: {', '.join(types)} use it")  # fmt: skip
    doomed = [i for i in ids if i not in needed]
    if doomed:
        outcome.reverted += len(delete_where(scope, resource, one_of(resource.table.c.id, doomed)))


def recreate(
    scope: Scope, resource: Resource, history: dict[str, list[dict]], current: dict,
    outcome: Outcome,
) -> None:  # fmt: skip
    """Inserts again, with their ids, the records the import destroyed."""
    drafts = []
    for record_id, found in history.items():
        if record_id in current:
            continue  # a resumed chunk: recreated already
        values, links, lost = stored_values(resource, before_image(found))
        for key in lost:
            outcome.warn(name(resource, values, record_id), f"{key} could not be restored")
        existing_links(scope, resource, links)
        drafts.append(Draft({**values, "id": record_id}, links=links))
    columns = {c for d in drafts for c in d.values}
    for d in drafts:  # one executemany needs the same columns in every row
        d.values.update({c: default(resource, c) for c in columns if c not in d.values})
    if not drafts:
        return
    if not _savepoint(scope, lambda: insert(scope, resource, drafts)):
        for d in drafts:  # one of them collides (its key taken since, its parent gone)
            if _savepoint(scope, lambda d=d: insert(scope, resource, [d])):
                outcome.reverted += 1
            else:
                key = name(resource, d.values, d.values["id"])
                outcome.warn(key, "could not be recreated: its key is taken or a record it "
                                  "belongs to is gone")  # fmt: skip
        return
    outcome.reverted += len(drafts)


def restore(
    scope: Scope, resource: Resource, history: dict[str, list[dict]], current: dict,
    outcome: Outcome,
) -> None:  # fmt: skip
    """Writes back the before-images of the records the import updated."""
    drafts = []
    for record_id, found in history.items():
        if record_id not in current:
            outcome.warn(record_id, "could not be restored: it was deleted since")
            continue
        values, links, lost = stored_values(resource, before_image(found))
        for key in lost:
            outcome.warn(name(resource, current[record_id], record_id),
                         f"{key} could not be restored")  # fmt: skip
        existing_links(scope, resource, links)
        drafts.append(Draft(values, links=links, existing=current[record_id]))
    if not drafts:
        return
    if _savepoint(scope, lambda: update_many(scope, resource, drafts)):
        outcome.reverted += sum(1 for d in drafts if d.changes)
        return
    for d in drafts:  # a restored key taken since by another record
        if _savepoint(scope, lambda d=d: update_many(scope, resource, [d])):
            outcome.reverted += 1 if d.changes else 0
        else:
            outcome.warn(name(resource, d.existing, d.record_id),
                         "could not be restored: its key is taken")  # fmt: skip


def _savepoint(scope: Scope, write: Any) -> bool:
    savepoint = scope.conn.begin_nested()
    try:
        write()
    except IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def default(resource: Resource, column: str) -> Any:
    attr = resource.attributes.get(column)
    value = attr.default if attr is not None else None
    return value() if callable(value) else value


def name(resource: Resource, record: dict[str, Any] | None, record_id: str) -> str:
    """A record as warnings name it: its type and key (a SKU's code), or its id."""
    found = label(resource, record, by_id=(resource.parent or "",)) if record else None
    return f"{resource.type} {found or record_id}"


def finish(engine: Engine, import_id: str, lease: str) -> None:
    with transaction(engine) as conn:
        row = leases.locked_row(conn, TABLE, import_id, STATE)
        if not mine(row, lease):
            return
        assert row is not None
        changes = {"status": "reverted", "reverted_at": utcnow(), "lease": None,
                   "reverted_count": row["reverted_count"] or 0}  # fmt: skip
        conn.execute(TABLE.update().where(TABLE.c.id == import_id).values(**changes))
        status_changed(Scope(conn, row["organization_id"]), TABLE.name, "reverted", [import_id])


def fail(engine: Engine, import_id: str, lease: str, error_id: str) -> None:
    """An unexpected error ends the revert as `interrupted`, with the error under `revert` in
    its warnings_log; its cursor stays, so a new `_revert` resumes where it stopped."""
    message = f"the revert stopped on an internal error (error id {error_id} in the server log)"
    with transaction(engine) as conn:
        row = leases.locked_row(conn, TABLE, import_id, STATE)
        if not mine(row, lease):
            return
        assert row is not None
        warnings_log = dict(row["warnings_log"] or {})
        warnings_log.setdefault("revert", []).append(message)
        changes = {
            "status": "interrupted",
            "interrupted_at": utcnow(),
            "lease": None,
            "warnings_log": warnings_log,
            "warnings_count": row["warnings_count"] + 1,
        }
        conn.execute(TABLE.update().where(TABLE.c.id == import_id).values(**changes))
        status_changed(Scope(conn, row["organization_id"]), TABLE.name, "interrupted", [import_id])


def release(engine: Engine, import_id: str, lease: str) -> None:
    """Gives up the lease after a transient database error, so that the retry resumes at once."""
    try:
        with transaction(engine) as conn:
            stmt = TABLE.update().where(TABLE.c.id == import_id, TABLE.c.lease == lease)
            conn.execute(stmt.values(lease=None, heartbeat_at=None))
    except OperationalError:
        log.warning("revert of import %s: could not release its lease", import_id)


def request(draft: Draft, current: dict[str, Any], settings: Settings) -> bool:
    """Applies PATCH `_revert: true` (and `_revert_force`) to the import as stored now: it is
    `reverting`, to be queued after commit; whether it is. A 422 names what prevents it."""
    force = draft.values.pop("_revert_force", None)
    if not draft.values.pop("_revert", None):
        if force:
            raise ValidationFailed([FieldError("_revert_force", "invalid",
                                               "is only accepted with _revert: true")])  # fmt: skip
        return False
    status = current["status"]
    if status in ("reverting", "reverted"):
        message = f"is not accepted: the import is {status} already, and is reverted only once"
        raise ValidationFailed([FieldError("_revert", "invalid", message)])
    if status not in REVERTIBLE:
        message = f"is not accepted: the import is {status}; only completed or interrupted ones"
        raise ValidationFailed([FieldError("_revert", "invalid", message + " can be reverted")])
    ended = current["completed_at"] or current["interrupted_at"]
    days = settings.versions_retention_days
    if ended is not None and ended < utcnow() - timedelta(days=days):
        message = f"is not accepted: the import's versions are past their retention ({days} days)"
        raise ValidationFailed([FieldError("_revert", "invalid", message)])
    done = current["reverted_count"] or 0  # a revert resumed after an internal error
    draft.values.update(status=RUNNING, revert_force=bool(force), lease=None,
                        heartbeat_at=utcnow(), reverted_count=done)  # fmt: skip
    return True
