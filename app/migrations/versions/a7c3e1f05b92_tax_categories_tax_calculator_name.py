"""tax_categories.tax_calculator_name: a tax category's calculator by name, as exports write it

Revision ID: a7c3e1f05b92
Revises: 524b5fdb82e9
Create Date: 2026-12-04 14:30:00

A dry export drops ids, so a tax category exported with its SKU could not name its calculator
in another organization: the calculator's name is stored beside its id, like `sku_code`, and
filled in for the rows already there.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e1f05b92"
down_revision: str | None = "524b5fdb82e9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tax_categories") as batch:
        batch.add_column(sa.Column("tax_calculator_name", sa.String(length=255), nullable=True))
    op.execute(
        "UPDATE tax_categories SET tax_calculator_name = (SELECT tax_calculators.name FROM "
        "tax_calculators WHERE tax_calculators.id = tax_categories.tax_calculator_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("tax_categories") as batch:
        batch.drop_column("tax_calculator_name")
