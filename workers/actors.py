"""Every actor, declared on a given ``Jobs`` (its broker, database and settings).

Actors are thin: they hand the job id to the pipeline. Retries cover transient failures such as
a database restart; the pipeline's leases make a retried or redelivered message harmless.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import dramatiq

from workers.jobs import QUEUE, bind

if TYPE_CHECKING:
    from workers.jobs import Jobs

ONE_HOUR_MS = 60 * 60 * 1000


def _run_import(jobs: Jobs, import_id: str) -> None:
    from workers.imports.run import process

    process(jobs, import_id)


def _run_export(jobs: Jobs, export_id: str) -> None:
    from workers.exports.run import process

    process(jobs, export_id)


def declare(jobs: Jobs) -> dict[str, dramatiq.Actor]:
    specs = [("imports.run", _run_import), ("exports.run", _run_export)]
    return {
        name: dramatiq.Actor(
            bind(fn, jobs),
            broker=jobs.broker,
            actor_name=name,
            queue_name=QUEUE,
            priority=0,
            options={"max_retries": 10, "time_limit": ONE_HOUR_MS, "min_backoff": 1000},
        )
        for name, fn in specs
    }
