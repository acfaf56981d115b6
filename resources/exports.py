"""The `exports` job resource (Commerce Layer's Exports API). Processing: workers/exports."""

from resources.base import Resource
from resources.fields import Boolean, Float, Json
from resources.fields import Integer as IntegerAttr
from resources.fields import String as StringAttr
from resources.jobs import job_attributes, job_columns, read_only

STATUSES = ("pending", "in_progress", "completed", "interrupted", "failed")


class JsonList(Json):
    """A JSON array of strings (includes, fields)."""

    def coerce(self, value):
        from resources.fields import Invalid

        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid("invalid")
        return value


def _save(ctx, draft):
    from app.services.exports import save

    return save(ctx, draft)


resource = Resource(
    "exports",
    attributes=[
        StringAttr("resource_type", required=True, create_only=True),
        StringAttr("format", choices=("json", "csv"), default="json", create_only=True),
        JsonList("includes", create_only=True, default=list),
        JsonList("fields", create_only=True),
        Json("filters", create_only=True),
        Boolean("dry_data", default=False, create_only=True),
        *read_only(
            IntegerAttr("records_count"),
            IntegerAttr("processed_count", default=0),
            Float("progress", default=0.0),
            Json("errors_log"),
        ),
        *job_attributes(STATUSES),
    ],
    integration_only=True,
    extra_columns=job_columns(),
)
resource.save = _save
