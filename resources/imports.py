"""The `imports` job resource (Commerce Layer's Imports API). Processing: workers/imports."""

from sqlalchemy import Column, DateTime, Integer, String

from resources.base import Resource
from resources.fields import Boolean, Json
from resources.fields import DateTime as DateTimeAttr
from resources.fields import Integer as IntegerAttr
from resources.fields import String as StringAttr

STATUSES = ("pending", "in_progress", "completed", "interrupted")
ACTIVE = ("pending", "in_progress")


class Inputs(Json):
    """A JSON array of objects (format json) or one CSV text (format csv)."""

    def coerce(self, value):
        return value


def _read_only(*attrs):
    for attr in attrs:
        attr.writable = False
    return list(attrs)


def _attachment_url(row, renderer):
    from workers.storage import attachment_url

    return attachment_url(renderer, row.get("attachment_key"))


resource = Resource(
    "imports",
    attributes=[
        StringAttr("resource_type", required=True, create_only=True),
        StringAttr("format", choices=("json", "csv"), default="json", create_only=True),
        StringAttr("parent_resource_id", create_only=True),
        Inputs("inputs", create_only=True, hidden=True, filterable=False),
        Boolean("cleanup_records", default=False, create_only=True),
        Boolean("skip_errors", default=False, create_only=True),
        *_read_only(
            StringAttr("status", choices=STATUSES, default="pending"),
            DateTimeAttr("started_at"),
            DateTimeAttr("completed_at"),
            DateTimeAttr("interrupted_at"),
            IntegerAttr("inputs_size"),
            IntegerAttr("processed_count", default=0),
            IntegerAttr("errors_count", default=0),
            IntegerAttr("warnings_count", default=0),
            IntegerAttr("destroyed_count", default=0),
            Json("errors_log", default=dict),
            Json("warnings_log", default=dict),
        ),
        StringAttr("attachment_url", writable=False, column=False, compute=_attachment_url),
        Boolean("_interrupt", update_only=True, column=False),
    ],
    integration_only=True,
    extra_columns=[
        # Progress bookkeeping for crash-safe resumption; not part of the API.
        Column("cursor", Integer, nullable=False, default=0),  # items committed so far
        Column("rows_done", Integer, nullable=False, default=0),
        Column("heartbeat_at", DateTime),
        Column("lease", String(32)),
        Column("attachment_key", String(255)),
    ],
)


def _save(ctx, draft):
    from app.services.imports import save

    return save(ctx, draft)


resource.save = _save
