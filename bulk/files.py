"""Job files in storage: an import's archived inputs, an export's result, gzipped."""

from __future__ import annotations

import gzip
import logging
import shutil
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import IO, Any

from core.errors import incident
from core.settings import Settings
from core.storage import storage_for
from core.unit import Unit
from records.save import destroy
from resources.base import Resource

log = logging.getLogger(__name__)
# A job's files: its attachment, and an import's errors file and preview plan.
FILE_COLUMNS = ("attachment_key", "errors_key", "plan_key")


def store(settings: Settings, job: Resource, row: dict[str, Any], text: str, level: int) -> str:
    """Stores `text` gzipped at `<job type>/<organization>/<job id>.<format>.gz`; the key.

    ``level`` is gzip's compression level: each job type trades time for bytes its own way.
    """
    return store_gzipped(settings, job, row, gzip.compress(text.encode(), level, mtime=0))


def store_gzipped(settings: Settings, job: Resource, row: dict[str, Any], data: bytes) -> str:
    """``store`` for text already gzipped (an import's inputs, as the database keeps them)."""
    key = file_key(job, row)
    storage_for(settings).put(key, data, "application/gzip")
    return key


def store_stream(
    settings: Settings, job: Resource, row: dict[str, Any], chunks: Iterable[str], level: int
) -> str:
    """``store`` for text that comes in chunks (an export's pages): each is gzipped into a
    temporary file as it comes, and the file is stored once `chunks` is exhausted, so the
    whole text is never in memory. An exception from `chunks` stores nothing. The same bytes
    as ``store`` of the chunks joined."""
    key = file_key(job, row)
    with tempfile.TemporaryFile() as spool:
        # No file name in the header and no time: the same text gives the same bytes. A page is
        # compressed on a thread of its own while the next one is read (zlib and the database
        # driver both release the GIL), at most one page ahead.
        with gzip.GzipFile("", "wb", level, spool, mtime=0) as gz, ThreadPoolExecutor(1) as pool:
            pending: Future | None = None
            for chunk in chunks:
                data = chunk.encode()
                if pending is not None:
                    pending.result()
                pending = pool.submit(gz.write, data)
            if pending is not None:
                pending.result()
        spool.seek(0)
        storage_for(settings).put_file(key, spool, "application/gzip")
    return key


def store_file(settings: Settings, job: Resource, row: dict[str, Any], source: IO[bytes]) -> str:
    """``store`` for a file (an uploaded import's source): stored as it is if gzipped, else
    gzipped block by block into a temporary file first."""
    key = file_key(job, row)
    head = source.read(2)
    source.seek(0)
    if head == b"\x1f\x8b":
        storage_for(settings).put_file(key, source, "application/gzip")
        return key
    with tempfile.TemporaryFile() as spool:
        with gzip.GzipFile("", "wb", 6, spool, mtime=0) as gz:
            shutil.copyfileobj(source, gz, 1024 * 1024)
        spool.seek(0)
        storage_for(settings).put_file(key, spool, "application/gzip")
    return key


def file_key(job: Resource, row: dict[str, Any]) -> str:
    """`<job type>/<organization>/<job id>.<format>.gz` (an upload's own format)."""
    ext = row.get("source_format") or ("csv" if row["format"] == "csv" else "json")
    return f"{job.type}/{row['organization_id']}/{row['id']}.{ext}.gz"


def destroyer(settings: Settings, job: Resource) -> Callable[[Unit, str], None]:
    """How a job is deleted: its row, then (once that has committed) its file, so that a link
    handed out before, signed or presigned, stops working with the job. A job type that
    leaves no file (no `attachment_key`) is deleted as any record."""

    def destroy_job(unit: Unit, job_id: str) -> None:
        table = job.table
        if "attachment_key" not in table.c:
            destroy(unit.scope, job, job_id)
            return
        columns = [table.c[name] for name in FILE_COLUMNS if name in table.c]
        stmt = unit.scope.select(table, *columns).where(table.c.id == job_id)
        keys = unit.scope.execute(stmt).first() or ()
        destroy(unit.scope, job, job_id)
        for key in keys:
            if key:
                unit.after_commit.append(partial(delete_file, settings, key))

    return destroy_job


def delete_file(settings: Settings, key: str) -> None:
    try:
        storage_for(settings).delete(key)
    except Exception:  # the row is gone either way; the file is only orphaned
        incident(log, f"deleting the file {key} of a deleted job failed")
