"""Ransack-style filters -> SQL conditions.

``filter[q][<path>_<predicate>]=value`` where path is an attribute, a relationship path
(``price_list_code``, ``prices_amount_cents``, up to three hops) or several of them joined by
``_or_``. A relationship hop becomes an ``IN (subquery)`` scoped to the organization, so filters
never multiply rows and never cross tenants.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, cast, false, func, not_, or_, select, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from app.errors import BadRequest, FilterNotAllowed
from app.tenancy import Scope
from resources.base import BelongsTo, HasMany, ManyToMany, Resource
from resources.fields import Attr, Boolean, Invalid, Json
from resources.fields import String as StringAttr

MAX_DEPTH = 3
BASE = [
    "does_not_match", "not_start", "not_cont", "not_end", "not_null", "not_eq", "not_in",
    "matches", "present", "blank", "start", "false", "jcont", "lteq", "gteq", "cont", "null",
    "true", "from", "end", "eq", "lt", "gt", "in", "to",
]  # fmt: skip
MODIFIERS = ["_or_null", "_any", "_all"]
TRUTHY = {"true", "1", "t", "yes"}

Cond = Callable[[Any], ColumnElement]  # column -> condition


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _values(attr: Attr | None, value: str, many: bool, name: str) -> list[Any]:
    items = [v.strip() for v in value.split(",")] if many else [value]
    if attr is None:  # `id`
        return items
    try:
        return [attr.from_text(v) for v in items]
    except Invalid:
        raise BadRequest(f"{value!r} is not a valid value for {name}", parameter=name) from None


def _base_condition(pred: str, attr: Attr | None, value: str, name: str, dialect: str) -> Cond:
    """The condition on one column for one base predicate (no _any/_all/_or_null)."""
    truthy = value.strip().lower() in TRUTHY
    if pred in ("null", "not_null"):
        return lambda c: c.is_(None) if (pred == "null") == truthy else c.isnot(None)
    if pred in ("present", "blank"):
        present = (pred == "present") == truthy
        if isinstance(attr, StringAttr) or attr is None or attr.kind == "string":
            return lambda c: and_(c.isnot(None), c != "") if present else or_(c.is_(None), c == "")
        return lambda c: c.isnot(None) if present else c.is_(None)
    if pred in ("true", "false"):
        if not isinstance(attr, Boolean):
            raise FilterNotAllowed(f"{name}: {pred} applies to boolean attributes", parameter=name)
        wanted = (pred == "true") == truthy
        return lambda c: c.is_(true()) if wanted else or_(c.is_(false()), c.is_(None))
    if pred == "jcont":
        if not isinstance(attr, Json):
            raise FilterNotAllowed(f"{name}: jcont applies to object attributes", parameter=name)
        try:
            doc = json.loads(value)
        except ValueError:
            raise BadRequest(f"{name} takes a JSON object", parameter=name) from None
        if not isinstance(doc, dict):
            raise BadRequest(f"{name} takes a JSON object", parameter=name)
        if dialect == "postgresql":
            return lambda c: c.op("@>")(cast(json.dumps(doc), JSONB))
        return lambda c: and_(
            true(), *(func.json_extract(c, f'$."{k}"') == v for k, v in doc.items())
        )
    if pred in ("in", "not_in"):
        items = _values(attr, value, True, name)
        return (lambda c: c.in_(items)) if pred == "in" else (lambda c: c.notin_(items))
    if pred in ("matches", "does_not_match", "cont", "not_cont", "start", "not_start",
                "end", "not_end"):  # fmt: skip
        text = value
        pattern = {
            "matches": text,
            "cont": f"%{_like_escape(text)}%",
            "start": f"{_like_escape(text)}%",
            "end": f"%{_like_escape(text)}",
        }[pred.removeprefix("not_").replace("does_not_match", "matches")]
        esc = None if pred in ("matches", "does_not_match") else "\\"
        negate = pred.startswith(("not_", "does_not"))
        return lambda c: (not_ if negate else _same)(c.ilike(pattern, escape=esc))
    (v,) = _values(attr, value, False, name)
    ops = {
        "eq": lambda c: c == v,
        "not_eq": lambda c: c != v,
        "lt": lambda c: c < v,
        "lteq": lambda c: c <= v,
        "to": lambda c: c <= v,
        "gt": lambda c: c > v,
        "gteq": lambda c: c >= v,
        "from": lambda c: c >= v,
    }
    return ops[pred]


def _same(x: Any) -> Any:
    return x


def _condition(pred: str, modifier: str, attr: Attr | None, value: str, name: str, dialect: str):
    if modifier in ("_any", "_all"):
        parts = [_base_condition(pred, attr, v, name, dialect) for v in value.split(",")]
        join = or_ if modifier == "_any" else and_
        return lambda c: join(*(p(c) for p in parts))
    base = _base_condition(pred, attr, value, name, dialect)
    if modifier == "_or_null":
        return lambda c: or_(base(c), c.is_(None))
    return base


class FilterCompiler:
    def __init__(self, scope: Scope, dialect: str) -> None:
        self.scope = scope
        self.dialect = dialect

    def compile(self, resource: Resource, name: str, value: str) -> ColumnElement:
        if name == "ids":
            return resource.table.c.id.in_([v.strip() for v in value.split(",")])
        for modifier in ["", *MODIFIERS]:
            for pred in BASE:
                suffix = f"_{pred}{modifier}"
                if not name.endswith(suffix) or len(name) == len(suffix):
                    continue
                path = name[: -len(suffix)]
                targets = self._paths(resource, path)
                if targets is None:
                    continue
                parts = [
                    build(_condition(pred, modifier, attr, value, name, self.dialect))
                    for attr, build in targets
                ]
                return or_(*parts) if len(parts) > 1 else parts[0]
        raise FilterNotAllowed(f"{name} is not a filter of {resource.type}", parameter=name)

    def _paths(self, resource: Resource, path: str):
        """`code_or_name` -> [(attr, cond builder), ...], or None if any part is unknown."""
        out = []
        for part in [path] if self._path(resource, path, 0) else path.split("_or_"):
            found = self._path(resource, part, 0)
            if found is None:
                return None
            out.append(found)
        return out

    def _path(self, resource: Resource, path: str, depth: int):
        table = resource.table
        if path == "id":
            return None, lambda cond: cond(table.c.id)
        attr = resource.attributes.get(path)
        if attr is not None and attr.filterable:
            return attr, lambda cond: cond(table.c[path])
        if depth >= MAX_DEPTH:
            return None
        for rel in resource.relationships.values():
            prefix = rel.name + "_"
            if not path.startswith(prefix):
                continue
            inner = self._path(rel.target, path[len(prefix) :], depth + 1)
            if inner is None:
                continue
            attr_, build = inner
            return attr_, self._hop(rel, build)
        return None

    def _hop(self, rel, build):
        scope = self.scope
        owner = rel.owner.table
        target = rel.target.table

        def through(cond):
            if isinstance(rel, BelongsTo):
                sub = scope.select(target, target.c.id).where(build(cond))
                return owner.c[rel.column].in_(sub)
            if isinstance(rel, HasMany):
                sub = scope.select(target, rel.foreign_key).where(build(cond))
                return owner.c.id.in_(sub)
            assert isinstance(rel, ManyToMany)
            jt = rel.join_table
            sub = scope.where(
                select(jt.c.owner_id)
                .join(target, target.c.id == jt.c[rel.target_column])
                .where(jt.c.owner_type == rel.owner.type, build(cond)),
                jt,
            )
            return owner.c.id.in_(sub)

        return through
