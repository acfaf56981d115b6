"""Stage 2 of an import: items -> drafts, each value coerced by its declared type.

No database: references stay as given (`sku_code`, `<rel>_id`) until ``resolve``. What an
item gives that is no attribute of its type is a warning, except what an export writes and
no import sets (timestamps, `<rel>_id`s of to-many relationships), which a re-imported export
carries silently. An export's include this import cannot write (a to-one include, records of a
type no import writes) is a warning naming the relationship: nothing is dropped in silence.
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
    not_imported: dict[str, None] = {}
    for name in unknown:
        if exported_read_only(resource, name, attrs[name]):
            continue  # what an export writes and no import sets: silently ignored
        include = unimportable_include(resource, name, attrs[name])
        if include is not None:
            not_imported[include] = None
        elif name in resource.relationships:  # e.g. `tags: "x"`, `price_tiers: {...}`
            draft.errors.append(FieldError.of(name, "invalid", relationship=True))
        else:
            work.warnings.append(f"{name} is not an attribute of {resource.type}: ignored")
    for include in not_imported:  # an export's include this import cannot write: said, once
        work.warnings.append(f"{include} cannot be imported with {resource.type}: ignored")
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
        back = nested.target.relationships[nested.inverse]
        assert isinstance(back, BelongsTo)
        work.children[name] = [build(nested.target, _of_item(child, back)) for child in children]
    return work


def _of_item(child: Item, own: BelongsTo) -> Item:
    """A child without its reference to its item (`sku_code` of a SKU's price, as an export
    writes it): the item it is nested in is that reference, and may not be written yet."""
    for key in (own.column, *own.codes):
        child.data.pop(key, None)
    return child


def exported_read_only(resource: Resource, key: str, value: Any) -> bool:
    """Keys an export writes that no import sets, so a re-imported export is silent: declared
    read-only attributes (timestamps, computed values) and `<rel>_id` of a to-many
    relationship."""
    if key in resource.attributes:
        return True
    rel = resource.relationships.get(key[:-3] if key.endswith("_id") else "")
    return rel is not None and rel.many


def unimportable_include(resource: Resource, key: str, value: Any) -> str | None:
    """The relationship whose included records an export wrote under `key` (a JSON object or
    array of objects, or CSV `rel.attr` cells) when this import cannot write them: a to-one
    include, or records of a type no import writes."""
    head, dot, _rest = key.partition(".")
    rel = resource.relationships.get(head)
    if rel is None or (isinstance(rel, HasMany) and rel.inline):
        return None
    if dot:
        return head
    if rel.many:
        return head if isinstance(value, list) and all(isinstance(v, dict) for v in value) else None
    return head if isinstance(value, dict) else None


def _relationship_key(resource: Resource, key: str) -> BelongsTo | None:
    if key.endswith("_id"):
        rel = resource.relationships.get(key[:-3])
        if isinstance(rel, BelongsTo):
            return rel
    return None
