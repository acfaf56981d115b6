"""Webhook events: the transactional outbox.

An event (`skus.create`, `imports.start`) inserts one delivery row per webhook of its topic
whose circuit is closed, in the transaction of the write or status change that caused it: a
rolled-back write sends nothing, a committed one is always delivered (bulk/webhooks). The rows'
ids wait in ``Scope.outbox`` for the message sent after commit; a worker's poll finds any whose
message never left.

One statement when no webhook listens, none at all for an import's record writes while the
organization's `imports_trigger_webhooks` is off (``Scope.webhooks``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.engine import Connection

from core.db import new_id, utcnow
from core.tenancy import Scope, organizations
from resources import REGISTRY
from resources.job_attributes import notifications
from resources.webhooks import deliveries
from resources.webhooks import resource as webhooks

RECORD_EVENTS = ("create", "update", "destroy")
# A job's status changes are its lifecycle events (Commerce Layer's `imports.start`...).
STATUS_EVENTS = {"in_progress": "start", "completed": "complete", "interrupted": "interrupt",
                 "previewed": "preview", "reverted": "revert"}  # fmt: skip
# The statuses a job's `notify_email` hears of (bulk/mail): its ends, and a preview's plan.
NOTIFY_STATUSES = ("completed", "interrupted", "failed", "previewed", "reverted")


def written(scope: Scope, resource_type: str, event: str, ids: Sequence[str]) -> None:
    """A record write's event, unless this scope's writes fire no webhooks."""
    if scope.webhooks:
        emit(scope, resource_type, event, ids)


def emit(scope: Scope, resource_type: str, event: str, ids: Sequence[str]) -> None:
    """Queues `<resource_type>.<event>` of each record id for every webhook listening."""
    if not ids:
        return
    topic = f"{resource_type}.{event}"
    table = webhooks.table
    listening = scope.select(table, table.c.id).where(
        table.c.topic == topic, table.c.circuit_state == "closed"
    )
    hooks = scope.execute(listening).scalars().all()
    if not hooks:
        return
    now = utcnow()
    rows = [
        {"id": new_id(), "webhook_id": hook, "topic": topic, "resource_type": resource_type,
         "resource_id": record_id, "attempts": 0, "due_at": now, "created_at": now}
        for hook in hooks
        for record_id in ids
    ]  # fmt: skip
    scope.insert(deliveries, rows)
    scope.outbox.extend(row["id"] for row in rows)


def status_changed(scope: Scope, resource_type: str, status: str, ids: Sequence[str]) -> None:
    """The lifecycle event of records whose `status` became ``status``, if it is one, and the
    e-mail of those that asked for one (``notify``)."""
    if event := STATUS_EVENTS.get(status):
        emit(scope, resource_type, event, ids)
    if status in NOTIFY_STATUSES:
        notify(scope, resource_type, status, ids)


def notify(scope: Scope, resource_type: str, status: str, ids: Sequence[str]) -> None:
    """Queues one e-mail per job of ``ids`` with a `notify_email`, in the transaction of its
    status change: sent once that commits (bulk/mail), never for a rolled-back one."""
    table = REGISTRY[resource_type].table
    if "notify_email" not in table.c or not ids:
        return
    stmt = scope.select(table, table.c.id, table.c.notify_email).where(table.c.id.in_(ids))
    now = utcnow()
    rows = [
        {"id": new_id(), "resource_type": resource_type, "resource_id": job_id,
         "status": status, "recipients": recipients, "attempts": 0, "due_at": now,
         "created_at": now}
        for job_id, recipients in scope.execute(stmt)
        if recipients
    ]  # fmt: skip
    scope.insert(notifications, rows)


def imports_trigger_webhooks(conn: Connection, organization_id: str) -> bool:
    """The organization's setting: whether the records its imports write fire webhooks."""
    orgs = organizations
    stmt = select(orgs.c.imports_trigger_webhooks).where(orgs.c.id == organization_id)
    return bool(conn.execute(stmt).scalar())
