"""Imports in flight: at most ten started and not yet ended (the server's limit per
organization), the next one started as soon as one ends, and all of them followed with ONE
list request per poll (reads are rate-limited per token: one GET per job would spend them).

A job's ``start`` creates an import (or commits a previewed one) and answers its document; the
server's 422 ``too_many_active`` (another client's imports hold the slots) is waited out.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from client.connection import Api, ApiFailure

MAX_ACTIVE = 10  # pending or in progress per organization (the server refuses an 11th)
ACTIVE = ("pending", "in_progress")
FAILED = ("interrupted", "failed", "expired")
POLL_SECONDS = 1.0
PAGE_SIZE = 25  # the server's largest page
COUNTERS = (
    "processed_count", "created_count", "updated_count", "unchanged_count",
    "errors_count", "warnings_count", "destroyed_count",
)  # fmt: skip
# What a poll reads of each import: its counters, not its (possibly long) errors_log.
FIELDS = ",".join(("reference", "status", "inputs_size", "plan_counts", "errors_url") + COUNTERS)


@dataclass
class Job:
    """One import of the run: its reference, how to start it, and its latest state."""

    reference: str
    start: Callable[[], dict[str, Any]] | None
    items: int | None = None  # known before the server counts them (a chunk)
    id: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return str(self.attributes.get("status") or "")

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def count(self, name: str) -> int:
        return int(self.attributes.get(name) or 0)

    def size(self) -> int | None:
        return self.attributes.get("inputs_size") or self.items

    def started(self, document: dict[str, Any]) -> None:
        self.id = str(document["id"])
        self.attributes = dict(document.get("attributes") or {})
        self.start = None  # its chunk's bytes are no longer needed


def too_many_active(failure: ApiFailure) -> bool:
    return failure.status == 422 and any(
        (error.get("meta") or {}).get("error") == "too_many_active" for error in failure.errors
    )


def admitted(start: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``start()`` once the organization has a free slot (a job started outside a flight)."""
    while True:
        try:
            return start()
        except ApiFailure as failure:
            if not too_many_active(failure):
                raise
        time.sleep(POLL_SECONDS)


class Flight:
    """Starts jobs lazily from an iterable (a splitter's chunks are read as slots free up, so
    memory stays flat) and follows them until every one has ended."""

    def __init__(
        self,
        api: Api,
        *,
        on_poll: Callable[[list[Job]], None] = lambda jobs: None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.api = api
        self.on_poll = on_poll
        self.poll_seconds = poll_seconds
        self.jobs: list[Job] = []  # every job started so far, in order

    def running(self) -> list[Job]:
        return [job for job in self.jobs if job.active]

    def run(self, jobs: Iterable[Job]) -> list[Job]:
        upcoming: Iterator[Job] = iter(jobs)
        waiting: Job | None = None  # refused for want of a slot: retried after the next poll
        exhausted = False
        while True:
            while not exhausted and len(self.running()) < MAX_ACTIVE:
                job = waiting or next(upcoming, None)
                if job is None:
                    exhausted = True
                    break
                waiting = None
                if job.id is None and not self._start(job):
                    waiting = job
                    break
                self.jobs.append(job)
            if exhausted and not self.running():
                self.on_poll(self.jobs)
                return self.jobs
            time.sleep(self.poll_seconds)
            self.poll()
            self.on_poll(self.jobs)

    def _start(self, job: Job) -> bool:
        assert job.start is not None
        try:
            job.started(job.start())
        except ApiFailure as failure:
            if too_many_active(failure):
                return False
            raise
        return True

    def poll(self) -> None:
        """One list request for the running jobs (at most ten: one page)."""
        by_id = {job.id: job for job in self.running()}
        if not by_id:
            return
        for document in list_imports(self.api, list(by_id)):
            by_id[document["id"]].attributes = dict(document.get("attributes") or {})


def list_imports(api: Api, ids: list[str | None]) -> list[dict[str, Any]]:
    """The imports with these ids, a page of 25 per request."""
    found: list[dict[str, Any]] = []
    known = [i for i in ids if i]
    for start in range(0, len(known), PAGE_SIZE):
        page = known[start : start + PAGE_SIZE]
        params = {
            "filter[q][id_in]": ",".join(page), "page[size]": PAGE_SIZE,
            "fields[imports]": FIELDS,
        }  # fmt: skip
        found += api.get("/api/imports", **params).get("data") or []
    return found


def totals(jobs: Iterable[Job]) -> dict[str, int]:
    """The counters summed over the jobs, named as the summary shows them."""
    jobs = list(jobs)
    return {
        name.removesuffix("_count"): sum(job.count(name) for job in jobs)
        for name in COUNTERS
        if name != "processed_count"
    }
