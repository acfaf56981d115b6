"""Import profiles: their checks at create and update, and what an import takes from its profile.

A profile is checked against its resource type as an import would be (an importable type, a
mapping that compiles, defaults and locked fields the type takes, e-mail addresses), so a
nightly feed's import fails on its data, never on its profile. An import naming a profile
gets a copy of the settings it does not give itself: editing or deleting the profile later
changes no import already created.
"""

from __future__ import annotations

from typing import Any

from bulk import admission
from bulk.imports.cleanup import ratio_errors
from bulk.imports.mapping import MappingError, compile_mapping
from bulk.imports.merge import settings_errors
from bulk.mail.addresses import notify_errors
from core.errors import FieldError, ValidationFailed
from core.settings import Settings
from core.unit import Unit
from records.draft import Draft
from records.save import save_one
from resources.import_profiles import resource as import_profiles

# What an import takes from its profile when it does not give it.
COPIED = (
    "resource_type", "mapping", "defaults", "locked_fields", "merge_mode",
    "parent_resource_id", "cleanup_records", "skip_errors", "notify_email", "cleanup_max_ratio",
)  # fmt: skip


class ProfileService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def save(self, unit: Unit, draft: Draft) -> str:
        merged = {**(draft.existing or {}), **draft.values}
        errors = profile_errors(merged) + notify_errors(self.settings, draft.values)
        if errors:
            raise ValidationFailed(errors)
        return save_one(unit.scope, import_profiles, draft)


def profile_errors(profile: dict[str, Any]) -> list[FieldError]:
    target, errors = admission.job_target(profile)
    if target is not None:
        if profile.get("mapping"):
            try:
                compile_mapping(target, profile["mapping"])
            except MappingError as exc:
                errors.append(FieldError("mapping", "invalid", str(exc)))
        errors += settings_errors(target, profile)
    return errors + ratio_errors(profile)


def fill_from_profile(unit: Unit, values: dict[str, Any]) -> None:
    """The settings of the import's profile that the import does not give, copied onto it;
    422 for a profile this organization does not have, or one of another resource type."""
    profile_id = values.get("import_profile_id")
    if profile_id is None:
        return
    profile = find_profile(unit, profile_id)
    if profile is None:
        raise ValidationFailed([FieldError.of("import_profile_id", "required")])  # must exist
    given = values.get("resource_type")
    if given is not None and given != profile["resource_type"]:
        message = f"is a profile of {profile['resource_type']}, not of {given}"
        raise ValidationFailed([FieldError("import_profile_id", "invalid", message)])
    for name in COPIED:
        if values.get(name) is None and profile[name] is not None:
            values[name] = profile[name]
    if profile["require_preview"]:  # required: an import cannot opt out
        values["preview"] = True


def find_profile(unit: Unit, profile_id: str) -> dict[str, Any] | None:
    """The organization's profile of this id (another organization's is none)."""
    table = import_profiles.table
    found = unit.scope.execute(unit.scope.select(table).where(table.c.id == profile_id))
    row = found.mappings().first()
    return dict(row) if row is not None else None


def profile_change_error(unit: Unit, profile_id: str | None) -> FieldError:
    """A PATCH naming an import's profile: a profile this organization lacks must exist, as
    every reference; any other is refused, since the import copied its profile at create."""
    if profile_id is not None and find_profile(unit, profile_id) is None:
        return FieldError.of("import_profile", "required", relationship=True)
    return FieldError("import_profile", "invalid", "cannot change once the import is created", True)
