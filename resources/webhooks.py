"""`webhooks` (Commerce Layer's Webhooks API): a topic, where to POST it and what to include.

The server generates `shared_secret` and shows it once, in the response to the create
(``Renderer.revealed``); it is stored in the `secret` column, which no read renders. The
circuit opens after repeated failed deliveries (bulk/webhooks) until `_reset_circuit`.
Deliveries wait in the outbox table below, written in the transaction of the event.
"""

from typing import Any

import sqlalchemy as sa

from core.db import ID_LENGTH, metadata, org_column
from resources.base import HasMany, Resource
from resources.exports import JsonList
from resources.fields import Boolean, Integer, String, Text

CIRCUIT_STATES = ("closed", "open")


def _revealed(row: dict[str, Any], renderer: Any) -> str | None:
    """The secret of a webhook this very request created; None on every other read."""
    return getattr(renderer, "revealed", {}).get(row["id"], {}).get("shared_secret")


resource = Resource(
    "webhooks",
    attributes=[
        String("name"),
        String("topic", required=True, index=True),
        Text("callback_url", required=True, max_length=2048),
        JsonList("include_resources", default=list),
        String("shared_secret", writable=False, column=False, compute=_revealed),
        String("circuit_state", choices=CIRCUIT_STATES, default="closed", writable=False),
        Integer("circuit_failure_count", default=0, writable=False),
        Boolean("_reset_circuit", update_only=True, column=False),
    ],
    # The SDK reads a webhook's attempts under Commerce Layer's name (`event_callbacks` is the
    # inverse the event callbacks' `webhook` declares).
    relationships=[HasMany("last_event_callbacks", "event_callbacks", inverse="webhook")],
    integration_only=True,
    versioned=False,  # its secret must not end up in a version
    extra_columns=[sa.Column("secret", sa.String(64))],
)

# The outbox: one row per (event, webhook), inserted with the write that caused it and deleted
# once delivered or given up; `due_at` is when a worker may (re)try it.
deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    org_column(),
    sa.Column(
        "webhook_id",
        sa.String(ID_LENGTH),
        sa.ForeignKey("webhooks.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("topic", sa.String(255), nullable=False),
    sa.Column("resource_type", sa.String(255), nullable=False),
    sa.Column("resource_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("due_at", sa.DateTime, nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
