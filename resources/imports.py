"""The `imports` job resource (Commerce Layer's Imports API). Processing: workers/imports."""

from sqlalchemy import Column, Integer

from resources.base import Resource
from resources.fields import Boolean, Json
from resources.fields import Integer as IntegerAttr
from resources.fields import String as StringAttr
from resources.jobs import ACTIVE, job_attributes, job_columns, read_only

STATUSES = ("pending", "in_progress", "completed", "interrupted")
__all__ = ["ACTIVE", "STATUSES", "resource"]


class Inputs(Json):
    """A JSON array of objects (format json) or one CSV text (format csv)."""

    def coerce(self, value):
        return value


resource = Resource(
    "imports",
    attributes=[
        StringAttr("resource_type", required=True, create_only=True),
        StringAttr("format", choices=("json", "csv"), default="json", create_only=True),
        StringAttr("parent_resource_id", create_only=True),
        Inputs("inputs", create_only=True, hidden=True, filterable=False),
        Boolean("cleanup_records", default=False, create_only=True),
        Boolean("skip_errors", default=False, create_only=True),
        *read_only(
            IntegerAttr("inputs_size"),
            IntegerAttr("processed_count", default=0),
            IntegerAttr("errors_count", default=0),
            IntegerAttr("warnings_count", default=0),
            IntegerAttr("destroyed_count", default=0),
            Json("errors_log", default=dict),
            Json("warnings_log", default=dict),
        ),
        *job_attributes(STATUSES),
    ],
    integration_only=True,
    extra_columns=[
        # Progress bookkeeping for crash-safe resumption; not part of the API.
        Column("cursor", Integer, nullable=False, default=0),  # items committed so far
        *job_columns(),
    ],
)


def _save(ctx, draft):
    from app.services.imports import save

    return save(ctx, draft)


resource.save = _save
