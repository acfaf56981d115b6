"""The Prometheus metrics the server and the workers record (served by app/metrics.py).

prometheus-client keeps them per process; with ``PROMETHEUS_MULTIPROC_DIR`` set (before the
process starts: the library reads it when first imported) each process writes its values to
files in that folder and a scrape adds up every process writing there. Labels take a few
values each: route templates, never raw paths; outcomes and limits by name.
"""

from __future__ import annotations

import os
import socket

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics, values

# No `_created` series beside each counter: a timestamp per label set that dashboards never use.
disable_created_metrics()

# Each process's files in PROMETHEUS_MULTIPROC_DIR are named by this: the host too, not the pid
# alone, since containers sharing the folder (compose's api and workers) all run as pid 1.
HOST = socket.gethostname()


def process_name(pid: int) -> str:
    return f"{HOST}-{pid}"


if values.ValueClass is not values.MutexValue:  # multiprocess mode, before any metric exists
    values.ValueClass = values.MultiProcessValue(lambda: process_name(os.getpid()))

HTTP_REQUESTS = Counter(
    "bulkport_http_requests_total",
    "HTTP requests answered, by route template, method and status.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "bulkport_http_request_duration_seconds",
    "Time to answer an HTTP request (its whole body sent), by route template and method.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IMPORT_ITEMS = Counter(
    "bulkport_import_items_total",
    "Import items committed, by outcome: created, updated, unchanged or errors.",
    ["outcome"],
)
WEBHOOK_DELIVERIES = Counter(
    "bulkport_webhook_deliveries_total",
    "Webhook delivery attempts, by outcome: delivered, failed (retried later) or given_up.",
    ["outcome"],
)
RATE_LIMIT_REFUSALS = Counter(
    "bulkport_rate_limit_refusals_total",
    "Requests refused with 429, by the limit reached (reads, writes, oauth, failed-auth) and "
    "whose count was full (token, organization, ip, client).",
    ["limit", "per"],
)

# dramatiq's own metrics, with the names and labels of its Prometheus middleware
# (bulk/broker.py says why they are recorded here).
_DRAMATIQ = ["queue_name", "actor_name"]
DRAMATIQ_MESSAGES = Counter(
    "dramatiq_messages", "The total number of messages processed.", _DRAMATIQ
)
DRAMATIQ_ERRORS = Counter(
    "dramatiq_message_errors", "The total number of errored messages.", _DRAMATIQ
)
DRAMATIQ_RETRIES = Counter(
    "dramatiq_message_retries", "The total number of retried messages.", _DRAMATIQ
)
DRAMATIQ_REJECTS = Counter(
    "dramatiq_message_rejects", "The total number of dead-lettered messages.", _DRAMATIQ
)
DRAMATIQ_IN_PROGRESS = Gauge(
    "dramatiq_messages_inprogress",
    "The number of messages in progress.",
    _DRAMATIQ,
    multiprocess_mode="livesum",
)
DRAMATIQ_DURATION = Histogram(
    "dramatiq_message_duration_milliseconds",
    "The time spent processing messages.",
    _DRAMATIQ,
    buckets=(
        5,
        10,
        25,
        50,
        75,
        100,
        250,
        500,
        750,
        1000,
        2500,
        5000,
        7500,
        10000,
        30000,
        60000,
        600000,
        900000,
    ),  # fmt: skip
)
