"""A unit of work: one transaction on behalf of one organization."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from core.tenancy import Scope


@dataclass(kw_only=True)
class Unit:
    """The scoped connection, and what to do once its transaction has committed (send job
    messages: a worker must never see a job its creator rolled back)."""

    scope: Scope
    after_commit: list[Callable[[], Any]] = field(default_factory=list)
    # Values a write shows once, in its own response only, by record id (a webhook's secret).
    revealed: dict[str, dict[str, Any]] = field(default_factory=dict)
