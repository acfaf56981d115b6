"""`import_profiles`: the settings of a feed that comes back every night, kept once and named by
its imports (`import_profile_id`). Their checks against the resource type: bulk/imports/profiles.

Versioned: a profile is configuration, and a feed that suddenly writes other values is
explained by who changed its mapping, defaults or locked fields, and when.
"""

from typing import Any

from resources.base import Resource
from resources.exports import JsonList
from resources.fields import Boolean, Float, Json, String
from resources.job_attributes import Addresses

MERGE_MODES = ("partial", "replace")


def merge_attributes(*, create_only: bool) -> list[Any]:
    """What a profile and an import both take: how an item merges into its stored record."""
    return [
        String(
            "merge_mode",
            choices=MERGE_MODES,
            list_choices=True,
            default="partial",
            create_only=create_only,
        ),
        Json("defaults", create_only=create_only),  # attribute or code key -> value
        JsonList("locked_fields", create_only=create_only),
    ]


resource = Resource(
    "import_profiles",
    attributes=[
        String("name", required=True),
        String("resource_type", required=True, create_only=True),
        Json("mapping"),  # source column -> target (bulk/imports/mapping.py)
        *merge_attributes(create_only=False),
        String("parent_resource_id"),
        Boolean("cleanup_records", default=False),
        Float("cleanup_max_ratio"),  # none: the imports' default (0.5)
        Boolean("skip_errors", default=False),
        Boolean("require_preview", default=False),  # its imports are previews, to commit
        Addresses("notify_email"),  # copied onto its imports, e-mailed when they end
    ],
    unique_key=("name",),
    integration_only=True,
)
