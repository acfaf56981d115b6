"""Ransack-style filters -> SQL conditions.

``filter[q][<path>_<predicate>]=value`` where path is an attribute, a relationship path
(``price_list_code``, ``prices_amount_cents``, up to three hops) or several of them joined by
``_or_``. A relationship hop becomes an ``IN (subquery)`` scoped to the organization, so filters
never multiply rows and never cross tenants.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean as SqlBoolean
from sqlalchemy import and_, false, func, literal, not_, or_, select, true, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from core import strict_json
from core.db import JsonType
from core.dialect import has_nul
from core.errors import BadRequest, FilterNotAllowed
from core.tenancy import Scope
from resources.base import BelongsTo, HasMany, ManyToMany, Resource
from resources.fields import Attr, Boolean, Invalid, Json, String

MAX_DEPTH = 3
BASE = [
    "does_not_match", "not_start", "not_cont", "not_end", "not_null", "not_eq", "not_in",
    "matches", "present", "blank", "start", "false", "jcont", "lteq", "gteq", "cont", "null",
    "true", "from", "end", "eq", "lt", "gt", "in", "to",
]  # fmt: skip
MODIFIERS = ["_or_null", "_any", "_all"]
MAX_VALUES = 500  # of a list filter (`_in`, `_any`, `_all`, `ids`)
MAX_VALUE_LENGTH = 1_000  # characters of one filter value
MAX_ALTERNATIVES = 5  # attributes one filter joins with `_or_` (`code_or_name_cont`)
LIKE = ("matches", "does_not_match", "cont", "not_cont", "start", "not_start", "end", "not_end")
ORDERED = ("lt", "lteq", "gt", "gteq", "from", "to")
OBJECT_PREDICATES = ("jcont", "null", "not_null")  # the filters object attributes take
TRUTHY = {"true", "1", "t", "yes"}
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # integer columns: a larger value is an error, not a 500
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # what SQLite binds as an integer

Cond = Callable[[Any], ColumnElement]  # column -> condition


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _values(attr: Attr | None, value: str, many: bool, name: str) -> list[Any]:
    items = [v.strip() for v in value.split(",")] if many else [value]
    if attr is None:  # `id`
        return items
    try:
        values = [attr.from_text(v) for v in items]
    except Invalid:
        values = None
    if values is None or (
        attr.kind == "integer" and not all(INT_MIN <= v <= INT_MAX for v in values)
    ):
        raise BadRequest(f"{value!r} is not a valid value for {name}", parameter=name)
    return values


def _base_condition(pred: str, attr: Attr | None, value: str, name: str, dialect: str) -> Cond:
    """The condition on one column for one base predicate (no _any/_all/_or_null)."""
    truthy = value.strip().lower() in TRUTHY
    if pred in ("null", "not_null"):
        return lambda c: c.is_(None) if (pred == "null") == truthy else c.isnot(None)
    if pred in ("present", "blank"):
        present = (pred == "present") == truthy
        if isinstance(attr, String) or attr is None or attr.kind == "string":
            return lambda c: and_(c.isnot(None), c != "") if present else or_(c.is_(None), c == "")
        return lambda c: c.isnot(None) if present else c.is_(None)
    if pred in ("true", "false"):
        if not isinstance(attr, Boolean):
            raise FilterNotAllowed(f"{name}: {pred} applies to boolean attributes", parameter=name)
        wanted = (pred == "true") == truthy
        return lambda c: c.is_(true()) if wanted else or_(c.is_(false()), c.is_(None))
    if pred == "jcont":
        if not _json_column(attr):
            raise FilterNotAllowed(f"{name}: jcont applies to object attributes", parameter=name)
        try:
            doc = strict_json.loads(value)
        except strict_json.JsonRejected as exc:
            raise BadRequest(
                f"{name} takes a JSON object; this one {exc}", parameter=name
            ) from None
        if not isinstance(doc, dict):
            raise BadRequest(f"{name} takes a JSON object", parameter=name)
        if has_nul(doc):  # PostgreSQL text cannot hold NUL
            raise BadRequest(f"{name} may not contain NUL characters", parameter=name)
        if _beyond_floats(doc):  # one answer on both databases: SQLite compares floats
            raise BadRequest(f"{name}: numbers beyond 1.8e308 cannot be compared", parameter=name)
        if dialect == "postgresql":
            # bind the object itself: a JSON text bound as JSONB would be encoded again
            return lambda c: c.op("@>")(literal(doc, JSONB))
        return lambda c: and_(true(), *_json_contains(c, doc, "$", name))
    if pred in ("in", "not_in"):
        items = _values(attr, value, True, name)
        return (lambda c: c.in_(items)) if pred == "in" else (lambda c: c.notin_(items))
    if pred in LIKE:
        if attr is not None and attr.kind != "string":
            raise FilterNotAllowed(f"{name}: {pred} applies to text attributes", parameter=name)
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
    if pred in ORDERED and isinstance(attr, Boolean):  # `c < True` is no SQL SQLAlchemy builds
        detail = f"{name}: {pred} does not apply to boolean attributes"
        raise FilterNotAllowed(detail, parameter=name)
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


def _json_column(attr: Attr | None) -> bool:
    """An object attribute stored as JSON: `jcont` reads inside it (an import's `inputs` are
    stored gzipped, which PostgreSQL's `@>` cannot read)."""
    return isinstance(attr, Json) and attr.column_type is JsonType


def _beyond_floats(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, int) and not isinstance(node, bool) and abs(node) > sys.float_info.max:
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def _same(x: Any) -> Any:
    return x


def _json_contains(column: Any, doc: dict, path: str, name: str) -> list[ColumnElement]:
    """SQLite's version of PostgreSQL's ``@>`` for an object: one condition per leaf.

    Objects nest; an array matches when it holds every given element (scalars compared by
    value, objects and arrays inside arrays by their JSON text).
    """
    conds: list[ColumnElement] = []
    for key, wanted in doc.items():
        if '"' in key or "\\" in key:
            raise BadRequest(f"{name}: keys may not hold quotes or backslashes", parameter=name)
        at = f'{path}."{key}"'
        kind = func.json_type(column, at)
        if isinstance(wanted, dict):
            conds += [kind == "object", *_json_contains(column, wanted, at, name)]
        elif isinstance(wanted, list):
            conds.append(kind == "array")
            for item in wanted:
                each = func.json_each(column, at).table_valued("value", "type")
                if isinstance(item, dict | list):
                    match = each.c.value == func.json(json.dumps(item, separators=(",", ":")))
                else:
                    match = _json_scalar(each.c.type, each.c.value, item)
                conds.append(select(1).select_from(each).where(match).exists())
        else:
            conds.append(_json_scalar(kind, func.json_extract(column, at), wanted))
    return conds


def _json_scalar(kind: Any, value: Any, wanted: Any) -> ColumnElement:
    if wanted is None:
        return kind == "null"
    if isinstance(wanted, bool):
        return kind == ("true" if wanted else "false")
    if isinstance(wanted, str):
        return and_(kind == "text", value == wanted)
    if isinstance(wanted, int) and not INT64_MIN <= wanted <= INT64_MAX:
        wanted = float(wanted)  # SQLite reads such a number as a REAL, and binds no such integer
    return and_(kind.in_(["integer", "real"]), value == wanted)


def _check_size(values: list[str], name: str) -> None:
    """Bounds that keep a filter a search: a longer pattern only makes a slow scan, and more
    values a statement SQLite refuses ("Expression tree is too large")."""
    if len(values) > MAX_VALUES:
        raise BadRequest(f"{name} takes at most {MAX_VALUES} values", parameter=name)
    if any(len(v) > MAX_VALUE_LENGTH for v in values):
        detail = f"{name}: a value may be {MAX_VALUE_LENGTH} characters long at most"
        raise BadRequest(detail, parameter=name)


def _balanced(join: Any, conds: list[ColumnElement]) -> ColumnElement:
    """`join` (or_, and_) of conditions as a tree of parenthesized halves. SQLite parses a flat
    `a OR b OR c ...` into a tree as deep as the list is long and refuses one deeper than 1,000,
    which 500 values reach once inside a relationship's subquery; halves keep it 10 deep.
    (SQLAlchemy flattens nested or_/and_; a type_coerce'd group it keeps as written.)"""
    if len(conds) <= 2:
        return join(*conds) if len(conds) > 1 else conds[0]
    half = len(conds) // 2
    halves = (_balanced(join, conds[:half]), _balanced(join, conds[half:]))
    return join(*(type_coerce(h, SqlBoolean).self_group() for h in halves))


def _condition(pred: str, modifier: str, attr: Attr | None, value: str, name: str, dialect: str):
    many = modifier in ("_any", "_all") or pred in ("in", "not_in")
    _check_size(value.split(",") if many else [value], name)
    if modifier in ("_any", "_all"):
        parts = [_base_condition(pred, attr, v, name, dialect) for v in value.split(",")]
        join = or_ if modifier == "_any" else and_
        return lambda c: _balanced(join, [p(c) for p in parts])
    base = _base_condition(pred, attr, value, name, dialect)
    if modifier == "_or_null":
        return lambda c: or_(base(c), c.is_(None))
    return base


class FilterCompiler:
    def __init__(self, scope: Scope, dialect: str) -> None:
        self.scope = scope
        self.dialect = dialect

    def compile(
        self, resource: Resource, name: str, value: str, parameter: str | None = None
    ) -> ColumnElement:
        """One filter as a condition; errors name ``parameter`` (the query parameter) if given."""
        try:
            return self._compile(resource, name, value)
        except BadRequest as exc:
            exc.parameter = parameter or exc.parameter
            raise

    def _compile(self, resource: Resource, name: str, value: str) -> ColumnElement:
        if "\x00" in value:  # PostgreSQL text cannot hold NUL
            raise BadRequest(f"{name} may not contain NUL characters", parameter=name)
        if name == "ids":
            ids = [v.strip() for v in value.split(",")]
            _check_size(ids, name)
            return resource.table.c.id.in_(ids)
        for modifier in ["", *MODIFIERS]:
            for pred in BASE:
                suffix = f"_{pred}{modifier}"
                if not name.endswith(suffix) or len(name) == len(suffix):
                    continue
                path = name[: -len(suffix)]
                targets = self._paths(resource, path, pred, name)
                if targets is None:
                    continue
                parts = [
                    build(_condition(pred, modifier, attr, value, name, self.dialect))
                    for attr, build in targets
                ]
                return _balanced(or_, parts)
        raise FilterNotAllowed(f"{name} is not a filter of {resource.type}", parameter=name)

    def _paths(self, resource: Resource, path: str, pred: str, name: str):
        """`code_or_name` -> [(attr, cond builder), ...], or None if any part is unknown."""
        out = []
        whole = self._path(resource, path, 0, pred)
        parts = [path] if whole else path.split("_or_")
        if len(parts) > MAX_ALTERNATIVES:  # each multiplies the conditions the values make
            detail = f"{name} joins more than {MAX_ALTERNATIVES} attributes with _or_"
            raise BadRequest(detail, parameter=name)
        for part in parts:
            found = self._path(resource, part, 0, pred)
            if found is None:
                return None
            out.append(found)
        return out

    def _path(self, resource: Resource, path: str, depth: int, pred: str):
        table = resource.table
        if path == "id":
            return None, lambda cond: cond(table.c.id)
        code = resource.code_columns.get(path)
        if code is not None and depth < MAX_DEPTH:
            # `sku_code` follows the relationship: the related record's current code
            rel, target_attr = code
            inner = self._path(rel.target, target_attr, depth + 1, pred)
            if inner is not None:
                return inner[0], self._hop(rel, inner[1])
        attr = resource.attributes.get(path)
        usable = attr is not None and (
            attr.filterable or (isinstance(attr, Json) and pred in OBJECT_PREDICATES)
        )
        if usable and path in table.c:
            return attr, lambda cond: cond(table.c[path])
        if depth >= MAX_DEPTH:
            return None
        for hop in resource.relationships.values():
            prefix = hop.name + "_"
            if not path.startswith(prefix):
                continue
            inner = self._path(hop.target, path[len(prefix) :], depth + 1, pred)
            if inner is None:
                continue
            attr_, build = inner
            return attr_, self._hop(hop, build)
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
                .join(target, target.c.id == rel.linked_id)
                .where(rel.of_owner_type, build(cond)),
                jt,
            )
            return owner.c.id.in_(sub)

        return through


def predicates(attr: Attr | None) -> list[str]:
    """The base predicates ``_base_condition`` accepts on a column of ``attr`` (None: `id`);
    `_any`, `_all` and `_or_null` extend each. The API reference lists them per attribute."""
    if isinstance(attr, Json):
        return [p for p in OBJECT_PREDICATES if p != "jcont" or _json_column(attr)]
    if attr is not None and not attr.filterable:
        return []
    text = attr is None or attr.kind == "string"
    boolean = isinstance(attr, Boolean)
    return [
        pred
        for pred in BASE
        if pred != "jcont"
        and (boolean or pred not in ("true", "false"))
        and (text or pred not in LIKE)
        and not (boolean and pred in ORDERED)
    ]


def filterable(resource: Resource) -> dict[str, list[str]]:
    """The attributes a filter names directly (`id` and those with a column), each with the
    predicates it takes; relationship paths (`prices_amount_cents`) lead to their targets'."""
    found = {"id": predicates(None)}
    for name, attr in resource.attributes.items():
        if name in resource.table.c and (taken := predicates(attr)):
            found[name] = taken
    return found


def filter_text(value: Any) -> str:
    """A filter given as JSON (an export's `filters`) as the query string would give it:
    lists (`code_in: ["A", "B"]`) are comma-separated values."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value)
    return str(value)


def object_conditions(scope: Scope, resource: Resource, filters: dict[str, Any] | None) -> list:
    """Filters given as a JSON object (`{"code_start": "TSHIRT"}`) as SQL conditions, by the
    same rules as the API's `filter[q]` parameters (errors name `filters.<name>`)."""
    compiler = FilterCompiler(scope, scope.conn.dialect.name)
    return [
        compiler.compile(resource, name, filter_text(value), f"filters.{name}")
        for name, value in (filters or {}).items()
    ]
