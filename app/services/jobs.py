"""What creating and interrupting imports and exports share."""

from __future__ import annotations

from typing import Any

from app.db import utcnow
from app.errors import FieldError, NotFound, ValidationFailed
from app.jsonapi.context import Context
from app.services import records
from app.services.records import Draft
from resources.base import Resource
from resources.jobs import ACTIVE

MAX_ACTIVE = 10  # pending or in progress, per organization and job type, as Commerce Layer


def admit(ctx: Context, resource: Resource, draft: Draft, actor: str) -> str:
    """Inserts a new job if the organization has a free slot; its message leaves after commit.

    The organization's row lock makes the count and the insert one step, so concurrent
    requests cannot both take the tenth slot.
    """
    ctx.scope.lock_organization()
    table = resource.table
    active = ctx.scope.count(table).where(table.c.status.in_(ACTIVE))
    if ctx.scope.execute(active).scalar_one() >= MAX_ACTIVE:
        message = (
            f"has too many {resource.type} pending or in progress ({MAX_ACTIVE} at most per "
            "organization): wait for one to complete"
        )
        raise ValidationFailed([FieldError("base", "too_many_active", message)])
    job_id = records.insert(ctx.scope, resource, [draft])[0]
    jobs = ctx.request.app.state.jobs
    ctx.after_commit.append(lambda: jobs.send(actor, job_id))
    return job_id


def locked_current(ctx: Context, resource: Resource, draft: Draft) -> dict[str, Any]:
    """The job as stored now, under its row lock: its worker may have finished it meanwhile."""
    assert draft.existing is not None
    if draft.errors:
        raise ValidationFailed(draft.errors)
    table = resource.table
    stmt = ctx.scope.select(table).where(table.c.id == draft.existing["id"]).with_for_update()
    found = ctx.scope.execute(stmt).mappings().first()
    if found is None:
        raise NotFound()  # deleted since
    return dict(found)


def interrupt(draft: Draft, current: dict[str, Any]) -> bool:
    """Applies `_interrupt: true` to a pending or running job; whether it did."""
    if draft.values.pop("_interrupt", None) and current["status"] in ACTIVE:
        draft.values.update(status="interrupted", interrupted_at=utcnow(), lease=None)
        return True
    return False
