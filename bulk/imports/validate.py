"""Stage 4 of an import: defaults, triggers and declared rules, then the nested children.

A nested child is resolved, matched and validated like a top-level item, with its parent's
reference pending until the parent is written; a failing child fails its item.
"""

from __future__ import annotations

from bulk.imports.build import Work
from bulk.imports.merge import replace_omitted
from bulk.imports.resolve import live, match, resolve
from core.errors import FieldError
from core.tenancy import Scope
from records import links
from records.validation import check_record, finish_values
from resources.base import HasMany, Resource


def validate(scope: Scope, resource: Resource, works: list[Work], *, replace: bool = False) -> None:
    """The items of a wave, then their nested children (``replace``: merge mode replace, whose
    matched children omitting an attribute have it reset as their item does)."""
    validate_own(scope, resource, works)
    validate_children(scope, resource, works, replace)


def validate_own(
    scope: Scope, resource: Resource, works: list[Work], pending: str | None = None
) -> None:
    """``pending`` names the reference a nested child gets once its item is written."""
    links.apply_triggers(scope, resource, [w.draft for w in live(works)])
    for w in live(works):
        finish_values(resource, w.draft)
        if not w.draft.errors:
            w.draft.errors.extend(check_record(resource, w.draft.record, pending))


def validate_children(
    scope: Scope, resource: Resource, works: list[Work], replace: bool = False
) -> None:
    names = {n for w in works for n in w.children}
    for name in names:
        rel = resource.relationships[name]
        assert isinstance(rel, HasMany)
        kids = [(w, c) for w in live(works) for c in w.children.get(name, [])]
        fk = rel.foreign_key.name
        for parent, child in kids:
            if parent.draft.existing is not None:
                child.draft.values[fk] = parent.draft.existing["id"]
        child_works = [c for _p, c in kids]
        resolve(scope, rel.target, child_works)
        match(scope, rel.target, child_works)
        if replace:
            for c in child_works:
                if not c.draft.errors and c.draft.existing is not None:
                    replace_omitted(rel.target, c)
        validate_own(scope, rel.target, child_works, pending=fk)
        _repeated_children(rel, kids)
        validate_children(scope, rel.target, child_works, replace)
        for parent, child in kids:
            for e in child.draft.errors:
                parent.draft.errors.append(FieldError(f"{name}.{e.attribute}", e.error, e.message))


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
