"""The `exports` job resource (Commerce Layer's Exports API). Processing: bulk/exports."""

from resources.base import Resource
from resources.fields import Boolean, DateTime, Float, Integer, Invalid, Json, String
from resources.job_attributes import Progress, job_attributes, job_columns, read_only

STATUSES = ("pending", "in_progress", "completed", "interrupted", "failed")


class JsonList(Json):
    """A JSON array of strings (includes, fields)."""

    json_schema = {"type": "array", "items": {"type": "string"}}

    def coerce(self, value):
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Invalid("invalid")
        return value


resource = Resource(
    "exports",
    attributes=[
        String("resource_type", required=True, create_only=True),
        String(
            "format", choices=("json", "csv"), list_choices=True, default="json", create_only=True
        ),
        JsonList("includes", create_only=True, default=list),
        JsonList("fields", create_only=True),
        Json("filters", create_only=True),
        Boolean("dry_data", default=False, create_only=True),
        # CSV cells starting with = + - @ tab or CR get a leading ' (bulk/exports/writers.py)
        Boolean("csv_safe", default=False, create_only=True),
        *read_only(
            Integer("records_count"),
            Integer("processed_count", default=0),
            Float("progress", default=0.0),
            # extrapolated from the pages written so far; null until one is, and once finished
            DateTime("estimated_completion_at"),
            Json("errors_log"),
        ),
        *job_attributes(
            STATUSES,
            progress=Progress("processed_count", "records_count").attributes(
                stored=("progress", "estimated_completion_at")
            ),
        ),
        # restarts an interrupted or failed export (bulk/exports/service.py)
        Boolean("_start", update_only=True, column=False),
    ],
    integration_only=True,
    idempotent=True,  # its POST takes an Idempotency-Key (a retried creation runs once)
    versioned=False,  # job bookkeeping, not catalog data
    extra_columns=job_columns(),
)
