"""The topics a webhook may listen to: each job type's lifecycle, from the job table, and the
create, update and destroy of every other writable type, from the registry."""

from __future__ import annotations

from functools import cache

from bulk.actors import JOB_TYPES
from records.events import RECORD_EVENTS
from resources import REGISTRY

JOB_EVENTS = ("create", "start", "complete", "interrupt", "destroy")
# The events of one job type only: an import's revert (PATCH `_revert`).
OWN_EVENTS = {"imports": ("revert",)}


@cache
def known_topics() -> tuple[str, ...]:
    jobs = sorted(job.resource.type for job in JOB_TYPES)
    records = sorted(t for t, r in REGISTRY.items() if t not in jobs and not r.read_only)
    return (
        *(f"{t}.{event}" for t in jobs for event in (*JOB_EVENTS, *OWN_EVENTS.get(t, ()))),
        *(f"{t}.{event}" for t in records for event in RECORD_EVENTS),
    )


def topic_type(topic: str) -> str:
    """The resource type a known topic is about (`skus.create` -> `skus`)."""
    return topic.rpartition(".")[0]
