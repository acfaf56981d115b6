"""Tags, and the join table that lets any resource declare ``tags_relationship()``."""

from sqlalchemy import Column, ForeignKey, PrimaryKeyConstraint, String, Table

from app.db import ID_LENGTH, metadata, org_column
from resources.base import ManyToMany, Resource
from resources.fields import String as Str

MAX_TAGS = 10

taggings = Table(
    "taggings",
    metadata,
    org_column(),
    Column("owner_type", String(40), nullable=False),
    Column("owner_id", String(ID_LENGTH), nullable=False),
    Column(
        "tag_id",
        String(ID_LENGTH),
        ForeignKey("tags.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    PrimaryKeyConstraint("owner_type", "owner_id", "tag_id"),
)


def tags_relationship() -> ManyToMany:
    return ManyToMany(
        "tags", "tags", through="taggings", target_column="tag_id", max_count=MAX_TAGS
    )


resource = Resource(
    "tags",
    attributes=[Str("name", required=True, pattern=r"[0-9A-Za-z_-]{1,25}", max_length=25)],
    unique_key=("name",),
    importable=True,
)
