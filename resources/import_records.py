"""Which records an import touched, committed with each chunk: `cleanup_records` deletes the
others once the run completes, even if the run was resumed by another worker."""

import sqlalchemy as sa

from core.db import ID_LENGTH, metadata, org_column

import_records = sa.Table(
    "import_records",
    metadata,
    org_column(),
    sa.Column(
        "import_id",
        sa.String(ID_LENGTH),
        sa.ForeignKey("imports.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("record_id", sa.String(ID_LENGTH), nullable=False),
    sa.PrimaryKeyConstraint("import_id", "record_id"),
)
