"""The `cleanups` job resource (Commerce Layer's Cleanups API): delete the records of one type
that `filters` match. Processing: bulk/cleanups."""

import sqlalchemy as sa

from core.db import ID_LENGTH
from resources.base import Resource
from resources.fields import Integer, Json, String
from resources.job_attributes import Progress, job_attributes, job_columns, read_only

STATUSES = ("pending", "in_progress", "completed", "interrupted", "failed")

resource = Resource(
    "cleanups",
    attributes=[
        String("resource_type", required=True, create_only=True),
        Json("filters", create_only=True),
        *read_only(
            Integer("records_count"),
            Integer("processed_count", default=0),
            Integer("errors_count", default=0),
            Json("errors_log", default=dict),
        ),
        *job_attributes(
            STATUSES,
            attachment=False,
            progress=Progress("processed_count", "records_count").attributes(),
        ),
    ],
    integration_only=True,
    idempotent=True,  # its POST takes an Idempotency-Key (a retried creation runs once)
    versioned=False,  # job bookkeeping; the records it deletes leave versions
    extra_columns=[
        # The last id a committed chunk went through: a resumed run continues after it.
        sa.Column("cursor", sa.String(ID_LENGTH)),
        *job_columns(attachment=False),
    ],
)
