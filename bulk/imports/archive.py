"""The last stage of an import, whatever its end: its inputs leave the database for storage."""

from __future__ import annotations

from typing import Any

from bulk import files
from core.settings import Settings
from resources.import_inputs import gzipped
from resources.imports import resource as imports


def archive(settings: Settings, row: dict[str, Any]) -> str | None:
    """Stores the gzipped inputs; the attachment key (the stored one if already archived)."""
    stored = row["inputs"]
    if stored is None:
        return row["attachment_key"]
    return files.store_gzipped(settings, imports, row, gzipped(row["format"], stored))
