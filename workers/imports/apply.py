"""Applies one chunk of import items: resolve, match, validate, write, in set-based steps.

Per chunk, whatever its size: one query per referenced type (ids and codes), one for tags, one
to match existing records by id and one by unique key, one bulk insert, one executemany per set
of changed columns, and the same again for nested children. No per-item queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from app.errors import FieldError
from app.services import records
from app.services.records import Draft
from app.services.validation import check_record, coerce_attributes
from app.tenancy import Scope
from resources.base import BelongsTo, HasMany, Resource
from workers.imports.parse import Item, csv_children, json_item
from workers.imports.tags import create_tags, resolve_tags

PENDING_PARENT = "(parent)"


@dataclass(eq=False)
class Work:
    """An item on its way to the database."""

    item: Item
    draft: Draft
    warnings: list[str] = field(default_factory=list)
    children: dict[str, list[Work]] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.draft.errors) or any(c.failed for cs in self.children.values() for c in cs)


@dataclass
class Outcome:
    key: str
    rows: int
    record_id: str | None
    errors: dict[str, list[str]] | None
    warnings: list[str]


def error_log(errors: Iterable[FieldError]) -> dict[str, list[str]]:
    log: dict[str, list[str]] = {}
    for e in errors:
        log.setdefault(e.attribute, []).append(e.message)
    return log


class ChunkApplier:
    def __init__(self, scope: Scope, resource: Resource, parent_id: str | None = None) -> None:
        self.scope = scope
        self.resource = resource
        self.parent_id = parent_id
        self.created: dict[str, int] = {}  # rows inserted per table, for statistics upkeep

    # -- building drafts --------------------------------------------------------------------
    def build(self, resource: Resource, item: Item) -> Work:
        work = Work(item, Draft(values={}))
        if item.error:
            work.draft.errors.append(FieldError("base", "invalid", item.error))
            return work
        attrs: dict[str, Any] = {}
        for key, value in item.data.items():
            rel = _relationship_key(resource, key)
            if key == "id":
                if not isinstance(value, str) or not value:
                    work.draft.errors.append(FieldError.of("id", "invalid"))
                else:
                    work.draft.values["id"] = value
            elif rel is not None:
                if value in (None, ""):
                    continue
                if not isinstance(value, str | int):
                    work.draft.errors.append(FieldError.of(rel.name, "invalid", relationship=True))
                    continue
                work.draft.values[rel.column] = str(value)
            else:
                attrs[key] = value
        values, errors, unknown = coerce_attributes(resource, attrs, text=item.text)
        work.draft.values.update(values)
        work.draft.errors.extend(errors)
        for name in unknown:
            if exported_read_only(resource, name, attrs[name]):
                continue  # what an export writes and no import sets: silently ignored
            if name in resource.relationships:  # e.g. `tags: "x"`, `price_tiers: {...}`
                work.draft.errors.append(FieldError.of(name, "invalid", relationship=True))
            else:
                work.warnings.append(f"{name} is not an attribute of {resource.type}: ignored")
        if item.tags is not None:
            work.draft.links["tags"] = item.tags  # type: ignore[assignment]  # resolved later
        if resource is self.resource and resource.parent and self.parent_id:
            parent_rel = resource.relationships[resource.parent]
            assert isinstance(parent_rel, BelongsTo)
            own = work.draft.values.get(parent_rel.column) is not None or any(
                work.draft.values.get(k) is not None for k in parent_rel.codes
            )
            if not own:  # an item's own relationship wins over parent_resource_id
                work.draft.values[parent_rel.column] = self.parent_id
        for name, raws in item.children.items():
            rel = resource.relationships[name]
            assert isinstance(rel, HasMany)
            work.children[name] = [self.build(rel.target, child)
                                   for child in _children(rel, raws, item.text)]  # fmt: skip
        return work

    # -- resolving and matching ---------------------------------------------------------------
    def resolve(self, resource: Resource, works: list[Work]) -> None:
        live = [w for w in works if not w.draft.errors]
        records.resolve_references(self.scope, resource, [w.draft for w in live])
        self._derive(resource, live)
        resolve_tags(self.scope, resource, [w.draft for w in live])
        self._match(resource, [w for w in live if not w.draft.errors])

    def _derive(self, resource: Resource, works: list[Work]) -> None:
        if resource.derive:
            resource.derive(self.scope, [w.draft for w in works if not w.draft.errors])

    def _match(self, resource: Resource, works: list[Work]) -> None:
        """id first (unknown id is an error), then the unique key."""
        table = resource.table
        by_id = [w for w in works if w.draft.values.get("id")]
        if by_id:
            ids = {w.draft.values["id"] for w in by_id}
            rows = self.scope.execute(self.scope.select(table).where(table.c.id.in_(ids)))
            stored = {r["id"]: dict(r) for r in rows.mappings()}
            for w in by_id:
                w.draft.existing = stored.get(w.draft.values.pop("id"))
                if w.draft.existing is None:
                    w.draft.errors.append(FieldError.of("id", "not_found"))
        keyed = {
            w: records.key_of(resource, w.draft.values)
            for w in works
            if "id" not in w.draft.values and w.draft.existing is None and not w.draft.errors
        }
        keyed = {w: k for w, k in keyed.items() if k is not None}
        stored_by_key = records.find_by_keys(self.scope, resource, set(keyed.values()))
        for w, key in keyed.items():
            w.draft.existing = stored_by_key.get(key)

    # -- validating ---------------------------------------------------------------------------
    def validate(self, resource: Resource, works: list[Work], parent: str | None = None) -> None:
        """`parent` names the fk a nested child gets from its item once that is written."""
        live = [w.draft for w in works if not w.draft.errors]
        records.apply_tag_triggers(self.scope, resource, live)
        for w in works:
            if w.draft.errors:
                continue
            records.finish_values(resource, w.draft)
            if w.draft.errors:
                continue
            record = w.draft.record
            if parent and record.get(parent) is None:
                record[parent] = PENDING_PARENT
            w.draft.errors.extend(check_record(resource, record))

    def prepare_children(self, resource: Resource, works: list[Work]) -> None:
        """Resolve, match and validate nested children; a failing child fails its item."""
        names = {n for w in works for n in w.children}
        for name in names:
            rel = resource.relationships[name]
            assert isinstance(rel, HasMany)
            kids = [(w, c) for w in works if not w.draft.errors for c in w.children.get(name, [])]
            for parent, child in kids:
                if parent.draft.existing is not None:
                    child.draft.values[f"{rel.inverse}_id"] = parent.draft.existing["id"]
            child_works = [c for _p, c in kids]
            self.resolve(rel.target, child_works)
            self.validate(rel.target, child_works, parent=f"{rel.inverse}_id")
            _repeated_children(rel, kids)
            self.prepare_children(rel.target, child_works)
            for parent, child in kids:
                for e in child.draft.errors:
                    parent.draft.errors.append(
                        FieldError(f"{name}.{e.attribute}", e.error, e.message)
                    )

    # -- writing ------------------------------------------------------------------------------
    def write(self, resource: Resource, works: list[Work]) -> None:
        creates = [w.draft for w in works if w.draft.existing is None]
        updates = [w.draft for w in works if w.draft.existing is not None]
        # One executemany needs the same columns in every row: items name different attributes.
        columns = {k for d in creates for k in d.values} - {"id"}
        for d in creates:
            d.values.pop("id", None)
            d.values.update({c: None for c in columns if c not in d.values})
        create_tags(self.scope, resource, creates + updates)
        records.insert(self.scope, resource, creates)
        self.created[resource.type] = self.created.get(resource.type, 0) + len(creates)
        records.update_many(self.scope, resource, [d for d in updates if d.values or d.links])
        self.write_children(resource, works)

    def write_children(self, resource: Resource, works: list[Work]) -> None:
        names = {n for w in works for n in w.children}
        for name in names:
            rel = resource.relationships[name]
            assert isinstance(rel, HasMany)
            fk = f"{rel.inverse}_id"
            given = [w for w in works if name in w.children]
            kids = [c for w in given for c in w.children[name]]
            # Nested arrays replace: first remove the children these items no longer list (so a
            # new child may take a removed one's key), then write the listed ones.
            target = rel.target.table
            owners = [w.draft.existing["id"] for w in given if w.draft.existing is not None]
            kept = [c.draft.existing["id"] for c in kids if c.draft.existing is not None]
            if owners:
                stmt = self.scope.delete(target).where(
                    target.c[fk].in_(owners), target.c.id.notin_(kept)
                )
                self.scope.execute(stmt)
            for w in given:
                for c in w.children[name]:
                    c.draft.values[fk] = record_id(w)
            self.write(rel.target, kids)

    # -- the whole chunk ----------------------------------------------------------------------
    def waves(self, items: list[Item]) -> Iterator[list[Work]]:
        """The chunk's works, prepared in waves that never name one record twice.

        References are resolved for the whole chunk at once; then each wave is matched and
        validated after the caller has written the previous one, so an item repeating an
        earlier item's key (or id) updates what that item wrote instead of colliding with it.
        """
        works = [self.build(self.resource, item) for item in items]
        live = [w for w in works if not w.draft.errors]
        records.resolve_references(self.scope, self.resource, [w.draft for w in live])
        self._derive(self.resource, live)
        start = 0
        while start < len(works):
            seen: set[tuple] = set()
            end = start
            while end < len(works):
                names = self._identities(works[end])
                if names & seen:
                    break
                seen |= names
                end += 1
            wave = works[start:end]
            self.prepare_wave(wave)
            yield wave
            start = end

    def _identities(self, work: Work) -> set[tuple]:
        if work.draft.errors:
            return set()
        values = work.draft.values
        names = {("id", values["id"])} if values.get("id") else set()
        key = records.key_of(self.resource, values)
        return names | {("key", key)} if key is not None else names

    def prepare_wave(self, works: list[Work]) -> None:
        live = [w for w in works if not w.draft.errors]
        resolve_tags(self.scope, self.resource, [w.draft for w in live])
        self._match(self.resource, [w for w in live if not w.draft.errors])
        self.validate(self.resource, works)
        self.prepare_children(self.resource, works)

    def prepare(self, items: list[Item]) -> list[Work]:
        """One wave of items known not to repeat a record (or one item)."""
        return [w for wave in self.waves(items) for w in wave]

    def outcome(self, work: Work) -> Outcome:
        key = item_key(self.resource, work)
        warnings = all_warnings(work)
        if work.failed:
            errors = error_log(work.draft.errors)
            return Outcome(key, work.item.rows, None, errors, warnings)
        return Outcome(key, work.item.rows, record_id(work), None, warnings)


def _children(rel: HasMany, raws: list[dict[str, Any]], text: bool) -> list[Item]:
    """Nested children as items of their own type: JSON children may nest further
    (orders[].line_items[].line_item_options[]); so may CSV ones, by dotted cells
    (`line_items.line_item_options.name`, see ``csv_children``)."""
    if text:
        return csv_children(rel.target, raws)
    return [_child(rel, raw, i) for i, raw in enumerate(raws, start=1)]


def _child(rel: HasMany, raw: dict[str, Any], position: int) -> Item:
    if "_invalid" in raw:
        return Item(position, {}, error="must be a JSON object")
    return json_item(rel.target, raw, position)


def all_warnings(work: Work) -> list[str]:
    """An item's warnings and its nested children's, each once."""
    found = list(work.warnings)
    for children in work.children.values():
        for child in children:
            found += all_warnings(child)
    return list(dict.fromkeys(found))


def record_id(work: Work) -> str:
    d = work.draft
    return d.existing["id"] if d.existing is not None else d.values["id"]


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


def item_key(resource: Resource, work: Work) -> str:
    """How errors_log and warnings_log name an item: its unique-key values as given in the
    inputs (codes where the item used them; a derived part such as a line item's item code
    as derived), else its id, else its 1-based position."""
    data, values = work.item.data, work.draft.values
    parts = []
    for name in resource.unique_key:
        rel = resource.relationships.get(name)
        if isinstance(rel, BelongsTo):
            given = next((data[k] for k in rel.codes if data.get(k) not in (None, "")), None)
            value = given or data.get(rel.column) or values.get(rel.column)
        else:
            # A read-only part is derived from the inputs (a line item's item code), so it
            # names the item; a generated one (an order number nobody gave) would not.
            derived = name in resource.attributes and not resource.attributes[name].writable
            value = data.get(name) or (values.get(name) if derived else None)
        if value in (None, ""):
            parts = []
            break
        parts.append(str(value))
    if parts:
        return "/".join(parts)
    if isinstance(data.get("id"), str) and data["id"]:
        return data["id"]
    return str(work.item.position)


def _repeated_children(rel: HasMany, kids: list[tuple[Work, Work]]) -> None:
    """Two children of one item with the same key (two tiers named "10 pack") cannot both be."""
    names = [n for n in rel.target.unique_key if n != rel.inverse]
    if not names:
        return
    seen: set[tuple] = set()
    for parent, child in kids:
        key = tuple(child.draft.values.get(n) for n in names)
        if child.draft.errors or None in key:
            continue
        if (id(parent), key) in seen:
            child.draft.errors.append(FieldError.of(names[0], "taken"))
        seen.add((id(parent), key))
