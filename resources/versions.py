"""`versions`: what every create, update and destroy changed, by whom and when (Commerce Layer's
read-only Versions API). Written by records/versions.py; pruned after the retention."""

import sqlalchemy as sa

from core.db import ID_LENGTH
from resources.base import Resource
from resources.fields import Json, String

EVENTS = ("create", "update", "destroy")

resource = Resource(
    "versions",
    attributes=[
        String("resource_type"),
        String("resource_id"),
        String("event", choices=EVENTS),
        Json("changes"),  # {attribute: [before, after]}
        Json("who"),  # {"application": {"id", "kind"}}, {"import": {"id"}} or {"cleanup": {"id"}}
    ],
    read_only=True,
    integration_only=True,
    versioned=False,
    extra_columns=[
        # The import that wrote the version, for the before-images an undo needs.
        sa.Column("import_id", sa.String(ID_LENGTH), index=True),
    ],
)
table = resource.table
sa.Index("ix_versions_record", table.c.organization_id, table.c.resource_type, table.c.resource_id)
