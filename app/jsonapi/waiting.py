"""`Prefer: wait=N` (RFC 7240) on job creation: the response waits up to N seconds (at most
``MAX_WAIT_SECONDS``) for the job to leave `pending`/`in_progress`.

The wait holds no connection or transaction: it sleeps on the event loop and reads the job's
status in short read transactions between sleeps, so it sees a job end wherever it runs (the
in-process worker or Redis workers).
"""

from __future__ import annotations

import asyncio
import re
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from core.db import transaction
from resources.job_attributes import ACTIVE

MAX_WAIT_SECONDS = 60
APPLIED = "Preference-Applied"
# Polls grow with the time waited: a job is seen ending at most 20 ms + 10% of its run late
# (then 0.5 s), for some 25 short reads in the first second and 2 a second after 5 s.
FIRST_POLL_SECONDS = 0.02
POLL_GROWTH = 0.1
MAX_POLL_SECONDS = 0.5
_WAIT = re.compile(r'^\s*wait\s*=\s*"?(\d{1,9})"?\s*(;.*)?$', re.IGNORECASE)


def preferred_wait(request: Request) -> int | None:
    """The seconds a `Prefer` header asks to wait, capped; None without a valid `wait`
    (RFC 7240: a preference the server cannot read is ignored, not an error)."""
    for header in request.headers.getlist("prefer"):
        for preference in header.split(","):
            if match := _WAIT.match(preference):
                return min(int(match.group(1)), MAX_WAIT_SECONDS)
    return None


def _status(engine: Engine, table: sa.Table, record_id: str) -> str | None:
    with transaction(engine, write=False) as conn:
        stmt = sa.select(table.c.status).where(table.c.id == record_id)
        return conn.execute(stmt).scalar()


async def until_done(engine: Engine, table: sa.Table, record_id: str, seconds: float) -> None:
    """Returns once the job is no longer active, or after ``seconds``."""
    start = time.monotonic()
    while True:
        if await run_in_threadpool(_status, engine, table, record_id) not in ACTIVE:
            return
        waited = time.monotonic() - start
        if waited >= seconds:
            return
        pause = min(FIRST_POLL_SECONDS + waited * POLL_GROWTH, MAX_POLL_SECONDS)
        await asyncio.sleep(min(pause, seconds - waited))
