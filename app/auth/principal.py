"""Who is calling: what a verified token says about its application and organization."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

INTEGRATION = "integration"
SALES_CHANNEL = "sales_channel"
KINDS = (INTEGRATION, SALES_CHANNEL)


@dataclass(frozen=True)
class Principal:
    organization_id: str
    organization_slug: str
    application_id: str
    client_id: str
    kind: str
    test: bool = False

    @property
    def can_write(self) -> bool:
        """Sales channels are read-only on the catalog and may not run imports or exports."""
        return self.kind == INTEGRATION

    @property
    def mode(self) -> str:
        return "test" if self.test else "live"

    @property
    def who(self) -> dict[str, Any]:
        """The author of this principal's writes, as versions record it."""
        return {"application": {"id": self.application_id, "kind": self.kind}}
