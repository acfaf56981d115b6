"""What job resources share (imports, exports, cleanups): status timestamps, the signed
attachment, the `_interrupt` trigger and the lease columns that keep one worker on a job at a
time."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.storage import attachment_url
from resources.fields import Attr, Boolean, DateTime, String

ACTIVE = ("pending", "in_progress")


def read_only(*attrs: Attr) -> list[Attr]:
    for attr in attrs:
        attr.writable = False
    return list(attrs)


def _attachment_url(row: dict[str, Any], renderer: Any) -> str | None:
    return attachment_url(renderer, row.get("attachment_key"))


def job_attributes(statuses: tuple[str, ...], attachment: bool = True) -> list[Attr]:
    """``attachment``: the job leaves a file (imports, exports; cleanups do not)."""
    return [
        *read_only(
            String("status", choices=statuses, default="pending"),
            DateTime("started_at"),
            DateTime("completed_at"),
            DateTime("interrupted_at"),
        ),
        *(
            [String("attachment_url", writable=False, column=False, compute=_attachment_url)]
            if attachment
            else []
        ),
        Boolean("_interrupt", update_only=True, column=False),
    ]


def job_columns(attachment: bool = True) -> list[sa.Column]:
    """Bookkeeping for crash-safe processing; not part of the API."""
    columns: list[sa.Column] = [
        sa.Column("heartbeat_at", sa.DateTime),
        sa.Column("lease", sa.String(32)),
    ]
    if attachment:
        columns.append(sa.Column("attachment_key", sa.String(255)))
    return columns
