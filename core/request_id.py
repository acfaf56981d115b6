"""Request ids: the `X-Request-Id` of the request (or job) being handled, on every log line.

The id lives in a context variable: set by app/request_id.py for each request (Starlette copies
the context into the worker thread that runs the request's database work) and by the job
actors (bulk/actors.py) while they run a job that request started. ``RequestIdFilter`` gives
each log record a ``request_id`` attribute for the log format to print.
"""

from __future__ import annotations

import logging
import uuid
from contextvars import ContextVar

HEADER = "X-Request-Id"
MAX_LENGTH = 200
current: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_id() -> str:
    return uuid.uuid4().hex


def accepted(value: str | None) -> str:
    """A client's id when it is 1-200 printable ASCII characters, else a new one: an id ends
    up in log lines and response headers, where control characters or a megabyte do harm."""
    if value and len(value) <= MAX_LENGTH and all(" " < c <= "~" for c in value):
        return value
    return new_id()


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (``-`` outside requests and jobs) to every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current.get() or "-"
        return True
