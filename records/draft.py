"""A record on its way to the database, as the API and the importer both build it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.errors import FieldError


@dataclass(frozen=True, slots=True)
class NewName:
    """A link to a record that does not exist yet: a tag named by an import item, created
    when, and only if, the item is written (so a failing item leaves no tags behind)."""

    name: str


@dataclass(eq=False, slots=True)
class Draft:
    """One record about to be written."""

    values: dict[str, Any]  # column values: attributes, `<rel>_id`s and code columns
    # Many-to-many links by relationship: ids, or ``NewName``s until the draft is written.
    links: dict[str, list[Any]] = field(default_factory=dict)
    existing: dict[str, Any] | None = None  # the stored row when this is an update
    errors: list[FieldError] = field(default_factory=list)
    # What writing it changed, as its version records it (None until written; {} unchanged).
    changes: dict[str, list[Any]] | None = None
    # The concrete type a linkage named for a to-one relationship to a family's umbrella
    # (`percentage_discount_promotions`): the related record must be of it.
    linked_types: dict[str, str] = field(default_factory=dict)

    @property
    def record(self) -> dict[str, Any]:
        return {**(self.existing or {}), **self.values}

    @property
    def record_id(self) -> str:
        return self.existing["id"] if self.existing is not None else self.values["id"]
