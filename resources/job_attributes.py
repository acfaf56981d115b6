"""What job resources share (imports, exports, cleanups): status timestamps, the signed
attachment, the `_interrupt` trigger, `notify_email` with the outbox of the e-mails it sends
(bulk/mail), and the lease columns that keep one worker on a job at a time."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.db import ID_LENGTH, JsonType, metadata, org_column
from core.storage import attachment_url
from resources.fields import Attr, Boolean, DateTime, Invalid, Json, String

ACTIVE = ("pending", "in_progress")


class Addresses(Json):
    """One e-mail address or a list of them, stored as a list (each checked by the service)."""

    def coerce(self, value: Any) -> Any:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid("invalid")
        return value

    def from_text(self, text: str) -> Any:
        return self.coerce(text)  # a form field: addresses separated by commas


# The e-mail outbox: one row per job that reached a terminal status with `notify_email`,
# inserted in the transaction of that status change (records/events.py) and deleted once
# sent or given up; `due_at` is when a worker may (re)try it.
notifications = sa.Table(
    "job_notifications",
    metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    org_column(),
    sa.Column("resource_type", sa.String(255), nullable=False),
    sa.Column("resource_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("recipients", JsonType, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("due_at", sa.DateTime, nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


# The responses of job creations sent with an `Idempotency-Key` header, one per organization
# and key (bulk/idempotency.py): the unique constraint makes the first request's claim the only
# one, across processes; the response is stored in the transaction that inserts the job.
idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    org_column(index=False),
    sa.Column("key", sa.String(255), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # processing, completed
    sa.Column("request_hash", sa.String(64)),  # sha256 of the raw body, once read
    sa.Column("response_status", sa.Integer),
    sa.Column("response_headers", JsonType),
    sa.Column("response_body", sa.LargeBinary),
    sa.Column("created_at", sa.DateTime, nullable=False, index=True),
    sa.UniqueConstraint("organization_id", "key", name="uq_idempotency_keys_organization_key"),
)


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
        Addresses("notify_email", create_only=True),  # e-mailed when the job ends (bulk/mail)
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
