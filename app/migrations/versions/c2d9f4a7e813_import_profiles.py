"""import_profiles, and on imports: their profile, merge_mode, defaults and locked_fields

Revision ID: c2d9f4a7e813
Revises: c9e4a2f7d315
Create Date: 2026-12-04 17:30:00

An import keeps a copy of its profile's settings: deleting the profile nulls the reference
(ON DELETE SET NULL) and leaves the import as it was.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c2d9f4a7e813"
down_revision: str | None = "c9e4a2f7d315"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _merge_columns() -> list[sa.Column]:
    return [
        sa.Column("merge_mode", sa.String(length=255), nullable=True),
        sa.Column("defaults", _json(), nullable=True),
        sa.Column("locked_fields", _json(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "import_profiles",
        sa.Column("id", sa.String(length=10), nullable=False),
        sa.Column("organization_id", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("resource_type", sa.String(length=255), nullable=True),
        sa.Column("mapping", _json(), nullable=True),
        *_merge_columns(),
        sa.Column("parent_resource_id", sa.String(length=255), nullable=True),
        sa.Column("cleanup_records", sa.Boolean(), nullable=True),
        sa.Column("skip_errors", sa.Boolean(), nullable=True),
        sa.Column("notify_email", _json(), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("reference_origin", sa.String(length=255), nullable=True),
        sa.Column("metadata", _json(), nullable=True),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organization_id", "name", name="uq_import_profiles_key"),
    )
    op.create_index(
        "ix_import_profiles_org_created", "import_profiles", ["organization_id", "created_at"]
    )
    with op.batch_alter_table("imports") as batch:
        for column in _merge_columns():
            batch.add_column(column)
        batch.add_column(sa.Column("import_profile_id", sa.String(length=10), nullable=True))
        batch.create_index("ix_imports_import_profile_id", ["import_profile_id"])
        batch.create_foreign_key(
            "fk_imports_import_profile_id", "import_profiles", ["import_profile_id"], ["id"],
            ondelete="SET NULL",
        )  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("imports") as batch:
        batch.drop_constraint("fk_imports_import_profile_id", type_="foreignkey")
        batch.drop_index("ix_imports_import_profile_id")
        for name in ("import_profile_id", "locked_fields", "defaults", "merge_mode"):
            batch.drop_column(name)
    op.drop_index("ix_import_profiles_org_created", table_name="import_profiles")
    op.drop_table("import_profiles")
