"""Sending the e-mail outbox (records/events.py ``notify``): one SMTP attempt per message.

    claim      the row is this worker's while its `due_at` is pushed past the attempt
    compose    from the job's row as it is now (``compose``)
    send       over BULKPORT_SMTP_URL (``smtp``)
    finish     on success the row goes; on failure it is retried with exponential backoff
               (BULKPORT_MAIL_RETRY_SECONDS, doubled each time, MAX_ATTEMPTS in all)

Exactly one e-mail per terminal status, as far as SMTP allows: the row is inserted with the
status change and deleted with the success, so a crash before the server's 250 sends again and
a crash between the 250 and the delete resends the same Message-ID (``compose``).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bulk.mail.compose import compose
from bulk.mail.smtp import MailError
from bulk.mail.smtp import send as smtp_send
from core.db import transaction, utcnow
from core.settings import Settings
from resources import REGISTRY
from resources.job_attributes import notifications as N

log = logging.getLogger("bulkport.mail")
MAX_ATTEMPTS = 8
CLAIM_SECONDS = 60  # an attempt lasts at most a few SMTP timeouts: then another may retry
GRACE_SECONDS = 1.0  # a row due this long without its message being taken is sent again


def send_notification(engine: Engine, settings: Settings, notification_id: str) -> None:
    claimed = claim(engine, settings, notification_id)
    if claimed is None:
        return
    notification, message = claimed
    if message is None:  # the job was deleted: nobody is to hear of it
        finish(engine, settings, notification, None)
        return
    if not settings.smtp_url:  # mail settings removed since: kept while they may come back
        finish(engine, settings, notification, "the server has no BULKPORT_SMTP_URL")
        return
    try:
        smtp_send(settings.smtp_url, message)
    except MailError as exc:
        finish(engine, settings, notification, str(exc))
        return
    finish(engine, settings, notification, None)


def claim(engine: Engine, settings: Settings, notification_id: str) -> tuple[dict, Any] | None:
    """The row and its message (None: the job was deleted) when this worker is to send it."""
    now = utcnow()
    with transaction(engine) as conn:
        taken = conn.execute(
            N.update().where(N.c.id == notification_id, N.c.due_at <= now)
            .values(due_at=now + timedelta(seconds=CLAIM_SECONDS))
        ).rowcount  # fmt: skip
        if not taken:
            return None  # sent already, being sent, or not due yet
        notification = dict(
            conn.execute(select(N).where(N.c.id == notification_id)).mappings().one()
        )
        resource = REGISTRY[notification["resource_type"]]
        table = resource.table
        found = conn.execute(select(table).where(table.c.id == notification["resource_id"]))
        job = found.mappings().first()
    if job is None:
        return notification, None
    return notification, compose(settings, resource, dict(job), notification)


def finish(
    engine: Engine, settings: Settings, notification: dict[str, Any], failure: str | None
) -> None:
    """Deletes the row once sent (or given up), else schedules its retry."""
    attempts = notification["attempts"] + 1
    with transaction(engine) as conn:
        mine = N.c.id == notification["id"]
        if failure is None or attempts >= MAX_ATTEMPTS:
            conn.execute(N.delete().where(mine))
            if failure is not None:
                log.warning("e-mail of %s %s given up after %d attempts: %s",
                            notification["resource_type"], notification["resource_id"],
                            attempts, failure)  # fmt: skip
            return
        log.info("e-mail of %s %s: attempt %d failed (%s), retrying",
                 notification["resource_type"], notification["resource_id"], attempts,
                 failure)  # fmt: skip
        backoff = settings.mail_retry_seconds * 2 ** (attempts - 1)
        due_at = utcnow() + timedelta(seconds=backoff)
        conn.execute(N.update().where(mine).values(attempts=attempts, due_at=due_at))


def due(engine: Engine, limit: int = 500) -> list[str]:
    """E-mails due for a while whose message no worker took: a job's end (queued by a worker,
    which sends no message of its own), retries, messages lost with a process."""
    late = utcnow() - timedelta(seconds=GRACE_SECONDS)
    with transaction(engine, write=False) as conn:
        stmt = select(N.c.id).where(N.c.due_at <= late).order_by(N.c.due_at).limit(limit)
        return list(conn.execute(stmt).scalars())
