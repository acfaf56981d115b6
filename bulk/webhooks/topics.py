"""The topics a webhook may listen to: each job type's lifecycle, from the job table, and the
create, update and destroy of every other writable type, from the registry."""

from __future__ import annotations

from functools import cache

from bulk.actors import JOB_TYPES
from records.events import RECORD_EVENTS, STATUS_EVENTS
from resources import REGISTRY
from resources.base import Resource

JOB_EVENTS = ("create", "start", "complete", "interrupt", "destroy")


def own_events(resource: Resource) -> tuple[str, ...]:
    """The events of statuses only this job type has (an import's `reverted`: `revert`)."""
    events = (STATUS_EVENTS.get(s) for s in resource.attributes["status"].choices or ())
    return tuple(e for e in events if e is not None and e not in JOB_EVENTS)


@cache
def known_topics() -> tuple[str, ...]:
    jobs = {job.resource.type: own_events(job.resource) for job in JOB_TYPES}
    records = sorted(t for t, r in REGISTRY.items() if t not in jobs and not r.read_only)
    return (
        *(f"{t}.{event}" for t in sorted(jobs) for event in (*JOB_EVENTS, *jobs[t])),
        *(f"{t}.{event}" for t in records for event in RECORD_EVENTS),
    )


def topic_type(topic: str) -> str:
    """The resource type a known topic is about (`skus.create` -> `skus`)."""
    return topic.rpartition(".")[0]
