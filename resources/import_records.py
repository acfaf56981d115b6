"""Which records an import touched, committed with each chunk: `cleanup_records` deletes the
others once the run completes, even if the run was resumed by another worker."""

from sqlalchemy import Column, ForeignKey, PrimaryKeyConstraint, String, Table

from app.db import ID_LENGTH, metadata, org_column

import_records = Table(
    "import_records",
    metadata,
    org_column(),
    Column(
        "import_id",
        String(ID_LENGTH),
        ForeignKey("imports.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("record_id", String(ID_LENGTH), nullable=False),
    PrimaryKeyConstraint("import_id", "record_id"),
)
