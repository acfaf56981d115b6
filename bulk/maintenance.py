"""Housekeeping the periodic sweep does besides re-sending jobs: pruning old versions."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.engine import Engine

from core.db import transaction, utcnow
from core.settings import Settings
from resources.versions import resource as versions


def prune_versions(engine: Engine, settings: Settings) -> int:
    """Deletes the versions older than BULKPORT_VERSIONS_RETENTION_DAYS, in every organization
    (the retention is the server's); how many."""
    table = versions.table
    cutoff = utcnow() - timedelta(days=settings.versions_retention_days)
    with transaction(engine) as conn:
        return conn.execute(delete(table).where(table.c.created_at < cutoff)).rowcount
