"""Log lines: human-readable, or one JSON object per line (``BULKPORT_LOG_FORMAT=json``).

Every line carries its request id, organization and job (``RequestIdFilter``, see
core/request_id.py): in text as ``[<request id> org=<id> job=<id>]``, in JSON as the
``request_id``, ``organization_id`` and ``job_id`` keys (null when the line belongs to no
request or job). ``bulkport serve`` applies this to uvicorn's configuration
(app/access_log.py), ``bulkport worker`` with ``configure``.
"""

from __future__ import annotations

import logging
from typing import Any

from pythonjsonlogger.orjson import OrjsonFormatter

from core.request_id import RequestIdFilter

TEXT_FORMAT = "%(asctime)s %(process)d %(name)s [%(log_context)s] %(message)s"
# The record attributes of every JSON line, after its "time"; a line's `extra` adds more (the
# access log's method, path, status and duration_ms).
FIELDS = ("levelname", "name", "process", "message", "request_id", "organization_id", "job_id")
_RENAMED = {"levelname": "level", "name": "logger"}
# Record attributes that are no fields of a line: the human formats' helpers.
_HIDDEN = ("log_context", "color_message", "levelprefix")


class JsonFormatter(OrjsonFormatter):
    """One JSON object per line: time (ISO 8601, UTC), level, logger, process, message, the
    request's ids, an exception's traceback as ``exc_info``, and a line's ``extra`` keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", list(FIELDS))
        kwargs.setdefault("rename_fields", _RENAMED)
        kwargs.setdefault("timestamp", "time")
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict, record: logging.LogRecord, message: dict) -> None:
        fields: dict[str, Any] = {}
        super().add_fields(fields, record, message)
        log_data["time"] = fields.pop("time")  # first: what a reader looks for
        log_data.update((k, v) for k, v in fields.items() if k not in _HIDDEN)


def formatter(log_format: str, text_format: str = TEXT_FORMAT) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter()
    return logging.Formatter(text_format)


def configure(log_format: str, force: bool = False) -> None:
    """The root logger's lines (a worker process's), in ``log_format``, each tagged."""
    logging.basicConfig(level=logging.INFO, force=force)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter(log_format))
        handler.addFilter(RequestIdFilter())
