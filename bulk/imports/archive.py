"""The last stage of an import, whatever its end: its inputs leave the database for storage."""

from __future__ import annotations

import json
from typing import Any

from bulk import files
from core.settings import Settings
from resources.imports import resource as imports

LEVEL = 6  # a tenth of level 9's time for 2% more bytes


def archive(settings: Settings, row: dict[str, Any]) -> str | None:
    """Gzips the inputs to storage; the attachment key (the stored one if already archived)."""
    inputs = row["inputs"]
    if inputs is None:
        return row["attachment_key"]
    body = inputs if isinstance(inputs, str) else json.dumps(inputs, ensure_ascii=False)
    return files.store(settings, imports, row, body, LEVEL)
