"""Request ids: the `X-Request-Id` of the request (or job) being handled, on every log line,
with the organization and the job it works for.

The id lives in a context variable: set by app/request_id.py for each request (Starlette copies
the context into the worker thread that runs the request's database work) and by the job
actors (bulk/actors.py) while they run a job that request started. The organization is known
later, once the token is checked (app/auth), often in a worker thread whose context is a copy:
so ``bound`` gives each request or job one mutable set of tags that ``tag`` fills in, seen by
every line of that request, the access line written after it included. ``RequestIdFilter``
gives each log record ``request_id``, ``organization_id`` and ``job_id`` attributes (None when
unknown), and ``log_context`` for a human-readable format.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

HEADER = "X-Request-Id"
MAX_LENGTH = 200
current: ContextVar[str | None] = ContextVar("request_id", default=None)
# What a line carries besides its request id, and their names in a human-readable line.
TAGS = {"organization_id": "org", "job_id": "job"}
_tags: ContextVar[dict[str, str] | None] = ContextVar("log_tags", default=None)


def new_id() -> str:
    return uuid.uuid4().hex


def accepted(value: str | None) -> str:
    """A client's id when it is 1-200 printable ASCII characters, else a new one: an id ends
    up in log lines and response headers, where control characters or a megabyte do harm."""
    if value and len(value) <= MAX_LENGTH and all(" " < c <= "~" for c in value):
        return value
    return new_id()


@contextmanager
def bound(rid: str | None, **tags: str | None) -> Iterator[None]:
    """The request id and tags of the lines logged inside (a request, a job)."""
    token = current.set(rid)
    tags_token = _tags.set({k: v for k, v in tags.items() if v is not None})
    try:
        yield
    finally:
        _tags.reset(tags_token)
        current.reset(token)


def tag(**tags: str | None) -> None:
    """Adds tags to the lines of the request or job being handled (none outside one)."""
    held = _tags.get()
    if held is not None:
        held.update({k: v for k, v in tags.items() if v is not None})


class RequestIdFilter(logging.Filter):
    """Adds ``request_id``, ``organization_id`` and ``job_id`` (None when unknown, e.g. outside
    requests and jobs), and ``log_context`` (``<request id> org=<id> job=<id>`` with what is
    known, ``-`` for no request id) to every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = record.request_id = current.get()
        held = _tags.get() or {}
        context = [rid or "-"]
        for name, short in TAGS.items():
            value = held.get(name)
            setattr(record, name, value)
            if value is not None:
                context.append(f"{short}={value}")
        record.log_context = " ".join(context)
        return True
