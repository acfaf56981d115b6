"""Records as export items: the same keys the importer reads, so a file goes back in.

An export is planned once (``plan``): per include level, which SQL expressions become which
keys. Pages are then shaped with one query per include level and page, whatever the page size:
an include selects the children of the page's rows through the page query itself (`price.sku_id
IN (SELECT id FROM <page>)`), and timestamps and JSON are turned into text by the database.

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

from sqlalchemy import Text, case, cast, func, select
from sqlalchemy.sql import Select

from app.tenancy import Scope
from resources.base import BelongsTo, HasMany, ManyToMany, Relationship, Resource
from resources.fields import Attr, Boolean, Json
from resources.fields import DateTime as DateTimeAttr

TIMESTAMPS = ("created_at", "updated_at")
ALL = None  # every field of a level
encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
Render = Callable[[Any], Any]


class Nested(dict):
    """An included to-one record (CSV writes it as dotted columns, not as a JSON cell)."""


def blank(value: Any) -> bool:
    return value is None or value == "" or value == {} or value == []


def _json(text: Any) -> Any:
    if text == "{}":
        return {}
    return json.loads(text) if isinstance(text, str) else text


def _datetime(value: Any) -> Any:
    return DateTimeAttr("x").render(value)


def _json_cell(text: Any) -> Any:
    return None if text == "{}" else text  # dry CSV: an empty object is a blank


def column(attr: Attr, col: Any, dialect: str, csv: bool, dry: bool) -> tuple[Any, Render | None]:
    """The SQL expression selecting an attribute, and what renders its value after. CSV cells
    are text: the database writes booleans and JSON as the importer reads them."""
    kind = type(attr).render
    if kind is DateTimeAttr.render:  # the API's format, written by the database
        if dialect == "postgresql":
            return func.to_char(col, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), None
        if dialect == "sqlite":
            return func.strftime("%Y-%m-%dT%H:%M:%fZ", col), None
        return col, _datetime
    if isinstance(attr, Json) and kind is Attr.render:
        if csv:
            return cast(col, Text), (_json_cell if dry else None)
        return cast(col, Text), _json  # decoding "{}" in Python beats the driver's loader
    if isinstance(attr, Boolean) and kind is Attr.render and csv:
        return case((col.is_(True), "true"), (col.is_(False), "false")), None
    return col, (None if kind is Attr.render else attr.render)


def exported(attr: Attr, dry: bool) -> bool:
    if not attr.column or attr.secret:
        return False
    if dry and (attr.name in TIMESTAMPS or not attr.writable):
        return False  # an import would ignore it: redundant in a file meant for re-import
    return True


# -- fields and includes --------------------------------------------------------------------


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
        elif tree.get(key, set()) is not ALL:
            tree.setdefault(key, set()).add(last)  # type: ignore[union-attr]
    return tree


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
    """How rows of one resource at one include level become items.

    A row holds the value of ``names[i]`` at index i, then the columns in ``extra``.
    """

    resource: Resource
    dry: bool
    names: list[str] = field(default_factory=list)
    exprs: list[Any] = field(default_factory=list)
    renders: list[tuple[str, Render]] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)  # column name -> row index
    tags: bool = False
    children: dict[str, Plan] = field(default_factory=dict)
    rels: dict[str, Relationship] = field(default_factory=dict)
    sort_at: list[int] = field(default_factory=list)  # dry order: the key as written

    def key(self, name: str, expr: Any, render: Render | None = None) -> None:
        assert len(self.exprs) == len(self.names), "keys come before extra columns"
        if expr is self.resource.table.c.get(name) and render is None:
            self.extra[name] = len(self.exprs)  # a plain column: usable by ``at`` too
        self.names.append(name)
        self.exprs.append(expr)
        if render is not None:
            self.renders.append((name, render))

    def at(self, column: str) -> int:
        """The row index of a table column, selected as an extra if it is not a key's."""
        if column not in self.extra:
            self.extra[column] = len(self.exprs)
            self.exprs.append(self.resource.table.c[column])
        return self.extra[column]

    def select(self, scope: Scope) -> Select:
        return scope.select(self.resource.table,
                            *(e.label(f"c{i}") for i, e in enumerate(self.exprs)))  # fmt: skip

    def header(self) -> list[str]:
        """Every CSV column of this plan's items, dotted for includes, in output order."""
        out = list(self.names)
        if self.tags or any(is_tags(rel) for rel in self.rels.values()):
            out.append("tags.name")
        for name, child in self.children.items():
            if not is_tags(self.rels[name]):
                out += [f"{name}.{column}" for column in child.header()]
        return out

    def sort_key(self, row: Any) -> tuple:
        return tuple((row[i] is not None, row[i] if row[i] is not None else 0)
                     for i in self.sort_at)  # fmt: skip


def is_tags(rel: Relationship) -> bool:
    return isinstance(rel, ManyToMany) and rel.name == "tags"


def plan(
    resource: Resource,
    tree: dict[str, dict],
    fields: dict[tuple[str, ...], set[str] | None],
    dry: bool,
    dialect: str,
    csv: bool = False,
    path: tuple[str, ...] = (),
) -> Plan:
    wanted = fields.get(path, ALL)
    table = resource.table
    p = Plan(resource, dry)

    def named(*names: str) -> bool:
        return wanted is ALL or any(n in wanted for n in names)

    if not dry:
        p.key("id", table.c.id)
    for name, attr in resource.attributes.items():
        if exported(attr, dry) and named(name, attr.alias or name):
            p.key(attr.alias or name, *column(attr, table.c[name], dialect, csv, dry))
    if not dry:
        for rel in resource.belongs_to:
            if named(rel.column, rel.name):
                p.key(rel.column, table.c[rel.column])
    p.tags = is_tags(resource.relationships.get("tags")) and "tags" not in tree and named("tags")
    p.at("id")
    for name, subtree in tree.items():
        rel = resource.relationships[name]
        p.rels[name] = rel
        p.children[name] = child = plan(
            rel.target, subtree, fields, dry, dialect, csv, (*path, name)
        )
        if isinstance(rel, BelongsTo):
            p.at(rel.column)
        elif isinstance(rel, HasMany):
            child.at(rel.foreign_key.name)
    if dry:
        p.sort_at = [p.at(c) for c in sort_columns(resource)]
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


def fetch(scope: Scope, stmt: Select) -> list[Any]:
    """The rows of a ``Plan.select``; on PostgreSQL as the driver's plain tuples (a third of
    the time of SQLAlchemy rows: every value is text, a number or a boolean already)."""
    result = scope.execute(stmt)
    if scope.conn.dialect.name == "postgresql":
        return result.cursor.fetchall()
    return result.all()


def shape(scope: Scope, p: Plan, page: Select, rows: list[Any]) -> list[dict[str, Any]]:
    """Items for the rows that `page` (a ``Plan.select`` statement) returned."""
    if not rows:
        return []
    sub = page.subquery()
    related = [(name, *_related(scope, p, name, sub)) for name in p.children]
    tags = _tag_names(scope, p.resource, select(sub.c[f"c{p.extra['id']}"])) if p.tags else None
    names, renders, dry, id_at = p.names, p.renders, p.dry, p.extra["id"]
    out = []
    for row in rows:
        if dry:
            # rows are longer than names (extra columns follow): strict=False on purpose
            item = {k: v for k, v in zip(names, row, strict=False) if v is not None and v != ""}
        else:
            item = dict(zip(names, row, strict=False))
        for key, render in renders:
            value = item.get(key)
            if value is not None:
                value = render(value)
                if dry and blank(value):
                    del item[key]
                else:
                    item[key] = value
        if tags is not None:
            found = tags.get(row[id_at])
            if found or not dry:
                item["tags"] = found or []
        for name, by_owner, many, at in related:
            owner = row[at]  # the row's id (to-many) or the related record's (to-one)
            value = by_owner.get(owner) if owner is not None else None
            if many and value is None:
                value = []
            if not (dry and blank(value)):
                item[name] = value
        out.append(item)
    return out


def _related(scope: Scope, p: Plan, name: str, sub: Any) -> tuple[dict[str, Any], bool, int]:
    """(owner id or related id -> shaped value, to-many?, row index of that id) for a page."""
    rel, child = p.rels[name], p.children[name]
    target = rel.target.table
    page_ids = select(sub.c[f"c{p.extra['id']}"])
    if isinstance(rel, BelongsTo):
        at = p.extra[rel.column]
        stmt = child.select(scope).where(target.c.id.in_(select(sub.c[f"c{at}"])))
        found = fetch(scope, stmt)
        items = shape(scope, child, stmt, found)
        id_at = child.extra["id"]
        return {r[id_at]: Nested(i) for r, i in zip(found, items, strict=True)}, False, at
    if is_tags(rel):
        return _tag_names(scope, p.resource, page_ids), True, p.extra["id"]
    if isinstance(rel, HasMany):
        stmt = child.select(scope).where(rel.foreign_key.in_(page_ids))
        owner_at = child.extra[rel.foreign_key.name]
    else:
        assert isinstance(rel, ManyToMany)
        jt = rel.join_table
        owned = scope.where(select(jt.c[rel.target_column]).where(
            jt.c.owner_type == p.resource.type, jt.c.owner_id.in_(page_ids)), jt)  # fmt: skip
        stmt = child.select(scope).where(target.c.id.in_(owned))
        owner_at = -1  # many-to-many rows are matched to owners below
    stmt = stmt.order_by(target.c.created_at, target.c.id)
    found = fetch(scope, stmt)
    items = shape(scope, child, stmt, found)
    groups: dict[str, list] = {}
    if owner_at >= 0 and not p.dry:
        for row, item in zip(found, items, strict=True):
            groups.setdefault(row[owner_at], []).append(item)
        return groups, True, p.extra["id"]
    if owner_at >= 0:
        for row, item in zip(found, items, strict=True):
            groups.setdefault(row[owner_at], []).append((row, item))
    else:
        id_at = child.extra["id"]
        by_id = {row[id_at]: (row, item) for row, item in zip(found, items, strict=True)}
        for owner, target_id in _links(scope, rel, p.resource, page_ids):
            if target_id in by_id:
                groups.setdefault(owner, []).append(by_id[target_id])
    if p.dry:  # ids differ between organizations: order by key, then by content
        for entries in groups.values():
            entries.sort(key=lambda e: (child.sort_key(e[0]), encode(e[1])))
    return {o: [item for _r, item in entries] for o, entries in groups.items()}, True, \
        p.extra["id"]  # fmt: skip


def _links(scope: Scope, rel: ManyToMany, owner: Resource, page_ids: Any) -> list[tuple]:
    jt = rel.join_table
    stmt = scope.where(select(jt.c.owner_id, jt.c[rel.target_column]).where(
        jt.c.owner_type == owner.type, jt.c.owner_id.in_(page_ids)), jt)  # fmt: skip
    return [tuple(r) for r in scope.execute(stmt)]


def _tag_names(scope: Scope, resource: Resource, owner_ids: Any) -> dict[str, list[str]]:
    rel = resource.relationships["tags"]
    assert isinstance(rel, ManyToMany)
    jt, tags = rel.join_table, rel.target.table
    stmt = scope.where(
        select(jt.c.owner_id, tags.c.name)
        .join(tags, tags.c.id == jt.c[rel.target_column])
        .where(jt.c.owner_type == resource.type, jt.c.owner_id.in_(owner_ids)),
        jt,
    )
    names: dict[str, list[str]] = {}
    for owner, name in scope.execute(stmt):
        names.setdefault(owner, []).append(name)
    for found in names.values():
        found.sort()
    return names
