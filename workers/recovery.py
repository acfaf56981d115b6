"""Finds jobs that no worker will run any more and sends them again."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from app.db import transaction, utcnow
from resources.exports import resource as exports
from resources.imports import resource as imports

if TYPE_CHECKING:
    from workers.jobs import Jobs

JOBS = (("imports.run", imports.table), ("exports.run", exports.table))


def resend_stale(jobs: Jobs, all_pending: bool = True) -> int:
    """Sends again, and counts, the imports no worker would otherwise run:

    - in progress with a heartbeat older than BULKPORT_JOB_STALE_SECONDS: their worker died;
    - pending, when ``all_pending`` (a worker starting: the queue may have been lost); else
      only those pending for longer than that with no message in the queue (Redis was
      unreachable when the API sent it, or lost it).

    A job sent twice is harmless: the pipeline's lease lets one worker run it.
    """
    return sum(_resend(jobs, actor, table, all_pending) for actor, table in JOBS)


def _resend(jobs: Jobs, actor: str, table, all_pending: bool) -> int:
    stale = utcnow() - timedelta(seconds=jobs.settings.job_stale_seconds)
    abandoned = (table.c.status == "in_progress") & or_(
        table.c.heartbeat_at.is_(None), table.c.heartbeat_at < stale
    )
    pending = table.c.status == "pending"
    if not all_pending:
        pending &= table.c.created_at < stale
    # Across organizations on purpose: this is the operator's recovery, not a tenant query.
    stmt = select(table.c.id, table.c.status).where(or_(pending, abandoned))
    with transaction(jobs.engine, write=False) as conn:
        rows = conn.execute(stmt.order_by(table.c.created_at)).all()
    if not all_pending and any(row.status == "pending" for row in rows):
        queued = jobs.queued(actor)
        rows = [row for row in rows if row.status != "pending" or row.id not in queued]
    return sum(jobs.send(actor, row.id) for row in rows)
