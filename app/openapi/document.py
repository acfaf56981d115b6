"""The whole document: the types' operations (``Paths``), the fixed routes the app serves, the
components they refer to, OAuth2 as the security scheme."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from importlib import metadata
from typing import Any

from starlette.routing import BaseRoute, Mount, Route

from app.openapi import shared
from app.openapi.fixed import fixed_paths
from app.openapi.paths import Paths, Wiring
from app.openapi.schemas import Choices, Components
from core.errors import MEDIA_TYPE
from core.settings import Settings
from resources.base import Resource

CONVERTER = re.compile(r"{([^}:]+):[^}]+}")  # `{key:path}` -> `{key}`

DESCRIPTION = f"""\
Bulkport speaks [JSON:API](https://jsonapi.org/format/1.0/) (`{MEDIA_TYPE}`) with Commerce
Layer's resource types, query parameters and bulk jobs.

- **Authentication:** OAuth2 client credentials at `POST /oauth/token`, then
  `Authorization: Bearer <access_token>` on every `/api` request.
- **Lists:** `page[size]` (at most {{page_size_max}}, default {{page_size_default}}) and
  `page[number]`; `filter[q][...]` Ransack predicates, `sort`, `include`, `fields[<type>]`.
- **Errors:** a JSON:API error document (`errors`: title, detail, code, status as a string,
  source naming the parameter, pointer or header).
- **Jobs** (imports, exports, cleanups): `Idempotency-Key` makes a retried creation safe;
  `Prefer: wait=N` waits for the job to finish.
- **Request ids:** a request may name itself with `X-Request-Id` (else it gets one); every
  response echoes it.
- **Rate limits:** every `/api` and `/oauth/token` response carries `X-Ratelimit-Limit`,
  `X-Ratelimit-Interval` and `X-Ratelimit-Remaining`; a refusal is a 429 with `Retry-After`.
"""


def served_paths(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, set[str]]]:
    """(path, methods) of every route, mounts walked, path parameters as OpenAPI writes them;
    a mount of an app with no routes (static files) as its own path with GET."""
    for route in routes:
        if isinstance(route, Mount):
            inner = route.routes
            if inner:
                yield from served_paths(inner, prefix + route.path)
            else:
                yield CONVERTER.sub(r"{\1}", prefix + route.path), {"GET"}
        elif isinstance(route, Route):
            methods = set(route.methods or ()) - {"HEAD"}
            yield CONVERTER.sub(r"{\1}", prefix + route.path), methods


def build(
    registry: Mapping[str, Resource],
    wiring: Wiring,
    settings: Settings,
    routes: Iterable[BaseRoute],
    choices: Choices,
) -> dict[str, Any]:
    components = Components(choices, shared.parameters(settings))
    paths = Paths(components, wiring)
    for resource in registry.values():
        paths.add(resource)
    served = {path for path, _methods in served_paths(routes)}
    every = {**fixed_paths(served), **dict(sorted(paths.paths.items()))}
    limits = {"page_size_max": settings.page_size_max}
    limits["page_size_default"] = settings.page_size_default
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Bulkport API",
            "version": metadata.version("bulkport"),
            "description": DESCRIPTION.format(**limits),
        },
        "servers": [{"url": settings.public_url or "/"}],
        "security": [{shared.SECURITY: []}],
        "paths": every,
        "components": components.as_dict(shared.security_schemes(settings.public_url)),
    }
