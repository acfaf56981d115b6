"""Creating and interrupting cleanups: the API's side of them (``run`` processes them)."""

from __future__ import annotations

from typing import Any

from bulk import admission
from bulk.admission import Send
from bulk.mail.addresses import notify_errors
from core.errors import FieldError, ValidationFailed
from core.settings import Settings
from core.unit import Unit
from records.draft import Draft
from records.validation import apply_defaults, check_record
from records.write import update
from resources import cleanable_types
from resources.cleanups import resource as cleanups

MAX_RECORDS = 10_000


def validate_new(unit: Unit, values: dict[str, Any]) -> list[FieldError]:
    """The type must be one cleanups may delete, its filters must be filters of that type, and
    they must match at most MAX_RECORDS records (none is fine: the cleanup has nothing to do)."""
    resource, errors = admission.job_target(values, cleanable_types())
    if resource is None:
        return errors
    return admission.count_into(unit, resource, values, MAX_RECORDS, none_ok=True)


class CleanupService:
    def __init__(self, send: Send, settings: Settings) -> None:
        self.send = send
        self.settings = settings

    def save(self, unit: Unit, draft: Draft) -> str:
        return self.create(unit, draft) if draft.existing is None else self.update(unit, draft)

    def create(self, unit: Unit, draft: Draft) -> str:
        values = draft.values
        apply_defaults(cleanups, values)
        errors = draft.errors + check_record(cleanups, values)
        if not errors:
            errors = validate_new(unit, values)
        errors += notify_errors(self.settings, values)
        if errors:
            raise ValidationFailed(errors)
        values.update(status="pending", processed_count=0, errors_count=0, errors_log={})
        return admission.admit(unit, cleanups, draft, self.send)

    def update(self, unit: Unit, draft: Draft) -> str:
        current = admission.locked_current(unit, cleanups, draft)
        admission.interrupt(draft, current)
        update(unit.scope, cleanups, draft)
        return current["id"]
