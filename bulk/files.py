"""Job files in storage: an import's archived inputs, an export's result, gzipped."""

from __future__ import annotations

import gzip
from typing import Any

from core.settings import Settings
from core.storage import storage_for
from resources.base import Resource


def store(settings: Settings, job: Resource, row: dict[str, Any], text: str, level: int) -> str:
    """Stores `text` gzipped at `<job type>/<organization>/<job id>.<format>.gz`; the key.

    ``level`` is gzip's compression level: each job type trades time for bytes its own way.
    """
    ext = "csv" if row["format"] == "csv" else "json"
    key = f"{job.type}/{row['organization_id']}/{row['id']}.{ext}.gz"
    data = gzip.compress(text.encode(), compresslevel=level, mtime=0)
    storage_for(settings).put(key, data, "application/gzip")
    return key
