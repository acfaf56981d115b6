"""Which attribute a column holds, for a resource type, from its declaration alone: the
names a file may use (attributes, code keys like `sku_code`, nested children like
`price_tiers.name`, named links like `tags`), the aliases declared for them (`Artikelnummer`
-> `code`), fuzzy matching of the header (rapidfuzz), and the values themselves (e-mail
addresses, values of an attribute's declared choices or pattern, such as currency codes).

Each column gets its best candidate that no better-matching column took: a mapping maps every
target once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from bulk.analysis.columns import Column
from bulk.imports.mapping import MappingError, target
from records.validation import READ_ONLY
from resources.base import HasMany, Resource
from resources.fields import Attr, NameList

EXACT, ALIAS, VALUES = 1.0, 0.95, 0.8
FUZZY_CUTOFF = 80  # rapidfuzz's ratio (0-100): below it a header is not taken for a name
FUZZY_WEIGHT = 0.9  # a perfect fuzzy score still ranks below an alias
VALUES_SHARE = 0.9  # the share of a column's distinct values a detector must recognise
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normal(name: str) -> str:
    """A name as compared: lower case, umlauts spelled out, any run of other characters `_`."""
    text = unicodedata.normalize("NFC", name).casefold().translate(FOLDS)
    return re.sub(r"[^0-9a-z.]+", "_", text).strip("_")


@dataclass(frozen=True)
class Candidate:
    column: str
    target: str
    match: str
    confidence: float
    mapped: bool = True  # False: read as it is named, never renamed (nested children's arrays)


@dataclass(frozen=True)
class Target:
    name: str
    attr: Attr | None
    aliases: tuple[str, ...]
    mapped: bool = True


def targets(resource: Resource) -> dict[str, Target]:
    """What a mapping may name on the type, by its name; each one a mapping target accepts."""
    found: dict[str, Target] = {}

    def add(name: str, attr: Attr | None, aliases: tuple[str, ...] = ()) -> None:
        try:
            target(resource, "", name)
        except MappingError:
            return
        found.setdefault(name, Target(name, attr, aliases))

    for name, attr in resource.inputs.items():
        if not name.startswith("_") and name not in READ_ONLY and not isinstance(attr, NameList):
            add(name, attr, attr.aliases)
    for owner in resource.belongs_to:
        add(owner.column, None)
    for link in resource.named_links:
        add(link.name, None)
    for child in resource.relationships.values():
        if isinstance(child, HasMany) and child.inline:
            for name, attr in child.target.inputs.items():
                if not name.startswith("_") and name not in READ_ONLY:
                    add(f"{child.name}.{name}", attr)
            # a JSON item's array of these children: read as is, no mapping target
            found.setdefault(child.name, Target(child.name, None, (), mapped=False))
    return found


def candidates(column: Column, known: dict[str, Target]) -> list[Candidate]:
    name = normal(column.name)
    by_name = {normal(t): t for t in known}
    if name in by_name:
        exact = by_name[name]
        return [Candidate(column.name, exact, "exact", EXACT, known[exact].mapped)]
    by_name = {n: t for n, t in by_name.items() if known[t].mapped}
    out = []
    aliases = {normal(a): t.name for t in known.values() for a in t.aliases}
    if name in aliases:
        out.append(Candidate(column.name, aliases[name], "alias", ALIAS))
    choices = {**{n: t for n, t in aliases.items()}, **by_name}
    for key, score, _index in process.extract(
        name, list(choices), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3
    ):
        if not fits(column.kind, known[choices[key]].attr):
            continue  # `Versand` (ja/nein) is close to `versandart`, but holds no codes
        confidence = round(score / 100 * FUZZY_WEIGHT, 2)
        out.append(Candidate(column.name, choices[key], "fuzzy", confidence))
    out += by_values(column, known)
    return out


# What each inferred column type can go into, by the declared attribute's kind (a code key or
# an id has none: it is text). A name alone is weak evidence, so a fuzzy match must also fit.
FITS = {
    "boolean": {"boolean"},
    "integer": {"integer", "float", "string"},
    "number": {"float", "string"},
    "date": {"datetime", "string"},
    "datetime": {"datetime", "string"},
    "string": {"string"},
    "json": {"object"},
}


def fits(column_kind: str, attr: Attr | None) -> bool:
    kind = attr.kind if attr is not None else "string"
    return column_kind == "empty" or kind in FITS.get(column_kind, {kind})


def by_values(column: Column, known: dict[str, Target]) -> list[Candidate]:
    """Targets the column's values fit: e-mail addresses, an attribute's choices or pattern.
    Only the type's own attributes: values are weak evidence for a nested child's column."""
    values = [v.strip() for v in column.values() if v.strip()]
    if not values:
        return []
    out = []
    for t in known.values():
        if t.attr is None or t.attr.kind != "string" or "." in t.name:
            continue
        if t.name.endswith("email"):
            test = EMAIL.fullmatch
        elif t.attr.choices and len(t.attr.choices) > 2:
            choices = frozenset(str(c) for c in t.attr.choices)
            test = choices.__contains__  # type: ignore[assignment]
        elif t.attr.pattern is not None:
            test = t.attr.pattern.fullmatch
        else:
            continue
        share = sum(1 for v in values if test(v)) / len(values)
        if share >= VALUES_SHARE:
            out.append(Candidate(column.name, t.name, "values", round(VALUES * share, 2)))
    return out


def suggest(resource: Resource, columns: list[Column]) -> tuple[dict[str, Candidate], list[str]]:
    """The best candidate of each column that has one (each target taken once), and the
    required attributes no column maps to."""
    known = targets(resource)
    everything = [c for column in columns for c in candidates(column, known)]
    order = {"exact": 0, "alias": 1, "fuzzy": 2, "values": 3}
    everything.sort(key=lambda c: (-c.confidence, order[c.match]))
    chosen: dict[str, Candidate] = {}
    taken: set[str] = set()
    for candidate in everything:
        if candidate.column not in chosen and candidate.target not in taken:
            chosen[candidate.column] = candidate
            taken.add(candidate.target)
    return chosen, unmapped_required(resource, taken)


def unmapped_required(resource: Resource, mapped: set[str]) -> list[str]:
    """Required attributes, and required relationships (by their first code key, else their
    id), that no column maps to. A relationship required only for some records (a shippable
    SKU's shipping category) is not listed."""
    missing = [
        name
        for name, attr in resource.attributes.items()
        if attr.required and attr.writable and name not in mapped
    ]
    for rel in resource.belongs_to:
        if rel.required is True and not {rel.column, *rel.codes} & mapped:
            missing.append(next(iter(rel.codes), rel.column))
    return missing


def report(candidate: Candidate | None) -> dict[str, Any]:
    if candidate is None:
        return {"suggested_attribute": None, "confidence": 0.0, "match": "none"}
    return {
        "suggested_attribute": candidate.target,
        "confidence": candidate.confidence,
        "match": candidate.match,
    }


__all__ = ["suggest", "report"]
