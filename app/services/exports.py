"""Creating and interrupting exports (the API side; processing is in workers/exports)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.errors import ApiError, FieldError, ValidationFailed
from app.jsonapi.context import Context
from app.jsonapi.filtering import FilterCompiler
from app.jsonapi.query import parse_include
from app.services import jobs, records
from app.services.jobs import MAX_ACTIVE  # noqa: F401 - part of this module's interface
from app.services.records import Draft
from app.services.validation import apply_defaults, check_record
from app.tenancy import Scope
from resources import REGISTRY, importable_types
from resources.base import Resource
from resources.exports import resource as exports
from workers.exports.shape import field_problem

MAX_RECORDS = 10_000


def exportable_types() -> list[str]:
    return importable_types()


def filter_value(value: Any) -> str:
    """Filters come as JSON: lists (`code_in: ["A", "B"]`) mean comma-separated values."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        import json

        return json.dumps(value)
    return str(value)


def conditions(scope: Scope, resource: Resource, filters: dict[str, Any] | None) -> list:
    """The export's filters as SQL conditions; the list filters' own rules apply."""
    compiler = FilterCompiler(scope, scope.conn.dialect.name)
    return [
        compiler.compile(resource, name, filter_value(value), f"filters.{name}")
        for name, value in (filters or {}).items()
    ]


def count(scope: Scope, resource: Resource, filters: dict[str, Any] | None) -> int:
    stmt = scope.select(resource.table).where(*conditions(scope, resource, filters))
    return scope.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def validate_new(ctx: Context, values: dict[str, Any]) -> list[FieldError]:
    allowed = exportable_types()
    resource_type = values.get("resource_type")
    if resource_type is None:
        return []
    if resource_type not in allowed:
        message = f"is not included in the list ({', '.join(allowed)})"
        return [FieldError("resource_type", "inclusion", message, meta={"allowed": allowed})]
    resource = REGISTRY[resource_type]
    errors = []
    for path in values.get("includes") or []:
        try:
            parse_include(resource, path)
        except ApiError as exc:
            errors.append(FieldError("includes", "invalid", exc.detail))
        else:
            if "," in path or not path.strip():
                errors.append(FieldError("includes", "invalid", f"{path!r} is not one path"))
    for name in values.get("fields") or []:
        problem = field_problem(resource, name)
        if problem:
            errors.append(FieldError("fields", "invalid", problem))
    if errors:
        return errors
    try:
        total = count(ctx.scope, resource, values.get("filters"))
    except ApiError as exc:
        return [FieldError("filters", "invalid", exc.detail)]
    if total == 0:
        return [FieldError.of("records_count", "greater_than", count=0)]
    if total > MAX_RECORDS:
        error = FieldError.of("records_count", "less_than_or_equal_to", count=MAX_RECORDS)
        error.meta = {"value": total, "count": MAX_RECORDS}
        return [error]
    values["records_count"] = total
    return []


def create(ctx: Context, draft: Draft) -> str:
    values = draft.values
    apply_defaults(exports, values)
    errors = draft.errors + check_record(exports, values)
    if not errors:
        errors = validate_new(ctx, values)
    if errors:
        raise ValidationFailed(errors)
    values.update(status="pending", processed_count=0, progress=0.0)
    return jobs.admit(ctx, exports, draft, "exports.run")


def update(ctx: Context, draft: Draft) -> str:
    current = jobs.locked_current(ctx, exports, draft)
    jobs.interrupt(draft, current)
    records.update(ctx.scope, exports, draft)
    return current["id"]


def save(ctx: Context, draft: Draft) -> str:
    return create(ctx, draft) if draft.existing is None else update(ctx, draft)
