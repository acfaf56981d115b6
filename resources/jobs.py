"""What imports and exports share: status timestamps, the signed attachment, the `_interrupt`
trigger and the lease columns that keep one worker on a job at a time."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, String

from resources.fields import Attr, Boolean
from resources.fields import DateTime as DateTimeAttr
from resources.fields import String as StringAttr

ACTIVE = ("pending", "in_progress")


def read_only(*attrs: Attr) -> list[Attr]:
    for attr in attrs:
        attr.writable = False
    return list(attrs)


def _attachment_url(row: dict[str, Any], renderer: Any) -> str | None:
    from workers.storage import attachment_url

    return attachment_url(renderer, row.get("attachment_key"))


def job_attributes(statuses: tuple[str, ...]) -> list[Attr]:
    return [
        *read_only(
            StringAttr("status", choices=statuses, default="pending"),
            DateTimeAttr("started_at"),
            DateTimeAttr("completed_at"),
            DateTimeAttr("interrupted_at"),
        ),
        StringAttr("attachment_url", writable=False, column=False, compute=_attachment_url),
        Boolean("_interrupt", update_only=True, column=False),
    ]


def job_columns() -> list[Column]:
    """Bookkeeping for crash-safe processing; not part of the API."""
    return [
        Column("heartbeat_at", DateTime),
        Column("lease", String(32)),
        Column("attachment_key", String(255)),
    ]
