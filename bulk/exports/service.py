"""Creating and interrupting exports: the API's side of them (``run`` processes them)."""

from __future__ import annotations

from typing import Any

from bulk import admission
from bulk.admission import Send
from bulk.exports.plan import field_problem
from bulk.mail.addresses import notify_errors
from core.errors import ApiError, FieldError, ValidationFailed
from core.settings import Settings
from core.unit import Unit
from query.includes import parse_include
from records.draft import Draft
from records.validation import apply_defaults, check_record
from records.write import update
from resources import REGISTRY
from resources.exports import resource as exports

MAX_RECORDS = 10_000
RESTARTABLE = ("interrupted", "failed")


def validate_new(unit: Unit, values: dict[str, Any]) -> list[FieldError]:
    resource, errors = admission.job_target(values)
    if resource is None:
        return errors
    for path in values.get("includes") or []:
        try:
            parse_include(resource, path)
        except ApiError as exc:
            errors.append(FieldError("includes", "invalid", exc.detail))
        else:
            if "," in path or not path.strip():
                errors.append(FieldError("includes", "invalid", f"{path!r} is not one path"))
    for name in values.get("fields") or []:
        problem = field_problem(resource, name, bool(values.get("dry_data")))
        if problem:
            errors.append(FieldError("fields", "invalid", problem))
    if errors:
        return errors
    return admission.count_into(unit, resource, values, MAX_RECORDS)


class ExportService:
    def __init__(self, send: Send, settings: Settings) -> None:
        self.send = send
        self.settings = settings

    def save(self, unit: Unit, draft: Draft) -> str:
        return self.create(unit, draft) if draft.existing is None else self.update(unit, draft)

    def create(self, unit: Unit, draft: Draft) -> str:
        values = draft.values
        apply_defaults(exports, values)
        errors = draft.errors + check_record(exports, values)
        if not errors:
            errors = validate_new(unit, values)
        errors += notify_errors(self.settings, values)
        if errors:
            raise ValidationFailed(errors)
        values.update(status="pending", processed_count=0, progress=0.0)
        return admission.admit(unit, exports, draft, self.send)

    def update(self, unit: Unit, draft: Draft) -> str:
        current = admission.locked_current(unit, exports, draft)
        if admission.interrupt(draft, current):
            draft.values["estimated_completion_at"] = None  # it will not complete
        if admission.start(unit, exports, draft, current, self.send, RESTARTABLE):
            restart(unit, draft, current)
        update(unit.scope, exports, draft)
        return current["id"]


def restart(unit: Unit, draft: Draft, current: dict[str, Any]) -> None:
    """Resets what the last run wrote. The records are counted again, under the same limits
    as at create: they may have changed since."""
    total = admission.count_matching(
        unit.scope, REGISTRY[current["resource_type"]], current["filters"]
    )
    if too_many := admission.count_error("records_count", total, MAX_RECORDS):
        raise ValidationFailed([too_many])
    draft.values.update(records_count=total, processed_count=0, progress=0.0,
                        estimated_completion_at=None, errors_log=None)  # fmt: skip
