"""Column mapping: an import's `mapping` renames and transforms the columns of its inputs.

A mapping names, for a source column (a CSV header, a JSON key of each item), its target on
the import's resource type: an attribute or code key (`"Artikelnummer": "code"`), a nested
child's column (`"Staffel": "price_tiers.name"`), a named link (`"Tags": "tags"`, the same as
`tags.name`), or null to drop the column. An object target declares transforms:
`{"to": "amount_cents", "scale": 100, "default": 0, "map": {...}, "split": ";", "trim": true}`.

``compile_mapping`` checks a mapping against the type's declaration once per import (every
problem names its column: a 422 at create) and gives a ``Plan``; ``Plan.apply`` maps one item's
raw values (CSV cells or JSON values) before parse reads them, so every format that parse
reads is mapped the same way. Per item it is a dict pass, no database.

Transforms run in this order: trim, then (an empty or missing cell) the default as given, or
map (a value the table lacks is kept as is: the target's type check still rejects what it
cannot take), split, scale (exact decimal arithmetic; `12.50` and `12,50` are both read). A
column mapped to a number reads a decimal comma (`0,5`) whether it is scaled or not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Context, Decimal, DecimalException, Inexact, InvalidOperation, Overflow
from typing import Any

from bulk.imports.parse import Problems, link_keys, nested_names
from records.validation import READ_ONLY
from resources.base import BelongsTo, Resource
from resources.fields import Attr, Float, Integer, NameList

TRANSFORMS = ("to", "scale", "default", "map", "split", "trim")
MISSING = object()
LIMIT = Decimal(2**63)  # scaled values beyond any numeric column
EXACT = Context(prec=40, traps=[Inexact, Overflow, InvalidOperation])  # never rounds in silence


class MappingError(Exception):
    """A mapping entry that cannot be used, with its column in the message."""


class ValueProblem(Exception):
    """A cell a transform cannot take: an error of its item."""


@dataclass(frozen=True, slots=True)
class Target:
    key: str  # as parse reads it: `code`, `price_tiers.name`, `tags.name`
    path: tuple[str, ...]  # nested relationships on the way (`price_tiers`), for JSON items
    leaf: str  # the key within the innermost item
    attr: Attr | None  # the declared attribute (None: an id, or a relationship's key)
    many: bool  # takes a list (named links, name-list triggers)


@dataclass(frozen=True, slots=True)
class Rule:
    source: str
    target: Target
    scale: Decimal | None = None
    default: Any = MISSING
    table: dict[str, Any] | None = None
    split: str | None = None
    trim: bool = False

    @property
    def plain(self) -> bool:
        """No transform: the column is only renamed (a number target reads decimal commas)."""
        return (self.scale, self.table, self.split, self.trim) == (None, None, None, False) and (
            self.default is MISSING and not self.number
        )

    @property
    def number(self) -> bool:
        return isinstance(self.target.attr, Integer | Float)

    def convert(self, value: Any) -> Any:
        if self.trim and isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            return value if self.default is MISSING else self.default
        if self.table is not None:
            key = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            value = self.table.get(key, value)
        if self.split is not None and isinstance(value, str):
            value = [v.strip() for v in value.split(self.split) if v.strip()]
        if self.scale is not None:
            value = self._scaled(value, self.scale)
        elif self.number and isinstance(value, str) and "," in value:
            value = decimal_point(value)
        return value

    def _scaled(self, value: Any, scale: Decimal) -> int | float:
        try:
            number = EXACT.multiply(decimal(value), scale)
        except DecimalException:  # no exact product: beyond 40 digits, or the exponent range
            number = LIMIT
        if abs(number) >= LIMIT:  # a million-digit int is a denial of service, not a value
            raise ValueProblem(f"{value} × {scale} is out of range")
        if isinstance(self.target.attr, Float):
            return float(number)
        if number != number.to_integral_value():
            raise ValueProblem(f"{value} × {scale} is {number.normalize():f}, not a whole number")
        return int(number)


def decimal(value: Any) -> Decimal:
    """A number as exactly as it was written: `12.50`, `12,50` (a decimal comma), 12.5."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueProblem(f"{json.dumps(value, ensure_ascii=False)} is not a number")
    text = repr(value) if isinstance(value, float) else str(value).strip()
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueProblem(f"{json.dumps(value, ensure_ascii=False)} is not a number") from None
    if not number.is_finite():
        raise ValueProblem(f"{json.dumps(value, ensure_ascii=False)} is not a number")
    return number


def decimal_point(text: str) -> str:
    """`0,5` (a decimal comma, as German files write it) as `0.5`; anything else as it is, for
    the target's type check to name."""
    try:
        return format(decimal(text), "f")
    except ValueProblem:
        return text


def _text(value: Any) -> Any:
    """A mapped value as a CSV cell holds it (lists stay lists: parse takes them as links)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | list):
        return value
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass(frozen=True, slots=True)
class Plan:
    """A mapping compiled for one resource type. Columns without transforms are renamed
    through a dict (the identity-ish mappings of most files cost a lookup per cell)."""

    renames: dict[str, str]  # JSON items: source -> target key, for plain flat targets
    rules: dict[str, Rule]  # JSON items: the other mapped columns
    text_renames: dict[str, str]  # CSV rows: every plain target (dotted keys are CSV's own)
    text_rules: dict[str, Rule]
    skipped: frozenset[str]  # dropped columns, and unmapped ones named like a target
    defaults: tuple[Rule, ...]  # rules with a default, for items that lack their column

    def apply(self, raw: dict[str, Any], text: bool) -> tuple[dict[str, Any], Problems]:
        """One item's values mapped, and the problems of its cells (column, message)."""
        renames, rules = (
            (self.text_renames, self.text_rules) if text else (self.renames, self.rules)
        )
        skipped = self.skipped
        out: dict[str, Any] = {}
        problems: Problems = []
        nested: list[tuple[Target, Any]] = []
        for key, value in raw.items():
            name = renames.get(key)
            if name is not None:
                out[name] = value
                continue
            rule = rules.get(key)
            if rule is None:
                if key not in skipped:  # a mapped column wins over one named like its target
                    out[key] = value
                continue
            try:
                result = rule.convert(value)
            except ValueProblem as exc:
                problems.append((key, str(exc)))
                continue
            self._put(out, nested, rule.target, result, text)
        for rule in self.defaults:
            if rule.source not in raw:
                self._put(out, nested, rule.target, rule.default, text)
        made: list[list] = []
        for target, value in nested:
            clash = (target.path[0], "is given both as an array and by mapped columns")
            if not _fold(out, target, value, made) and clash not in problems:
                problems.append(clash)
        return out, problems

    @staticmethod
    def _put(
        out: dict[str, Any],
        nested: list[tuple[Target, Any]],
        target: Target,
        value: Any,
        text: bool,
    ) -> None:
        if text:
            out[target.key] = _text(value)
        elif target.path:
            nested.append((target, value))
        else:
            out[target.key] = value


def _fold(out: dict[str, Any], target: Target, value: Any, made: list[list]) -> bool:
    """A JSON item's mapped child column into its one nested child (per level), as a CSV row
    fills one child; False if the item gives that relationship's array itself. ``made``: the
    arrays this item's mapping made so far."""
    holder = out
    for name in target.path:
        children = holder.get(name)
        if children is None:
            children = holder[name] = [{}]
            made.append(children)
        elif not any(children is m for m in made):
            return False
        holder = children[0]
    holder[target.leaf] = value
    return True


def compile_mapping(resource: Resource, mapping: dict[str, Any] | None) -> Plan:
    """The plan of a mapping; MappingError naming the first column that cannot be used."""
    rules: dict[str, Rule] = {}
    dropped: set[str] = set()
    seen: dict[str, str] = {}
    for source, spec in (mapping or {}).items():
        if spec is None:
            dropped.add(source)
            continue
        rule = _rule(resource, source, spec)
        if rule.target.key in seen:
            raise MappingError(
                f'columns "{seen[rule.target.key]}" and "{source}" both map to '
                f'"{rule.target.key}": map one of them'
            )
        seen[rule.target.key] = source
        rules[source] = rule
    defaults = tuple(r for r in rules.values() if r.default is not MISSING)
    plain = {source: r.target for source, r in rules.items() if r.plain}
    return Plan(
        renames={source: t.key for source, t in plain.items() if not t.path},
        rules={s: r for s, r in rules.items() if not r.plain or r.target.path},
        text_renames={source: t.key for source, t in plain.items()},
        text_rules={s: r for s, r in rules.items() if not r.plain},
        skipped=frozenset(dropped | set(seen)),
        defaults=defaults,
    )


def _rule(resource: Resource, source: str, spec: Any) -> Rule:
    column = f'column "{source}"'
    if isinstance(spec, str):
        return Rule(source, target(resource, column, spec))
    if not isinstance(spec, dict):
        raise MappingError(f'{column}: must map to a target name, an object with a "to", or null')
    unknown = [k for k in spec if k not in TRANSFORMS]
    if unknown:
        listed = ", ".join(f'"{k}"' for k in unknown)
        raise MappingError(
            f"{column}: unknown transforms {listed} (known: {', '.join(TRANSFORMS)})"
        )
    if not isinstance(spec.get("to"), str):
        raise MappingError(f'{column}: "to" must name the target')
    goal = target(resource, column, spec["to"])
    kind = "a list" if goal.many else (goal.attr.kind if goal.attr else "string")
    scale = spec.get("scale")
    if scale is not None:
        if not isinstance(goal.attr, Integer | Float):
            raise MappingError(f'{column}: "scale" needs a number target, {goal.key} is {kind}')
        if isinstance(scale, bool) or not isinstance(scale, int | float) or scale == 0:
            raise MappingError(f'{column}: "scale" must be a number other than 0')
        scale = Decimal(repr(scale) if isinstance(scale, float) else scale)
    split = spec.get("split")
    if split is not None:
        if not goal.many:
            raise MappingError(f'{column}: "split" needs a list target (like tags), {goal.key} '
                               f"takes one {kind}")  # fmt: skip
        if not isinstance(split, str) or not split:
            raise MappingError(f'{column}: "split" must be a non-empty separator string')
    table = spec.get("map")
    if table is not None and not isinstance(table, dict):
        raise MappingError(f'{column}: "map" must be an object of source value -> value')
    trim = spec.get("trim", False)
    if not isinstance(trim, bool):
        raise MappingError(f'{column}: "trim" must be true or false')
    return Rule(source, goal, scale, spec.get("default", MISSING), table, split, trim)


def target(resource: Resource, column: str, name: str, path: tuple[str, ...] = ()) -> Target:
    """What `name` reaches on the resource's declaration, or MappingError."""
    key = ".".join((*path, name))
    links = link_keys(resource)
    named = {rel.name: f"{rel.name}.{rel.named_by}" for rel in resource.named_links}
    if name in named:  # `tags`: names, as `tags.name`
        name = named[name]
    if name in links:
        return Target(".".join((*path, name)), path, name, None, True)
    head, dot, rest = name.partition(".")
    if dot and head in nested_names(resource):
        child = resource.relationships[head].target
        return target(child, column, rest, (*path, head))
    if name == "id" or (
        name.endswith("_id") and isinstance(resource.relationships.get(name[:-3]), BelongsTo)
    ):
        return Target(key, path, name, None, False)
    attr = resource.inputs.get(name)
    if attr is None or name in READ_ONLY:
        raise MappingError(f'{column}: "{key}" is not an attribute of {resource.type}')
    return Target(key, path, name, attr, isinstance(attr, NameList))
