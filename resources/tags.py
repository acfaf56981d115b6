"""Tags, and the join table that lets any resource declare ``tags_relationship()``."""

import sqlalchemy as sa

from core.db import ID_LENGTH, metadata, org_column
from resources.base import ManyToMany, Resource
from resources.fields import String

MAX_TAGS = 10

taggings = sa.Table(
    "taggings",
    metadata,
    org_column(),
    sa.Column("owner_type", sa.String(40), nullable=False),
    sa.Column("owner_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column(
        "tag_id",
        sa.String(ID_LENGTH),
        sa.ForeignKey("tags.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.PrimaryKeyConstraint("owner_type", "owner_id", "tag_id"),
)


def tags_relationship() -> ManyToMany:
    return ManyToMany(
        "tags",
        "tags",
        through="taggings",
        target_column="tag_id",
        max_count=MAX_TAGS,
        named_by="name",
        add_trigger="_add_tags",
        remove_trigger="_remove_tags",
    )


resource = Resource(
    "tags",
    attributes=[String("name", required=True, pattern=r"[0-9A-Za-z_-]{1,25}", max_length=25)],
    unique_key=("name",),
    importable=True,
)
