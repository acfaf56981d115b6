"""What job resources share (imports, exports, cleanups): status timestamps, the signed
attachment, the `_interrupt` trigger, `notify_email` with the outbox of the e-mails it sends
(bulk/mail), and the lease columns that keep one worker on a job at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from core import request_id
from core.db import ID_LENGTH, JsonType, metadata, org_column
from core.storage import attachment_url
from resources.fields import (
    Attr,
    Boolean,
    DateTime,
    Float,
    Invalid,
    Json,
    String,
    format_datetime,
    naive_utc,
)

ACTIVE = ("pending", "in_progress")


class Addresses(Json):
    """One e-mail address or a list of them, stored as a list (each checked by the service)."""

    json_schema = {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]}

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


class Progress:
    """Live progress computed per read from a job's counters (``done`` of ``total`` items),
    ``started_at`` and ``heartbeat_at`` (the time of its last committed chunk): no writes of
    its own. The rate is that of the items done so far; the estimate assumes those left take
    as long each, and is given only while the job runs."""

    def __init__(self, done: str, total: str) -> None:
        self.done, self.total = done, total

    def percent(self, row: dict[str, Any], _renderer: Any = None) -> float | None:
        total, done = row.get(self.total), row.get(self.done) or 0
        if total is None:
            return None
        return round(100 * min(done, total) / total, 1) if total else 100.0

    def _rate(self, row: dict[str, Any]) -> float | None:
        started: datetime | None = row.get("started_at")
        until: datetime | None = row.get("completed_at") or row.get("heartbeat_at")
        done = row.get(self.done) or 0
        if started is None or until is None or done <= 0:
            return None
        seconds = (naive_utc(until) - naive_utc(started)).total_seconds()
        return done / seconds if seconds > 0 else None

    def items_per_second(self, row: dict[str, Any], _renderer: Any = None) -> float | None:
        rate = self._rate(row)
        return None if rate is None else round(rate, 1)

    def estimated_completion_at(self, row: dict[str, Any], _renderer: Any = None) -> str | None:
        rate, total = self._rate(row), row.get(self.total)
        if row.get("status") != "in_progress" or rate is None or total is None:
            return None
        left = max(total - (row.get(self.done) or 0), 0)
        return format_datetime(row["heartbeat_at"] + timedelta(seconds=left / rate))

    def attributes(self, stored: tuple[str, ...] = ()) -> list[Attr]:
        """The computed attributes; ``stored``: those a job keeps in columns of its own
        (exports write `progress` and `estimated_completion_at` per page)."""
        computed = {
            "progress": Float("progress", writable=False, column=False, compute=self.percent),
            "items_per_second": Float(
                "items_per_second", writable=False, column=False, compute=self.items_per_second
            ),
            "estimated_completion_at": DateTime(
                "estimated_completion_at",
                writable=False,
                column=False,
                compute=self.estimated_completion_at,
            ),  # fmt: skip
        }
        return [attr for name, attr in computed.items() if name not in stored]


def _request_id() -> str | None:
    return request_id.current.get()


def job_attributes(
    statuses: tuple[str, ...], attachment: bool = True, progress: list[Attr] | None = None
) -> list[Attr]:
    """``attachment``: the job leaves a file (imports, exports; cleanups do not);
    ``progress``: its ``Progress(...).attributes()``."""
    return [
        *read_only(
            String("status", choices=statuses, default="pending"),
            DateTime("started_at"),
            DateTime("completed_at"),
            DateTime("interrupted_at"),
            # The X-Request-Id of the request that created the job (core/request_id.py): on
            # the job's log lines too.
            String("request_id", default=_request_id, filterable=True),
        ),
        *(progress or []),
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
        sa.Column("heartbeat_at", sa.DateTime),  # also the time of its last progress (Progress)
        sa.Column("lease", sa.String(32)),
    ]
    if attachment:
        columns.append(sa.Column("attachment_key", sa.String(255)))
    return columns
