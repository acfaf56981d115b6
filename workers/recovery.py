"""Finds jobs that no worker is running any more and sends them again."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from app.db import transaction, utcnow
from resources.imports import resource as imports

if TYPE_CHECKING:
    from workers.jobs import Jobs


def resend_stale(jobs: Jobs, pending: bool = True) -> int:
    """Sends again the imports in progress whose worker stopped reporting and, with ``pending``,
    every pending import. A job sent twice is harmless: the pipeline's lease lets one run it."""
    table = imports.table
    stale = utcnow() - timedelta(seconds=jobs.settings.job_stale_seconds)
    abandoned = (table.c.status == "in_progress") & or_(
        table.c.heartbeat_at.is_(None), table.c.heartbeat_at < stale
    )
    # Across organizations on purpose: this is the operator's recovery, not a tenant query.
    stmt = select(table.c.id).where(
        or_(table.c.status == "pending", abandoned) if pending else abandoned
    )
    with transaction(jobs.engine, write=False) as conn:
        ids = list(conn.execute(stmt.order_by(table.c.created_at)).scalars())
    for import_id in ids:
        jobs.send("imports.run", import_id)
    return len(ids)
