"""Stage 6 of an import: what each item came to, added to the import's counters and logs.

`errors_log` and `warnings_log` name an item by its key as the inputs wrote it (codes where the
item used them; a derived part, such as a line item's item code, as derived), else by its id,
else by its 1-based position.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from bulk.imports.build import Work
from core import metrics
from core.errors import FieldError
from records.keys import label, written_names
from resources.base import Resource

# What a processed item came to -> the counter it adds to (`processed_count` is their sum).
ACTIONS = {"create": "created", "update": "updated", "unchanged": "unchanged"}


@dataclass
class Outcome:
    key: str
    rows: int
    record_id: str | None
    errors: dict[str, list[str]] | None
    warnings: list[str]
    action: str | None = None  # create, update or unchanged; None for a failed item


def outcome(resource: Resource, work: Work) -> Outcome:
    key = item_key(resource, work)
    warnings = all_warnings(work)
    if work.failed:
        return Outcome(key, work.item.rows, None, error_log(work.draft.errors), warnings)
    return Outcome(key, work.item.rows, work.record_id, None, warnings, work.action)


def item_key(resource: Resource, work: Work) -> str:
    data = work.item.data
    found = label(resource, data, _Only(work.draft.values, _derived_parts(resource)))
    if found:
        return found
    if isinstance(data.get("id"), str) and data["id"]:
        return data["id"]
    return str(work.item.position)


class _Only:
    """A view of a record's values showing only some keys."""

    __slots__ = ("keys", "values")

    def __init__(self, values: dict[str, Any], keys: frozenset[str]) -> None:
        self.values, self.keys = values, keys

    def get(self, key: str) -> Any:
        return self.values.get(key) if key in self.keys else None


@cache
def _derived_parts(resource: Resource) -> frozenset[str]:
    """Key parts an item may name without writing them: resolved references, and read-only
    parts derived from the inputs (a line item's item code). A generated part (an order number
    nobody gave) would not name the item."""
    parts = []
    for name, _keys, rel in written_names(resource):
        if rel is not None:
            parts.append(rel.column)
        elif not resource.attributes[name].writable:
            parts.append(name)
    return frozenset(parts)


def error_log(errors: Iterable[FieldError]) -> dict[str, list[str]]:
    log: dict[str, list[str]] = {}
    for e in errors:
        log.setdefault(e.attribute, []).append(e.message)
    return log


def all_warnings(work: Work) -> list[str]:
    """An item's warnings and its nested children's, each once."""
    found = list(work.warnings)
    for children in work.children.values():
        for child in children:
            found += all_warnings(child)
    return list(dict.fromkeys(found))


def tally(row: dict[str, Any], outcomes: list[Outcome]) -> dict[str, Any]:
    """The import's new counters and logs once these outcomes are added."""
    errors_log = dict(row["errors_log"] or {})
    warnings_log = dict(row["warnings_log"] or {})
    errors = warnings = 0
    actions = dict.fromkeys(ACTIONS, 0)
    for o in outcomes:
        if o.errors:
            errors += o.rows
            entry = errors_log.setdefault(o.key, {})
            for attr, messages in o.errors.items():
                entry.setdefault(attr, []).extend(messages)
        elif o.action is not None:
            actions[o.action] += o.rows
        if o.warnings:
            warnings += len(o.warnings)
            warnings_log.setdefault(o.key, []).extend(o.warnings)
    counts = {f"{ACTIONS[a]}_count": row[f"{ACTIONS[a]}_count"] + n for a, n in actions.items()}
    return {
        **counts,
        "processed_count": row["processed_count"] + sum(actions.values()),
        "errors_count": row["errors_count"] + errors,
        "warnings_count": row["warnings_count"] + warnings,
        "errors_log": errors_log,
        "warnings_log": warnings_log,
    }


def count(outcomes: list[Outcome]) -> None:
    """Adds committed items to /metrics' items by outcome (core/metrics.py), counted as the
    import's own counters count them."""
    by_name: Counter[str] = Counter()
    for o in outcomes:
        name = "errors" if o.errors else ACTIONS.get(o.action or "")
        if name:
            by_name[name] += o.rows
    for name, rows in by_name.items():  # one locked increment per outcome, not per item
        metrics.IMPORT_ITEMS.labels(name).inc(rows)
