"""The `imports` job resource (Commerce Layer's Imports API). Processing: bulk/imports."""

from typing import Any

import sqlalchemy as sa

from core.db import ID_LENGTH, JsonType, metadata, org_column
from core.storage import attachment_url
from resources.base import BelongsTo, Resource
from resources.fields import Boolean, DateTime, Float, Integer, Json, String
from resources.import_inputs import unpack
from resources.import_profiles import merge_attributes
from resources.job_attributes import Progress, job_attributes, job_columns, read_only

# previewed: a preview's plan is ready (bulk/imports/preview.py); expired: never committed.
STATUSES = ("pending", "in_progress", "completed", "interrupted", "previewed", "expired")
# PATCH `_revert` (bulk/imports/revert.py): queued and running, then done.
REVERT_STATUSES = ("reverting", "reverted")


def _plan_url(row: dict[str, Any], renderer: Any) -> str | None:
    return attachment_url(renderer, row.get("plan_key"))


class Inputs(Json):
    """A JSON array of objects (format json) or one CSV text (format csv), stored gzipped
    (resources/import_inputs.py) until the import has run."""

    json_schema = {"anyOf": [{"type": "array", "items": {"type": "object"}}, {"type": "string"}]}

    column_type: Any = sa.LargeBinary()

    def render(self, value):
        return unpack(value)

    def coerce(self, value):
        return value


def _errors_url(row: dict[str, Any], renderer: Any) -> str | None:
    return attachment_url(renderer, row.get("errors_key"))


resource = Resource(
    "imports",
    attributes=[
        String("resource_type", required=True, create_only=True),
        String(
            "format", choices=("json", "csv"), list_choices=True, default="json", create_only=True
        ),
        String("parent_resource_id", create_only=True),
        Inputs("inputs", create_only=True, hidden=True, filterable=False),
        Json("mapping", create_only=True),  # source column -> target (bulk/imports/mapping.py)
        # The analysed file (import_analyses) instead of `inputs` or an uploaded file.
        String("import_analysis_id", create_only=True),
        Boolean("cleanup_records", default=False, create_only=True),
        # The largest share of its scope a cleanup may delete, else it deletes nothing.
        Float("cleanup_max_ratio", default=0.5, create_only=True),
        Boolean("skip_errors", default=False, create_only=True),
        Boolean("preview", default=False, create_only=True),  # plan only; `_commit` applies it
        # The profile's settings are copied onto the import at create (bulk/imports/profiles.py):
        # editing or deleting the profile later does not change an import.
        String("import_profile_id", create_only=True, column=False),  # the relationship's column
        *merge_attributes(create_only=True),
        *read_only(
            Integer("inputs_size"),
            Integer("processed_count", default=0),
            Integer("created_count", default=0),
            Integer("updated_count", default=0),
            Integer("unchanged_count", default=0),
            Integer("errors_count", default=0),
            Integer("warnings_count", default=0),
            Integer("destroyed_count", default=0),
            Json("errors_log", default=dict),
            Json("warnings_log", default=dict),
            # An uploaded file (multipart POST): kept gzipped in storage, never in `inputs`.
            String("source_file_name"),
            Integer("source_file_size"),
            String("source_format"),
            String("source_sheet"),
            # A preview's plan: {create, update, unchanged, delete, error}, the first planned
            # changes, and the whole plan as a signed link (bulk/imports/preview.py).
            Json("plan_counts"),
            Json("plan_log"),
            DateTime("previewed_at"),
        ),
        String("plan_url", writable=False, column=False, compute=_plan_url),
        *job_attributes(
            STATUSES + REVERT_STATUSES,
            progress=Progress("cursor", "inputs_size").attributes(),  # items, not rows
        ),
        *read_only(DateTime("reverted_at"), Integer("reverted_count")),
        Boolean("_commit", update_only=True, column=False),
        Boolean("_revert", update_only=True, column=False),
        Boolean("_revert_force", update_only=True, column=False),
        # The failed items as they came, with their `_errors` (bulk/imports/failures.py).
        String("errors_url", writable=False, column=False, compute=_errors_url),
    ],
    relationships=[BelongsTo("import_profile", "import_profiles", on_delete="SET NULL")],
    integration_only=True,
    idempotent=True,  # its POST takes an Idempotency-Key (a retried creation runs once)
    versioned=False,  # job bookkeeping, not catalog data
    extra_columns=[
        # Progress bookkeeping for crash-safe resumption; not part of the API.
        sa.Column("cursor", sa.Integer, nullable=False, default=0),  # items committed so far
        sa.Column("plan_key", sa.String(255)),  # a preview's plan file in storage
        sa.Column("plan_parts", JsonType),  # its chunks' files until the preview ends
        *job_columns(),
        sa.Column("revert_cursor", sa.Integer),  # records the revert has done so far
        sa.Column("revert_force", sa.Boolean),  # `_revert_force`: overwrite later changes too
        sa.Column("errors_key", sa.String(255)),  # the errors file's, once the import ends
    ],
)

# The failed items' inputs as they came, inserted with their chunk's commit (so a crash
# neither loses nor repeats one) until the errors file is written from them at the end.
failures = sa.Table(
    "import_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    org_column(index=False),
    sa.Column(
        "import_id",
        sa.String(ID_LENGTH),
        sa.ForeignKey("imports.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("raw", JsonType),
    sa.Column("errors", JsonType, nullable=False),
)
