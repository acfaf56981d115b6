"""The per-request context: who calls, their scoped connection, and after-commit actions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from app.auth.principal import Principal
from app.jsonapi.document import Renderer
from app.settings import Settings
from app.tenancy import Scope


@dataclass
class Context:
    request: Request
    principal: Principal
    scope: Scope
    renderer: Renderer
    settings: Settings
    after_commit: list[Callable[[], Any]] = field(default_factory=list)

    @property
    def dialect(self) -> str:
        return self.scope.conn.dialect.name
