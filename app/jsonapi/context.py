"""The per-request context: who calls, how the answer is rendered, and the unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from app.auth.principal import Principal
from app.jsonapi.document import Renderer
from core.settings import Settings
from core.unit import Unit


@dataclass(kw_only=True)
class Context(Unit):
    request: Request
    principal: Principal
    renderer: Renderer
    settings: Settings

    @property
    def dialect(self) -> str:
        return self.scope.conn.dialect.name
