"""The one table of background job types: actor name, job resource and pipeline.

Actors are thin: they hand the job id to the pipeline. Retries cover transient failures such as
a database restart; the pipeline's leases make a retried or redelivered message harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, update_wrapper
from typing import Any

import dramatiq
from sqlalchemy import Table, select
from sqlalchemy.engine import Engine

from bulk.broker import QUEUE
from bulk.cleanups.run import run_cleanup
from bulk.exports.run import run_export
from bulk.imports.revert import run_revert
from bulk.imports.run import run_import
from bulk.mail.send import send_notification
from bulk.webhooks.deliver import deliver
from core import request_id
from core.db import transaction
from core.settings import Settings
from resources.base import Resource
from resources.cleanups import resource as cleanups
from resources.exports import resource as exports
from resources.imports import resource as imports

ONE_HOUR_MS = 60 * 60 * 1000
log = logging.getLogger("bulkport.jobs")


@dataclass(frozen=True)
class JobType:
    actor: str
    resource: Resource
    run: Callable[[Engine, Settings, str], None]  # (engine, settings, job id)


IMPORTS = JobType("imports.run", imports, run_import)
EXPORTS = JobType("exports.run", exports, run_export)
CLEANUPS = JobType("cleanups.run", cleanups, run_cleanup)
JOB_TYPES = (IMPORTS, EXPORTS, CLEANUPS)
REVERT = "imports.revert"  # PATCH `_revert` of an import (bulk/imports/revert.py), by id
DELIVER = "webhooks.deliver"  # one webhook delivery (bulk/webhooks/deliver.py), by id
NOTIFY = "mail.send"  # one job's e-mail (bulk/mail/send.py), by its outbox row's id


JOB_OPTIONS = {"max_retries": 10, "time_limit": ONE_HOUR_MS, "min_backoff": 1000}


LOGGED = ("request_id", "organization_id")  # a job's columns its log lines carry


def logged(
    name: str, table: Table, run: Callable[[Engine, Settings, str], None]
) -> Callable[[Engine, Settings, str], None]:
    """A job's pipeline with its log lines tagged (core/request_id.py), wherever the worker
    runs: the `request_id` of the request that created the job, its organization, its id."""

    def run_logged(engine: Engine, settings: Settings, job_id: str) -> None:
        with transaction(engine, write=False) as conn:
            stmt = select(*(table.c[column] for column in LOGGED)).where(table.c.id == job_id)
            found = conn.execute(stmt).first()
        rid, organization = found if found is not None else (None, None)
        with request_id.bound(rid, organization_id=organization, job_id=job_id):
            log.info("%s %s started", name, job_id)
            run(engine, settings, job_id)
            log.info("%s %s returned", name, job_id)

    return update_wrapper(run_logged, run)


def declare(
    broker: dramatiq.Broker, engine: Engine, settings: Settings
) -> dict[str, dramatiq.Actor]:
    def actor(
        name: str, run: Callable[[Engine, Settings, str], None], **options: Any
    ) -> dramatiq.Actor:
        bound = update_wrapper(partial(run, engine, settings), run)
        return dramatiq.Actor(
            bound, broker=broker, actor_name=name, queue_name=QUEUE, priority=0, options=options
        )

    actors = {
        job.actor: actor(job.actor, logged(job.actor, job.resource.table, job.run), **JOB_OPTIONS)
        for job in JOB_TYPES
    }
    revert = logged(REVERT, IMPORTS.resource.table, run_revert)
    actors[REVERT] = actor(REVERT, revert, **JOB_OPTIONS)
    # Deliveries and e-mails retry by their row's backoff, not dramatiq's.
    actors[DELIVER] = actor(DELIVER, deliver, max_retries=0, time_limit=60_000)
    actors[NOTIFY] = actor(NOTIFY, send_notification, max_retries=0, time_limit=120_000)
    return actors
