"""What creating, interrupting and restarting imports and exports share: a free slot, the
message after commit, the job's current row under its lock, `_interrupt` and `_start`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from core.db import utcnow
from core.errors import ApiError, FieldError, NotFound, ValidationFailed
from core.tenancy import Scope
from core.unit import Unit
from query.filtering import object_conditions
from records.draft import Draft
from records.write import insert
from resources import REGISTRY, importable_types
from resources.base import Resource
from resources.job_attributes import ACTIVE

Send = Callable[[str], bool]  # queues the job with this id; False if the queue is unreachable

MAX_ACTIVE = 10  # pending or in progress, per organization and job type, as Commerce Layer


def job_target(
    values: dict[str, Any], allowed: list[str] | None = None
) -> tuple[Resource | None, list[FieldError]]:
    """The type a job works on (`resource_type`), if it is one of ``allowed``: by default the
    importable types, for exports too, so that every export can be imported back."""
    allowed = importable_types() if allowed is None else allowed
    resource_type = values.get("resource_type")
    if resource_type is None:
        return None, []  # `can't be blank` comes from the declaration
    if resource_type not in allowed:
        message = f"is not included in the list ({', '.join(allowed)})"
        return None, [FieldError("resource_type", "inclusion", message, meta={"allowed": allowed})]
    return REGISTRY[resource_type], []


def count_matching(scope: Scope, resource: Resource, filters: dict[str, Any] | None) -> int:
    """The records of ``resource`` that ``filters`` (filter[q] predicates) match; ApiError
    naming a filter that is not one."""
    stmt = scope.select(resource.table).where(*object_conditions(scope, resource, filters))
    return scope.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def count_into(
    unit: Unit, resource: Resource, values: dict[str, Any], maximum: int, *, none_ok: bool = False
) -> list[FieldError]:
    """Counts the records a job's `filters` match into its `records_count`; errors naming a
    filter that is not one, or a count out of bounds (none at all is one unless ``none_ok``)."""
    try:
        total = count_matching(unit.scope, resource, values.get("filters"))
    except ApiError as exc:
        return [FieldError("filters", "invalid", exc.detail)]
    if (total or not none_ok) and (wrong := count_error("records_count", total, maximum)):
        return [wrong]
    values["records_count"] = total
    return []


def count_error(attribute: str, count: int | None, maximum: int) -> FieldError | None:
    """A job's size out of bounds: none at all, or more than `maximum`."""
    if count == 0:
        return FieldError.of(attribute, "greater_than", count=0)
    if count is not None and count > maximum:
        error = FieldError.of(attribute, "less_than_or_equal_to", count=maximum)
        error.meta = {"value": count, "count": maximum}
        return error
    return None


def take_slot(unit: Unit, resource: Resource) -> None:
    """Raises unless the organization has a free slot for one more active job.

    The organization's row lock makes the count and the write that follows one step, so
    concurrent requests cannot both take the tenth slot.
    """
    unit.scope.lock_organization()
    table = resource.table
    active = unit.scope.count(table).where(table.c.status.in_(ACTIVE))
    if unit.scope.execute(active).scalar_one() >= MAX_ACTIVE:
        message = (
            f"has too many {resource.type} pending or in progress ({MAX_ACTIVE} at most per "
            "organization): wait for one to complete"
        )
        raise ValidationFailed([FieldError("base", "too_many_active", message)])


def admit(
    unit: Unit,
    resource: Resource,
    draft: Draft,
    send: Send,
    prepare: Callable[[], None] | None = None,
) -> str:
    """Inserts a new job if the organization has a free slot; its message leaves after commit.
    ``prepare`` runs once the slot is taken, before the insert (an upload stores its file
    then, so that a refused job leaves no file behind)."""
    take_slot(unit, resource)
    if prepare is not None:
        prepare()
    job_id = insert(unit.scope, resource, [draft])[0]
    unit.after_commit.append(lambda: send(job_id))
    return job_id


def locked_current(unit: Unit, resource: Resource, draft: Draft) -> dict[str, Any]:
    """The job as stored now, under its row lock: its worker may have finished it meanwhile."""
    assert draft.existing is not None
    if draft.errors:
        raise ValidationFailed(draft.errors)
    table = resource.table
    stmt = unit.scope.select(table).where(table.c.id == draft.existing["id"]).with_for_update()
    found = unit.scope.execute(stmt).mappings().first()
    if found is None:
        raise NotFound()  # deleted since
    return dict(found)


def interrupt(draft: Draft, current: dict[str, Any]) -> bool:
    """Applies `_interrupt: true` to a pending or running job; whether it did."""
    if draft.values.pop("_interrupt", None) and current["status"] in ACTIVE:
        draft.values.update(status="interrupted", interrupted_at=utcnow(), lease=None)
        return True
    return False


def start(
    unit: Unit, resource: Resource, draft: Draft, current: dict[str, Any], send: Send,
    restartable: tuple[str, ...],
) -> bool:  # fmt: skip
    """Applies `_start: true`: a job in one of the `restartable` statuses is pending again, from
    the start, and queued as a new one is (a free slot, its message after commit); whether it
    did. Any other status is a 422: a running job cannot be started twice, nor a finished one."""
    if not draft.values.pop("_start", None):
        return False
    if current["status"] not in restartable:
        allowed = " or ".join(restartable)
        message = (
            f"cannot restart one of the {resource.type} that is {current['status']}: "
            f"only {allowed} ones can be restarted"
        )
        raise ValidationFailed([FieldError("_start", "invalid", message)])
    take_slot(unit, resource)
    draft.values.update(status="pending", started_at=None, completed_at=None,
                        interrupted_at=None, lease=None, heartbeat_at=None,
                        attachment_key=None)  # fmt: skip
    job_id = current["id"]
    unit.after_commit.append(lambda: send(job_id))
    return True
