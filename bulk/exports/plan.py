"""How an export turns records into items, planned once per export (``plan``): per include
level, which SQL expressions become which keys.

- Attributes by their import names (aliases such as price tiers' `type`); relationships as
  `<rel>_id` plus the code keys the importer accepts (`sku_code`); named links (tags) as the
  sorted names.
- ``dry_data`` drops ids and `<rel>_id`s, timestamps, every attribute an import cannot write
  (it would be ignored) and blanks, and orders records and children by their unique key as
  written (then by content), so the same data gives the same bytes in any organization.
- ``fields``: plain names select attributes of the exported type, dotted names those of an
  include (`prices.amount_cents`, `prices.*`) and imply it. A level none of the names mention
  keeps all of its fields. Refused at create (``field_problem``): unknown names, a to-many
  relation named alone, paths deeper than includes may go, and with ``dry_data`` the names it
  leaves out (each would leave nothing where it is named alone).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Text, case, cast, func
from sqlalchemy.sql import Select

from core.tenancy import Scope
from query.includes import MAX_INCLUDE_DEPTH, include_tree
from records.keys import sort_columns
from resources.base import BelongsTo, HasMany, ManyToMany, Relationship, Resource
from resources.fields import Attr, Boolean, DateTime, Json

TIMESTAMPS = ("created_at", "updated_at")
ALL = None  # every field of a level
# What a key's value is, for the exporter shaping in the database (``database``): text (also
# CSV's booleans and JSON cells), a timestamp the database wrote (text that never needs quoting
# or escaping), an integer, a float, a boolean, stored JSON (JSON files), a dry CSV's JSON cell
# (blank when `{}`), or anything else (only Python shapes it).
TEXT, STAMP, INTEGER, FLOAT, BOOLEAN, JSON, CELL, OTHER = (
    "text", "stamp", "integer", "float", "boolean", "json", "cell", "other")  # fmt: skip
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
    return DateTime("x").render(value)


def _json_cell(text: Any) -> Any:
    return None if text == "{}" else text  # dry CSV: an empty object is a blank


def column(
    attr: Attr, col: Any, dialect: str, csv: bool, dry: bool
) -> tuple[Any, Render | None, str]:
    """The SQL expression selecting an attribute, what renders its value after, and its kind.
    CSV cells are text: the database writes booleans and JSON as the importer reads them."""
    kind = type(attr).render
    if kind is DateTime.render:  # the API's format, written by the database
        if dialect == "postgresql":
            return func.to_char(col, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), None, STAMP
        if dialect == "sqlite":
            return func.strftime("%Y-%m-%dT%H:%M:%fZ", col), None, STAMP
        return col, _datetime, OTHER
    if isinstance(attr, Json) and kind is Attr.render:
        if csv:
            return cast(col, Text), (_json_cell if dry else None), (CELL if dry else TEXT)
        return cast(col, Text), _json, JSON  # decoding "{}" in Python beats the driver's loader
    if isinstance(attr, Boolean) and kind is Attr.render and csv:
        return case((col.is_(True), "true"), (col.is_(False), "false")), None, TEXT
    if kind is not Attr.render:
        return col, attr.render, OTHER
    return col, None, kind_of(col)


def kind_of(col: Any) -> str:
    """The kind of a column's values as the driver returns them."""
    sql_type = col.type
    if isinstance(sql_type, sa.Boolean):
        return BOOLEAN
    if isinstance(sql_type, sa.Integer):
        return INTEGER
    if isinstance(sql_type, sa.Float):
        return FLOAT
    if isinstance(sql_type, sa.String):
        return TEXT
    return OTHER


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


def field_problem(resource: Resource, name: str, dry: bool = False) -> str | None:
    """Why `name` (e.g. `prices.amount_cents`) is not a field of `resource` (or not one a dry
    export writes), or None."""
    *path, last = name.split(".")
    if len(path) > MAX_INCLUDE_DEPTH:  # the include it implies would be refused
        return f"{name}: {'.'.join(path)} is nested deeper than {MAX_INCLUDE_DEPTH} levels"
    current = resource
    for segment in path:
        rel = current.relationships.get(segment)
        if rel is None:
            return f"{name}: {segment} is not a relationship of {current.type}"
        current = rel.target
    rel = current.relationships.get(last)
    if rel is not None and not isinstance(rel, BelongsTo) and not is_named_links(rel):
        # its records are not a value of this level: they come as an include
        return f"{name}: {last} has many records, name {name}.* or {name}.<field>"
    if last in ("*", "id") or last in field_names(current) or rel is not None:
        if dry and last in dry_dropped(current):
            # named alone, it would leave a level (a whole CSV file) with nothing in it
            return f"{name}: dry_data leaves {last} out (ids, timestamps, what imports ignore)"
        return None
    return f"{name}: {last} is not a field of {current.type}"


def dry_dropped(resource: Resource) -> set[str]:
    """The field names a dry export leaves out: `id`, `<rel>_id`s (also named by the
    relationship: dry files have its code key instead) and what ``exported`` drops."""
    names = {"id", *(n for rel in resource.belongs_to for n in (rel.column, rel.name))}
    for name, attr in resource.attributes.items():
        if attr.column and not attr.secret and not exported(attr, True):
            names |= {name, attr.alias or name}
    return names


def field_names(resource: Resource) -> set[str]:
    """Names `fields` may give: attributes (or their alias), `<rel>_id`s, `tags`."""
    names = {rel.column for rel in resource.belongs_to}
    for name, attr in resource.attributes.items():
        if attr.column and not attr.secret:
            names |= {name, attr.alias or name}
    return names


def include_paths(includes: list[str] | None, fields: list[str] | None) -> dict[str, dict]:
    """The include tree: the `includes` paths and those the dotted `fields` imply."""
    paths = [p.split(".") for p in includes or []]
    paths += [f.split(".")[:-1] for f in fields or [] if "." in f]
    return include_tree(paths)


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
    kinds: list[str] = field(default_factory=list)  # of each key's value: TEXT, FLOAT, ...
    renders: list[tuple[str, Render]] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)  # column name -> row index
    name_lists: list[ManyToMany] = field(default_factory=list)  # named links, not included
    children: dict[str, Plan] = field(default_factory=dict)
    rels: dict[str, Relationship] = field(default_factory=dict)
    sort_at: list[int] = field(default_factory=list)  # dry order: the key as written

    def key(self, name: str, expr: Any, render: Render | None = None, kind: str | None = None
            ) -> None:  # fmt: skip
        assert len(self.exprs) == len(self.names), "keys come before extra columns"
        if expr is self.resource.table.c.get(name) and render is None:
            self.extra[name] = len(self.exprs)  # a plain column: usable by ``at`` too
        self.names.append(name)
        self.exprs.append(expr)
        self.kinds.append(kind or kind_of(expr))
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
        included = [r for r in self.rels.values() if isinstance(r, ManyToMany) and r.named_by]
        out += [f"{rel.name}.{rel.named_by}" for rel in [*self.name_lists, *included]]
        for name, child in self.children.items():
            if not is_named_links(self.rels[name]):
                out += [f"{name}.{column}" for column in child.header()]
        return out

    def sort_key(self, row: Any) -> tuple:
        return sort_key(row[i] for i in self.sort_at)


def sort_key(values: Any) -> tuple:
    """Dry order: a record's key as written, blanks first."""
    return tuple((v is not None, v if v is not None else 0) for v in values)


def is_named_links(rel: Relationship) -> bool:
    """Links files name (tags): exported as the sorted names, not as included records."""
    return isinstance(rel, ManyToMany) and rel.named_by is not None


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
    p.name_lists = [r for r in resource.named_links if r.name not in tree and named(r.name)]
    p.at("id")
    for name, subtree in tree.items():
        included = resource.relationships[name]
        p.rels[name] = included
        p.children[name] = child = plan(
            included.target, subtree, fields, dry, dialect, csv, (*path, name)
        )
        if isinstance(included, BelongsTo):
            p.at(included.column)
        elif isinstance(included, HasMany):
            child.at(included.foreign_key.name)
    if dry:
        p.sort_at = [p.at(c) for c in sort_columns(resource)]
    return p
