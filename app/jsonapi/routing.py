"""Routes that tell quickly that a path is not theirs.

Starlette's router asks its routes one after the other, and each runs its regular expression:
with four routes per relationship of every type that is a few hundred regular expressions for
a request whose type comes late in the registry. A ``ResourceRoute`` first compares the path
with the literal start of its own (`/api/skus` of `/api/skus/{id}/prices`), and only runs the
regular expression when that matches; what it matches, and how, is Starlette's ``Route``.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Match, Route
from starlette.types import Scope


class ResourceRoute(Route):
    def __init__(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        self.prefix = path.split("{", 1)[0]  # every path this route matches starts with it

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        # Without a root_path the route path is the path (starlette._utils.get_route_path).
        if not scope.get("root_path") and not scope["path"].startswith(self.prefix):
            return Match.NONE, {}
        return super().matches(scope)
