"""Records as export items: the same keys the importer reads, so a file goes back in.

An export is planned once (``plan``): per include level, which columns become which keys and
how each value is rendered. Pages of rows (plain tuples, ``Plan.columns`` order) are then shaped
with one query per include level and page, whatever the page size.

- Attributes by their import names (aliases such as price tiers' `type`); relationships as
  `<rel>_id` plus the code keys the importer accepts (`sku_code`); tags as sorted names.
- Includes nest: to-many as arrays, to-one as objects (``Nested``: CSV writes dotted columns).
- ``dry_data`` drops ids and `<rel>_id`s, timestamps, every attribute an import cannot write
  (it would be ignored) and blanks, and orders records and children by their unique key as
  written (then by content), so the same data gives the same bytes in any organization.
- ``fields``: plain names select attributes of the exported type, dotted names those of an
  include (`prices.amount_cents`, `prices.*`) and imply it. A level none of the names mention
  keeps all of its fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.tenancy import Scope
from resources.base import BelongsTo, HasMany, ManyToMany, Relationship, Resource
from resources.fields import Attr
from resources.fields import DateTime as DateTimeAttr

TIMESTAMPS = ("created_at", "updated_at")
ALL = None  # every field of a level
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
encode = _ENCODER.encode


class Nested(dict):
    """An included to-one record (CSV writes it as dotted columns, not as a JSON cell)."""


def blank(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def _datetime(value: Any) -> Any:
    if value.tzinfo is None:  # stored naive UTC: isoformat is 5x faster than strftime
        return value.isoformat(timespec="milliseconds") + "Z"
    return DateTimeAttr("x").render(value)


def renderer(attr: Attr) -> Callable[[Any], Any] | None:
    """How a stored value is written out; None when it is written as stored."""
    kind = type(attr).render
    if kind is Attr.render:
        return None
    if kind is DateTimeAttr.render:
        return _datetime
    return attr.render


def exported(resource: Resource, attr: Attr, dry: bool) -> bool:
    if not attr.column or attr.secret:
        return False
    if dry and (attr.name in TIMESTAMPS or not attr.writable):
        return False  # an import would ignore it: redundant in a file meant for re-import
    return True


# -- fields ---------------------------------------------------------------------------------


def field_tree(fields: list[str] | None) -> dict[tuple[str, ...], set[str] | None]:
    """`["code", "prices.*", "prices.price_tiers.name"]` ->
    `{(): {"code"}, ("prices",): None, ("prices", "price_tiers"): {"name"}}`.
    Levels that name no field of their own are absent (all fields)."""
    tree: dict[tuple[str, ...], set[str] | None] = {}
    for name in fields or []:
        *path, last = name.split(".")
        key = tuple(path)
        if last == "*":
            tree[key] = ALL
        elif key not in tree or tree[key] is not ALL:
            tree.setdefault(key, set()).add(last)  # type: ignore[union-attr]
        for i in range(len(path)):
            tree.setdefault(tuple(path[:i]), set())
    return {k: v for k, v in tree.items() if v is ALL or v}


def field_problem(resource: Resource, name: str) -> str | None:
    """Why `name` (e.g. `prices.amount_cents`) is not a field of `resource`, or None."""
    *path, last = name.split(".")
    current = resource
    for segment in path:
        rel = current.relationships.get(segment)
        if rel is None:
            return f"{name}: {segment} is not a relationship of {current.type}"
        current = rel.target
    if last in ("*", "id") or last in field_names(current) or last in current.relationships:
        return None
    return f"{name}: {last} is not a field of {current.type}"


def field_names(resource: Resource) -> set[str]:
    """Names `fields` may give: attributes (or their alias), `<rel>_id`s, `tags`."""
    names = {rel.column for rel in resource.belongs_to}
    for name, attr in resource.attributes.items():
        if attr.column and not attr.secret:
            names |= {name, attr.alias or name}
    return names


def include_paths(includes: list[str] | None, fields: list[str] | None) -> dict[str, dict]:
    """The include tree: the `includes` paths and those the dotted `fields` imply."""
    tree: dict[str, dict] = {}
    paths = [p.split(".") for p in includes or []]
    paths += [f.split(".")[:-1] for f in fields or [] if "." in f]
    for path in paths:
        node = tree
        for segment in path:
            node = node.setdefault(segment, {})
    return tree


# -- the plan -------------------------------------------------------------------------------


@dataclass
class Plan:
    """How rows of one resource at one include level become items."""

    resource: Resource
    dry: bool
    columns: list[str]  # selected, in this order ("id" first)
    keys: list[tuple[str, int, Callable[[Any], Any] | None]]  # (key, column index, render)
    tags: bool
    children: dict[str, Plan] = field(default_factory=dict)
    rels: dict[str, Relationship] = field(default_factory=dict)
    sort_columns: list[int] = field(default_factory=list)  # dry order: the key as written

    def select(self, scope: Scope, table=None) -> Any:
        table = self.resource.table if table is None else table
        return scope.select(table, *(table.c[c] for c in self.columns))

    def index(self, column: str) -> int:
        if column not in self.columns:
            self.columns.append(column)
        return self.columns.index(column)

    def header(self) -> list[str]:
        """Every key an item of this plan may have, dotted for includes, in output order."""
        out = [key for key, _i, _r in self.keys]
        if self.tags:
            out.append("tags.name")
        for name, child in self.children.items():
            rel = self.rels[name]
            if isinstance(rel, ManyToMany) and rel.name == "tags":
                out.append("tags.name")
            else:
                out += [f"{name}.{key}" for key in child.header()]
        return list(dict.fromkeys(out))

    def sort_key(self, row: Any) -> tuple:
        return tuple((row[i] is not None, row[i] if row[i] is not None else 0)
                     for i in self.sort_columns)  # fmt: skip


def plan(
    resource: Resource,
    tree: dict[str, dict],
    fields: dict[tuple[str, ...], set[str] | None],
    dry: bool,
    path: tuple[str, ...] = (),
) -> Plan:
    wanted = fields.get(path, ALL)
    p = Plan(resource, dry, ["id"], [], tags=False)

    def named(*names: str) -> bool:
        return wanted is ALL or any(n in wanted for n in names)

    if not dry:
        p.keys.append(("id", 0, None))
    for name, attr in resource.attributes.items():
        if exported(resource, attr, dry) and named(name, attr.alias or name):
            p.keys.append((attr.alias or name, p.index(name), renderer(attr)))
    if not dry:
        for rel in resource.belongs_to:
            if named(rel.column, rel.name):
                p.keys.append((rel.column, p.index(rel.column), None))
    tags = resource.relationships.get("tags")
    p.tags = isinstance(tags, ManyToMany) and "tags" not in tree and named("tags")
    for name, subtree in tree.items():
        rel = resource.relationships[name]
        p.rels[name] = rel
        p.children[name] = plan(rel.target, subtree, fields, dry, (*path, name))
        if isinstance(rel, BelongsTo):
            p.index(rel.column)
        elif isinstance(rel, HasMany):
            p.children[name].index(rel.foreign_key.name)
    if dry:
        p.sort_columns = [p.index(c) for c in sort_columns(resource)]
    return p


def sort_columns(resource: Resource) -> list[str]:
    """The unique key as a dry export writes it: attributes, and relationships by their code
    (relationships known only by id are left out: ids differ between organizations)."""
    columns = []
    for name in resource.unique_key:
        rel = resource.relationships.get(name)
        if rel is None:
            columns.append(name)
        elif isinstance(rel, BelongsTo) and rel.codes:
            columns.append(next(iter(rel.codes)))
    return columns


# -- shaping --------------------------------------------------------------------------------


def shape(scope: Scope, p: Plan, rows: list[Any]) -> list[dict[str, Any]]:
    """Items for a page of rows (tuples in ``p.columns`` order)."""
    if not rows:
        return []
    dry = p.dry
    nested = [
        (name, *_related(scope, p, name, rows), p.columns.index(getattr(p.rels[name], "column", "id")))
        for name in p.children
    ]
    tag_names = _tag_names(scope, p.resource, [r[0] for r in rows]) if p.tags else None
    keys = p.keys
    out = []
    for row in rows:
        if dry:
            item = {}
            for key, i, render in keys:
                value = row[i]
                if value is None or value == "" or value == {}:
                    continue
                item[key] = render(value) if render is not None else value
        else:
            item = {
                key: (render(row[i]) if render is not None and row[i] is not None else row[i])
                for key, i, render in keys
            }
        if tag_names is not None:
            names = tag_names.get(row[0])
            if names or not dry:
                item["tags"] = names or []
        for name, by_owner, many, at in nested:
            owner = row[at]  # the owner's id (to-many) or the related id (to-one)
            value = by_owner.get(owner) if owner is not None else None
            if many:
                value = value or []
            if not (dry and blank(value)):
                item[name] = value
        out.append(item)
    return out


def _related(scope: Scope, p: Plan, name: str, rows: list[Any]) -> tuple[dict[str, Any], bool]:
    """owner id (to-many) or target id (to-one) -> shaped items; and whether it is to-many."""
    rel, child = p.rels[name], p.children[name]
    target = rel.target.table
    if isinstance(rel, BelongsTo):
        fk = p.columns.index(rel.column)
        ids = {r[fk] for r in rows if r[fk] is not None}
        found = scope.execute(child.select(scope).where(target.c.id.in_(ids))).all() if ids else []
        return {r[0]: Nested(i) for r, i in zip(found, shape(scope, child, found), strict=True)}, False
    if isinstance(rel, ManyToMany) and rel.name == "tags":
        return _tag_names(scope, p.resource, [r[0] for r in rows]), True
    owners = [r[0] for r in rows]
    if isinstance(rel, HasMany):
        fk = rel.foreign_key
        stmt = child.select(scope).where(fk.in_(owners))
        found = scope.execute(stmt.order_by(target.c.created_at, target.c.id)).all()
        owner_of = child.columns.index(fk.name)
        pairs = [(r[owner_of], r) for r in found]
    else:
        assert isinstance(rel, ManyToMany)
        jt = rel.join_table
        stmt = scope.where(
            select(jt.c.owner_id, *(target.c[c] for c in child.columns))
            .join(target, target.c.id == jt.c[rel.target_column])
            .where(jt.c.owner_type == p.resource.type, jt.c.owner_id.in_(owners))
            .order_by(target.c.created_at, target.c.id),
            jt,
        )
        pairs = [(r[0], tuple(r[1:])) for r in scope.execute(stmt).all()]
    items = shape(scope, child, [r for _o, r in pairs])
    groups: dict[str, list] = {}
    for (owner, row), item in zip(pairs, items, strict=True):
        groups.setdefault(owner, []).append((child.sort_key(row), item) if p.dry else item)
    if p.dry:  # ids differ between organizations: order by key, then by content
        for owner, entries in groups.items():
            entries.sort(key=lambda e: (e[0], encode(e[1])))
            groups[owner] = [item for _k, item in entries]
    return groups, True


def _tag_names(scope: Scope, resource: Resource, ids: list[str]) -> dict[str, list[str]]:
    rel = resource.relationships["tags"]
    assert isinstance(rel, ManyToMany)
    jt, tags = rel.join_table, rel.target.table
    stmt = scope.where(
        select(jt.c.owner_id, tags.c.name)
        .join(tags, tags.c.id == jt.c[rel.target_column])
        .where(jt.c.owner_type == resource.type, jt.c.owner_id.in_(ids)),
        jt,
    )
    names: dict[str, list[str]] = {}
    for owner, name in scope.execute(stmt):
        names.setdefault(owner, []).append(name)
    for found in names.values():
        found.sort()
    return names
