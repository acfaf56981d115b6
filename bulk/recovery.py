"""Finds jobs that no worker will run any more and sends them again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Table, or_, select
from sqlalchemy.engine import Engine

from bulk.actors import JOB_TYPES, REVERT
from core.db import transaction, utcnow
from core.settings import Settings
from resources.imports import resource as imports

Send = Callable[[str, str], bool]  # (actor, job id) -> sent
Queued = Callable[[str], set[str]]  # actor -> job ids with a message in the queue


def resend_stale(
    engine: Engine, settings: Settings, send: Send, queued: Queued, all_pending: bool = True
) -> int:
    """Sends again, and counts, the jobs no worker would otherwise run:

    - in progress with a heartbeat older than BULKPORT_JOB_STALE_SECONDS: their worker died;
    - pending, when ``all_pending`` (a worker starting: the queue may have been lost); else
      only those pending for longer than that with no message in the queue (Redis was
      unreachable when the API sent it, or lost it).

    A job sent twice is harmless: the pipeline's lease lets one worker run it.
    """
    stale = utcnow() - timedelta(seconds=settings.job_stale_seconds)
    return sum(
        _resend(engine, job.actor, job.resource.table, stale, send, queued, all_pending)
        for job in JOB_TYPES
    ) + _resend_reverts(engine, stale, send, queued, all_pending)


def _resend_reverts(engine: Engine, stale, send: Send, queued: Queued, all_pending: bool) -> int:
    """Import reverts (status `reverting`) whose heartbeat, set when queued and by every chunk,
    is stale, or all of them when ``all_pending``; but those with a message in the queue."""
    table = imports.table
    reverting = table.c.status == "reverting"
    if not all_pending:
        reverting &= or_(table.c.heartbeat_at.is_(None), table.c.heartbeat_at < stale)
    with transaction(engine, write=False) as conn:
        ids = list(conn.execute(select(table.c.id).where(reverting)).scalars())
    if ids and not all_pending:
        waiting = queued(REVERT)
        ids = [i for i in ids if i not in waiting]
    return sum(send(REVERT, i) for i in ids)


def _resend(
    engine: Engine, actor: str, table: Table, stale, send: Send, queued: Queued, all_pending: bool
) -> int:
    abandoned = (table.c.status == "in_progress") & or_(
        table.c.heartbeat_at.is_(None), table.c.heartbeat_at < stale
    )
    pending = table.c.status == "pending"
    if not all_pending:
        pending &= table.c.created_at < stale
    # Across organizations on purpose: this is the operator's recovery, not a tenant query.
    stmt = select(table.c.id, table.c.status).where(or_(pending, abandoned))
    with transaction(engine, write=False) as conn:
        rows = conn.execute(stmt.order_by(table.c.created_at)).all()
    if not all_pending and any(row.status == "pending" for row in rows):
        waiting = queued(actor)
        rows = [row for row in rows if row.status != "pending" or row.id not in waiting]
    return sum(send(actor, row.id) for row in rows)
