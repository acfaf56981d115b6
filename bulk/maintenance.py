"""Housekeeping the periodic sweep does besides re-sending jobs: pruning old versions,
deleting expired import analyses with their files, expiring uncommitted import previews."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from bulk import idempotency
from bulk.imports import preview
from core.db import transaction, utcnow
from core.errors import incident
from core.settings import Settings
from core.storage import storage_for
from resources.import_analyses import resource as analyses
from resources.versions import resource as versions

log = logging.getLogger(__name__)


def prune_versions(engine: Engine, settings: Settings) -> int:
    """Deletes the versions older than BULKPORT_VERSIONS_RETENTION_DAYS, in every organization
    (the retention is the server's); how many."""
    table = versions.table
    cutoff = utcnow() - timedelta(days=settings.versions_retention_days)
    with transaction(engine) as conn:
        return conn.execute(delete(table).where(table.c.created_at < cutoff)).rowcount


def delete_expired_analyses(engine: Engine, settings: Settings) -> int:
    """Deletes the import analyses past their `expires_at`, in every organization, then (once
    that has committed) their files; how many."""
    table = analyses.table
    expired = table.c.expires_at <= utcnow()
    with transaction(engine) as conn:
        keys = conn.execute(select(table.c.attachment_key).where(expired)).scalars().all()
        deleted = conn.execute(delete(table).where(expired)).rowcount
    storage = storage_for(settings)
    for key in filter(None, keys):
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001 - the row is gone; the file is only orphaned
            incident(log, f"deleting the file {key} of an expired import analysis failed")
    return deleted


def expire_previews(engine: Engine, settings: Settings) -> int:
    """Previewed imports not committed within 24 hours expire, their inputs dropped."""
    return preview.expire(engine, settings)


def delete_expired_idempotency_keys(engine: Engine) -> int:
    """Idempotency keys past their 24 hours, and claims whose request died."""
    return idempotency.purge(engine)
