"""Shaping in PostgreSQL: each record of a page leaves the database as its text in the file.

The same plan (``plan.Plan``) drives it as drives ``shape`` and ``writers``, and the bytes are
the same: for JSON, the item as ``plan.encode`` writes it (keys in plan order, compact, floats as
Python writes them, dry blanks left out); for CSV, its rows as ``writers.to_csv`` writes them
(the record's cells repeated on a row per included child, cells quoted as Python's csv quotes
them, ``csv_safe``). Included records are correlated subqueries of their owner's row, so a page
is one statement however deep the includes go.

What the database does not write as Python does is handed back to Python: stored JSON values
other than `{}` (PostgreSQL spaces them out) and floats whose digits may differ
(``float_exact``) come marked with ``MARK`` in JSON, and the item is re-encoded (``finish``;
dry items are shaped again in Python instead, their children's order depending on that text);
a CSV record with such a float is shaped again in Python (``exact``). What no kind describes
(``plan.OTHER``: a value only Python renders) or no correlated subquery reaches (a
many-to-many include that is not named links) keeps the whole export on the Python path
(``supported``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BIGINT,
    NUMERIC,
    Text,
    and_,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
)
from sqlalchemy import true as sql_true
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by, array
from sqlalchemy.sql import Select
from sqlalchemy.sql.util import ClauseAdapter

from bulk.exports.plan import (
    BOOLEAN,
    CELL,
    FLOAT,
    INTEGER,
    JSON,
    OTHER,
    STAMP,
    TEXT,
    Plan,
    encode,
    is_named_links,
    kind_of,
)
from core.tenancy import Scope
from resources.base import BelongsTo, HasMany, ManyToMany

MARK = "\x01"  # never in JSON text: control characters are escaped there
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # writers.FORMULA_STARTS
LINES = ARRAY(Text)


def supported(p: Plan) -> bool:
    """Whether the database can shape this plan's records (every level of it)."""
    if OTHER in p.kinds:
        return False
    for name, child in p.children.items():
        rel = p.rels[name]
        if is_named_links(rel):
            continue
        if not isinstance(rel, BelongsTo | HasMany) or not supported(child):
            return False
    return True


def width(p: Plan) -> int:
    return len(p.header())


def finish(text: str) -> str:
    """The item's text as ``encode`` writes it, from the database's."""
    if MARK in text:
        return encode(json.loads(text.replace(MARK, "")))
    return text


def lit(text: str) -> Any:
    """A text literal (SQLAlchemy escapes `%` for the driver)."""
    return literal_column("'" + text.replace("'", "''") + "'", Text)


def concat(*parts: Any) -> Any:
    out = parts[0]
    for part in parts[1:]:
        out = out.op("||")(part)
    return out


class Shaper:
    """Builds the statement of a page: per record, its id, its dry sort columns, its JSON text
    (JSON files, and the order of dry CSV files), its CSV rows (CSV files)."""

    def __init__(self, scope: Scope, p: Plan, csv: bool, safe: bool) -> None:
        self.scope, self.plan, self.csv, self.safe = scope, p, csv, safe

    def select(self) -> Select:
        p = self.plan
        table = p.resource.table
        columns: list[Any] = [table.c.id.label("id")]
        columns += [p.exprs[i].label(f"k{n}") for n, i in enumerate(p.sort_at)]
        if not self.csv or p.dry:
            columns.append(self.item(p, table).label("item"))
        if self.csv:
            columns.append(self.exact(p, table).label("exact"))
            rows = self.rows(p, table, single=width(p) == 1)
            columns.append(func.array_to_string(rows, func.chr(10)).label("lines"))
        return self.scope.select(table, *columns)

    def exact(self, p: Plan, t: Any) -> Any:
        """Whether the database writes the record's CSV rows as Python does: false when a
        float of it, or of its included records, is not ``float_exact`` (Python writes it)."""
        own = [float_exact(e) for e, k in zip(self.exprs(p, t), p.kinds, strict=False)
               if k == FLOAT]  # fmt: skip
        for name, child in p.children.items():
            rel = p.rels[name]
            if is_named_links(rel) or not has_floats(child):
                continue
            ct = rel.target.table.alias()
            if isinstance(rel, BelongsTo):
                cond = ct.c.id == t.c[rel.column]
            else:
                assert isinstance(rel, HasMany)
                cond = ClauseAdapter(ct).traverse(rel.foreign_key) == t.c.id
            stmt: Select = select(literal_column("1")).select_from(ct).correlate(t)
            stmt = stmt.where(cond, self.exact(child, ct).is_not(True))
            own.append(~self.scoped(stmt, ct).exists())
        return and_(*own) if own else sql_true()

    # -- JSON ---------------------------------------------------------------------------------

    def item(self, p: Plan, t: Any) -> Any:
        """The JSON text of the record of ``t`` (a table or an alias of it)."""
        dry = p.dry
        pairs = []
        for name, expr, kind in zip(p.names, self.exprs(p, t), p.kinds, strict=False):
            pairs.append(self.pair(name, self.value(expr, kind, dry)))
        for links in p.name_lists:
            pairs.append(self.pair(links.name, self.names(links, t, dry)))
        for name, child in p.children.items():
            rel = p.rels[name]
            if isinstance(rel, ManyToMany):  # named links (``supported``)
                value = self.names(rel, t, dry)
            elif isinstance(rel, BelongsTo):
                ct = rel.target.table.alias()
                sub = self.related(ct, self.item(child, ct), ct.c.id == t.c[rel.column], t)
                value = func.nullif(sub, "{}") if dry else func.coalesce(sub, lit("null"))
            else:
                assert isinstance(rel, HasMany)
                ct = rel.target.table.alias()
                text = self.item(child, ct)
                if dry:
                    text = text.collate("C")
                order = self.order(child, ct, text)
                agg = func.string_agg(text, aggregate_order_by(lit(","), *order))
                cond = ClauseAdapter(ct).traverse(rel.foreign_key) == t.c.id
                sub = self.related(ct, concat(lit("["), agg, lit("]")), cond, t)
                value = sub if dry else func.coalesce(sub, lit("[]"))
            pairs.append(self.pair(name, value))
        return concat(lit("{"), comma_separated(pairs), lit("}"))

    def pair(self, name: str, value: Any) -> Any:
        """`"name":value`, or NULL (left out by concat_ws) when the value is."""
        return concat(lit(json.dumps(name) + ":"), value)

    def value(self, expr: Any, kind: str, dry: bool) -> Any:
        """A value's JSON text; NULL for a dry blank."""
        if kind == JSON:  # the stored JSON's text: Python re-encodes all but `{}`
            marked = concat(func.chr(1), expr)
            if dry:
                blank = or_(expr.is_(None), expr.in_(["{}", "[]", "null", '""']))
                return case((blank, null()), else_=marked)
            return case((expr == "{}", lit("{}")), (expr.is_(None), lit("null")), else_=marked)
        text: Any
        if kind == STAMP:  # digits, `-`, `:`, `.`, `T` and `Z`: nothing to escape
            text = concat(lit('"'), expr, lit('"'))
        elif kind == TEXT or kind == CELL:
            if dry:
                expr = func.nullif(expr, "")
            if kind == CELL:
                expr = func.nullif(expr, "{}")
            text = cast(func.to_json(expr), Text)
        elif kind == FLOAT:  # Python re-encodes the item around digits it writes otherwise
            text = case((float_exact(expr), python_float(expr)),
                        else_=concat(func.chr(1), cast(expr, Text)))  # fmt: skip
        else:
            assert kind in (INTEGER, BOOLEAN), kind
            text = cast(expr, Text)
        return text if dry else func.coalesce(text, lit("null"))

    def names(self, rel: ManyToMany, t: Any, dry: bool) -> Any:
        """The sorted names of the record's named links, as a JSON array."""

        def sorted_names(name: Any) -> Any:
            agg = func.string_agg(cast(func.to_json(name), Text),
                                  aggregate_order_by(lit(","), name.collate("C")))  # fmt: skip
            return concat(lit("["), agg, lit("]"))

        sub = self.links(rel, t, sorted_names)
        return sub if dry else func.coalesce(sub, lit("[]"))

    # -- CSV ----------------------------------------------------------------------------------

    def rows(self, p: Plan, t: Any, single: bool = False) -> Any:
        """The record's CSV rows (text[]), cells in ``Plan.header`` order; ``single``: the file
        has one column, and a row with an empty cell is written `""`, as csv does."""
        cells = [self.cell(e, k) for e, k in zip(self.exprs(p, t), p.kinds, strict=False)]
        cells += [self.names_cell(links, t) for links in p.name_lists]
        blocks: list[tuple[Any, int]] = []
        for name, child in p.children.items():
            rel = p.rels[name]
            if is_named_links(rel):
                assert isinstance(rel, ManyToMany)
                cells.append(self.names_cell(rel, t))
                continue
            ct = rel.target.table.alias()
            lines = self.rows(child, ct)
            if isinstance(rel, BelongsTo):
                sub = self.related(ct, lines, ct.c.id == t.c[rel.column], t)
            else:
                assert isinstance(rel, HasMany)
                each = func.unnest(lines).table_valued("line", with_ordinality="n")
                each = each.render_derived()
                order = self.order(
                    child, ct, self.item(child, ct).collate("C") if child.dry else None
                )
                agg = func.array_agg(aggregate_order_by(each.c.line, *order, each.c.n))
                cond = ClauseAdapter(ct).traverse(rel.foreign_key) == t.c.id
                stmt = select(agg).select_from(ct).join(each, sql_true()).where(cond).correlate(t)
                sub = self.scoped(stmt, ct).scalar_subquery()
            blocks.append((sub, width(child)))
        own = join_cells(cells)
        if not blocks:
            return array([self.single(own) if single else own], type_=Text)
        # Row n holds the n-th row of each block (unnest pads the shorter ones with NULLs); a
        # record without children of an include still has one row, blank there.
        padded = [func.coalesce(sub, array([blank(w)], type_=Text)) for sub, w in blocks]
        names = [f"b{i}" for i in range(len(blocks))]
        zipped = func.unnest(*padded).table_valued(*names, with_ordinality="n").render_derived()
        parts = [own] if cells else []
        for i, (_sub, w) in enumerate(blocks):
            if w:
                parts.append(func.coalesce(zipped.c[f"b{i}"], lit(blank(w))))
        row = join_parts(parts)
        if single:
            row = self.single(row)
        agg = func.array_agg(aggregate_order_by(row, zipped.c.n))
        return select(agg).select_from(zipped).correlate(t).scalar_subquery()

    def single(self, row: Any) -> Any:
        return case((row == "", lit('""')), else_=row)

    def cell(self, expr: Any, kind: str) -> Any:
        """A CSV cell: what csv.writer writes for the value Python would hold."""
        if kind == STAMP:  # never quoted, never starts like a formula
            return func.coalesce(expr, lit(""))
        if kind == TEXT or kind == CELL:
            if kind == CELL:
                expr = func.nullif(expr, "{}")  # a dry CSV's `{}` is a blank
            return func.coalesce(self.quoted(self.defused(expr)), lit(""))
        if kind == FLOAT:
            return func.coalesce(python_float(expr), lit(""))
        if kind == BOOLEAN:  # str(True): no plan has one (CSV booleans are text)
            return case((expr.is_(True), lit("True")), (expr.is_(False), lit("False")),
                        else_=lit(""))  # fmt: skip
        assert kind == INTEGER, kind
        return func.coalesce(cast(expr, Text), lit(""))

    def names_cell(self, rel: ManyToMany, t: Any) -> Any:
        def joined(name: Any) -> Any:  # quoted in the subquery: the aggregate is computed once
            cell = func.string_agg(name, aggregate_order_by(lit(","), name.collate("C")))
            return self.quoted(self.defused(cell))

        return func.coalesce(self.links(rel, t, joined), lit(""))

    def defused(self, text: Any) -> Any:
        """``writers.defused``, when the export is ``csv_safe``."""
        if not self.safe:
            return text
        return case((func.left(text, 1).in_(FORMULA_STARTS), concat(lit("'"), text)),
                    else_=text)  # fmt: skip

    def quoted(self, text: Any) -> Any:
        """Quoted when it holds a comma, a quote or a line break (doubling its quotes)."""
        wrapped = concat(lit('"'), func.replace(text, '"', '""'), lit('"'))
        return case((text.op("~")(lit('[",\n\r]')), wrapped), else_=text)

    # -- shared -------------------------------------------------------------------------------

    def exprs(self, p: Plan, t: Any) -> list[Any]:
        """The plan's key expressions over ``t`` (an alias of its table, below the top)."""
        keys = p.exprs[: len(p.names)]
        if t is p.resource.table:
            return keys
        adapter = ClauseAdapter(t)
        return [adapter.traverse(e) for e in keys]

    def order(self, child: Plan, ct: Any, text: Any) -> list[Any]:
        """The order of included children: by creation, or (dry) by key as written, then by
        content (``text``, their JSON text), as ``shape`` orders them."""
        if not child.dry:
            return [ct.c.created_at, ct.c.id]
        out: list[Any] = []
        adapter = ClauseAdapter(ct)
        for i in child.sort_at:
            expr = adapter.traverse(child.exprs[i])
            out += [expr.is_not(None), expr.collate("C") if kind_of(expr) == TEXT else expr]
        return [*out, text]

    def scoped(self, stmt: Select, alias: Any) -> Select:
        return self.scope.where(stmt, alias)

    def related(self, ct: Any, value: Any, cond: Any, t: Any) -> Any:
        stmt = select(value).select_from(ct).where(cond).correlate(t)
        return self.scoped(stmt, ct).scalar_subquery()

    def links(self, rel: ManyToMany, t: Any, value: Callable[[Any], Any]) -> Any:
        """``value`` of the names of the record's named links (NULL when it has none)."""
        assert rel.named_by is not None
        jt, target = rel.join_table.alias(), rel.target.table.alias()
        adapter = ClauseAdapter(jt)
        linked = target.c.id == adapter.traverse(rel.linked_id)
        stmt = (
            select(value(target.c[rel.named_by]))
            .select_from(jt.join(target, linked))
            .where(adapter.traverse(rel.of_owner_type), jt.c.owner_id == t.c.id)
            .correlate(t)
        )
        return self.scoped(stmt, jt).scalar_subquery()


def python_float(x: Any) -> Any:
    """`repr(x)` (what json and csv write for a float) of a double precision value whose
    shortest digits PostgreSQL writes (``float_exact``), NULL for NULL. PostgreSQL writes the
    same digits without Python's `.0` on integral values, and in exponent form from 1e15 on
    where Python waits for 1e16."""
    text = cast(x, Text)
    return case(
        (
            x == func.trunc(x),
            case(
                (text == "-0", lit("-0.0")),
                (func.abs(x) < 1e16, concat(cast(cast(x, BIGINT), Text), lit(".0"))),
                else_=text,
            ),
        ),  # fmt: skip
        (
            func.abs(x) >= 1e15,
            case((func.abs(x) < 1e16, cast(cast(text, NUMERIC), Text)), else_=text),
        ),  # fmt: skip
        else_=text,
    )


def float_exact(x: Any) -> Any:
    """Whether PostgreSQL writes the digits Python does: when it writes at most 15 (DBL_DIG)
    significant digits, no other string of at most 15 digits reads back as the same double, so
    they are the shortest, Python's. With 16 or 17 (`0.30000000000000004`) it may write longer
    ones where the shortest lies on a rounding boundary (`1e23`); then Python writes it. NULL
    is exact."""
    text = cast(x, Text)
    digits = func.length(func.regexp_replace(text, "[-.]|e.*$", "", "g"))
    return or_(x.is_(None), func.length(text) <= 15, digits <= 15)


def has_floats(p: Plan) -> bool:
    if FLOAT in p.kinds:
        return True
    return any(has_floats(c) for n, c in p.children.items() if not is_named_links(p.rels[n]))


def blank(w: int) -> str:
    """The cells of an absent row of ``w`` columns."""
    return "," * (w - 1) if w else ""


def comma_separated(pairs: list[Any]) -> Any:
    """The pairs that are not NULL, comma-separated (concat_ws takes at most 99 of them)."""
    if not pairs:
        return lit("")
    if len(pairs) <= 90:
        return func.concat_ws(",", *pairs)
    groups = [func.nullif(comma_separated(pairs[i : i + 90]), "") for i in range(0, len(pairs), 90)]
    return comma_separated(groups)


def join_cells(cells: list[Any]) -> Any:
    return join_parts(cells) if cells else lit("")


def join_parts(parts: list[Any]) -> Any:
    if not parts:
        return lit("")
    out = [parts[0]]
    for part in parts[1:]:
        out += [lit(","), part]
    return concat(*out)
