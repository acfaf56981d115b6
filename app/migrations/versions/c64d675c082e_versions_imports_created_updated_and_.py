"""versions; imports created, updated and unchanged counts

Revision ID: c64d675c082e
Revises: 3b1f6c2d9a47
Create Date: 2026-12-03 19:11:17.765017
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders SQLModel string columns as sqlmodel types)
from alembic import op
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))
from sqlalchemy.dialects import postgresql

revision: str = "c64d675c082e"
down_revision: str | Sequence[str] | None = "3b1f6c2d9a47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "versions",
        sa.Column("id", sa.String(length=10), nullable=False),
        sa.Column("organization_id", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resource_type", sa.String(length=255), nullable=True),
        sa.Column("resource_id", sa.String(length=255), nullable=True),
        sa.Column("event", sa.String(length=255), nullable=True),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "who",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("reference_origin", sa.String(length=255), nullable=True),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("import_id", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_versions_import_id"), ["import_id"], unique=False)
        batch_op.create_index(
            "ix_versions_org_created", ["organization_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_versions_record", ["organization_id", "resource_type", "resource_id"], unique=False
        )

    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("updated_count", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("unchanged_count", sa.Integer(), nullable=True))
    # Imports of earlier versions did not tell creates from updates: zero, not unknown.
    op.execute("UPDATE imports SET created_count = 0, updated_count = 0, unchanged_count = 0")


def downgrade() -> None:
    with op.batch_alter_table("imports", schema=None) as batch_op:
        batch_op.drop_column("unchanged_count")
        batch_op.drop_column("updated_count")
        batch_op.drop_column("created_count")

    with op.batch_alter_table("versions", schema=None) as batch_op:
        batch_op.drop_index("ix_versions_record")
        batch_op.drop_index("ix_versions_org_created")
        batch_op.drop_index(batch_op.f("ix_versions_import_id"))

    op.drop_table("versions")
