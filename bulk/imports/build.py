"""Stage 2 of an import: items -> drafts, each value coerced by its declared type.

No database: references stay as given (`sku_code`, `<rel>_id`) until ``resolve``. What an
item gives that is no attribute of its type is a warning, except what an export writes and
no import sets (timestamps, included records), which a re-imported export carries silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bulk.imports.parse import Item
from core.errors import FieldError
from records.draft import Draft
from records.validation import coerce_attributes
from resources.base import BelongsTo, HasMany, Resource


@dataclass(eq=False, slots=True)
class Work:
    """An item on its way to the database."""

    item: Item
    draft: Draft
    warnings: list[str] = field(default_factory=list)
    children: dict[str, list[Work]] = field(default_factory=dict)
    children_removed: int = 0  # stored children its nested arrays no longer list, deleted

    @property
    def action(self) -> str:
        """What writing it did: create, update, or nothing (unchanged), children included."""
        if self.draft.existing is None:
            return "create"
        if self.draft.changes or self.children_removed:
            return "update"
        kids = (c.action for cs in self.children.values() for c in cs)
        return "update" if any(a != "unchanged" for a in kids) else "unchanged"

    @property
    def failed(self) -> bool:
        return bool(self.draft.errors) or any(c.failed for cs in self.children.values() for c in cs)

    @property
    def record_id(self) -> str:
        return self.draft.record_id


def build(resource: Resource, item: Item, parent_id: str | None = None) -> Work:
    """The item's draft and its nested children's; ``parent_id``: the import's parent, which
    the item's own reference to its parent overrides."""
    work = Work(item, Draft(values={}))
    draft = work.draft
    if item.error:
        draft.errors.append(FieldError("base", "invalid", item.error))
        return work
    attrs: dict[str, Any] = {}
    for key, value in item.data.items():
        rel = _relationship_key(resource, key)
        if key == "id":
            if not isinstance(value, str) or not value:
                draft.errors.append(FieldError.of("id", "invalid"))
            else:
                draft.values["id"] = value
        elif rel is not None:
            if value in (None, ""):
                continue
            if not isinstance(value, str | int):
                draft.errors.append(FieldError.of(rel.name, "invalid", relationship=True))
                continue
            draft.values[rel.column] = str(value)
        else:
            attrs[key] = value
    values, errors, unknown = coerce_attributes(resource, attrs, text=item.text)
    draft.values.update(values)
    draft.errors.extend(errors)
    for name in unknown:
        if exported_read_only(resource, name, attrs[name]):
            continue  # what an export writes and no import sets: silently ignored
        if name in resource.relationships:  # e.g. `tags: "x"`, `price_tiers: {...}`
            draft.errors.append(FieldError.of(name, "invalid", relationship=True))
        else:
            work.warnings.append(f"{name} is not an attribute of {resource.type}: ignored")
    draft.links.update(item.links)  # LinkRefs until resolved
    for key, problem in item.problems:  # e.g. a tag entry `{"id": 1}`: the item fails
        draft.errors.append(FieldError(key, "invalid", problem, relationship=True))
    if resource.parent and parent_id:
        parent = resource.relationships[resource.parent]
        assert isinstance(parent, BelongsTo)
        own = draft.values.get(parent.column) is not None or any(
            draft.values.get(k) is not None for k in parent.codes
        )
        if not own:  # an item's own relationship wins over parent_resource_id
            draft.values[parent.column] = parent_id
    for name, children in item.children.items():
        nested = resource.relationships[name]
        assert isinstance(nested, HasMany)
        work.children[name] = [build(nested.target, child) for child in children]
    return work


def exported_read_only(resource: Resource, key: str, value: Any) -> bool:
    """Keys an export writes that no import sets, so a re-imported export is silent: declared
    read-only attributes (timestamps, computed values), `<rel>_id` of a to-many relationship,
    and included relationships that are not nested children (a JSON object or array of
    objects, or CSV `rel.attr` cells)."""
    if key in resource.attributes:
        return True
    head, dot, _rest = key.partition(".")
    rel = resource.relationships.get(head)
    if dot and rel is not None:  # CSV cells of an include (grandchildren CSV cannot carry)
        return not (rel.many and getattr(rel, "nested", False))
    rel = resource.relationships.get(key[:-3] if key.endswith("_id") else "")
    if rel is not None and rel.many:
        return True
    rel = resource.relationships.get(key)
    if rel is None or (rel.many and getattr(rel, "nested", False)):
        return False
    if rel.many:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    return isinstance(value, dict)


def _relationship_key(resource: Resource, key: str) -> BelongsTo | None:
    if key.endswith("_id"):
        rel = resource.relationships.get(key[:-3])
        if isinstance(rel, BelongsTo):
            return rel
    return None
