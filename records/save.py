"""The API's write of one record: validate it as a batch of one, then insert or update it."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from core.errors import ValidationFailed
from core.tenancy import Scope
from records import links
from records.draft import Draft
from records.keys import check_unique
from records.references import resolve, resolve_links
from records.validation import check_record, finish_values, without_repeats
from records.write import delete_where, insert, update
from resources.base import Resource


def validate(scope: Scope, resource: Resource, drafts: list[Draft]) -> None:
    """The API's path: references, hooks, triggers, declared rules, uniqueness."""
    resolve(scope, resource, drafts)
    resolve_links(scope, resource, drafts)
    links.apply_triggers(scope, resource, drafts)
    for d in drafts:
        finish_values(resource, d)
        d.errors.extend(without_repeats(d.errors, check_record(resource, d.record)))
    check_unique(scope, resource, drafts)


def save_one(scope: Scope, resource: Resource, draft: Draft) -> str:
    """Validates and writes one record (the API's path); raises ValidationFailed."""
    validate(scope, resource, [draft])
    if draft.errors:
        raise ValidationFailed(draft.errors)
    nested = scope.conn.begin_nested()
    try:
        if draft.existing is None:
            record_id = insert(scope, resource, [draft])[0]
        else:
            update(scope, resource, draft)
            record_id = draft.existing["id"]
        nested.commit()
    except IntegrityError:
        # Lost a race with a concurrent writer of the same key: report it as Rails would.
        nested.rollback()
        check_unique(scope, resource, [draft])
        if draft.errors:
            raise ValidationFailed(draft.errors) from None
        raise
    return record_id


def destroy(scope: Scope, resource: Resource, record_id: str) -> None:
    """Deletes one record and its links; 422 while other records still need it."""
    nested = scope.conn.begin_nested()
    try:
        delete_where(scope, resource, resource.table.c.id == record_id)
        nested.commit()
    except IntegrityError:
        nested.rollback()
        raise ValidationFailed.one("base", "restrict_dependent_destroy") from None
