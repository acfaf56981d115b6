"""Pure validation of one record against its declaration: no database, shared by the API and
the importer (which calls it per item after resolving references for a whole chunk)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.errors import FieldError
from records.draft import Draft
from resources.base import Resource
from resources.fields import Invalid

READ_ONLY = ("id", "created_at", "updated_at")


def coerce_attributes(
    resource: Resource, raw: dict[str, Any], *, text: bool = False
) -> tuple[dict[str, Any], list[FieldError], list[str]]:
    """Input attributes -> (column values, type errors, names not writable on this type).

    ``text`` is for CSV cells: strings coerced by declared type, '' meaning "not given".
    Code references (``sku_code``) pass through as given; ``resolve`` turns them into ids.
    """
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    unknown: list[str] = []
    writable = resource.inputs
    for key, value in raw.items():
        attr = writable.get(key)
        if attr is None or key in READ_ONLY:
            unknown.append(key)
            continue
        if text:
            if value == "":
                continue
            convert: Callable[[Any], Any] = attr.from_text
        else:
            convert = attr.coerce
        try:
            values[attr.name] = convert(value)
        except Invalid as exc:
            errors.append(FieldError.of(attr.name, exc.error, **exc.meta))
    return values, errors, unknown


def apply_defaults(resource: Resource, values: dict[str, Any]) -> None:
    for attr in resource.attributes.values():
        if attr.default is not None and values.get(attr.name) is None:
            values[attr.name] = attr.default() if callable(attr.default) else attr.default


def check_record(
    resource: Resource, record: dict[str, Any], pending: str | None = None
) -> list[FieldError]:
    """Declared rules on the record as it will be stored (existing values merged with changes).

    ``pending`` names a relationship column filled at write time (a nested child's parent,
    written just before it): it is not blank.
    """
    errors: list[FieldError] = []
    for attr in resource.own_attributes:
        error = attr.check(record.get(attr.name))
        if error:
            errors.append(error)
    for rel in resource.belongs_to:
        blank = record.get(rel.column) is None and rel.column != pending
        if blank and rel.is_required(record):
            errors.append(FieldError.of(rel.name, "blank", relationship=True))
    for validator in resource.validators:
        errors.extend(validator(record))
    return errors


def finish_values(resource: Resource, draft: Draft) -> None:
    """Defaults for a create, then the type's `prepare` hook (which may consume triggers)."""
    if draft.existing is None:
        apply_defaults(resource, draft.values)
    if resource.prepare:
        draft.errors.extend(resource.prepare(draft.values, draft.existing))


def without_repeats(known: list[FieldError], more: list[FieldError]) -> list[FieldError]:
    """Drops errors on attributes that already failed (an unknown sku_code is `must exist`,
    not also `can't be blank`)."""
    failed = {e.attribute for e in known}
    return [e for e in more if e.attribute not in failed]
