"""`GET /api/import_types` and `/api/import_types/<type>`: what a client needs to split a file
into several imports, per importable type, generated from the declarations.

A client keeps an item's CSV rows (a price and its tier rows) in one upload only if it merges
rows as the importer does, so `key` is the importer's own reading (``parse.merge_columns``):
per key part, the columns that may carry it, preferred first. Any valid token may read it.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.auth.backend import verify_request
from app.jsonapi.endpoints import request_transaction
from app.jsonapi.media import JsonApiResponse, base_url, check_accept
from bulk.imports.parse import merge_columns, nested_names, parent_relationship
from bulk.imports.service import MAX_INPUTS
from bulk.sources.reader import FORMATS
from core.errors import NotFound
from resources import REGISTRY, importable_types
from resources.base import Resource

TYPE = "import_types"


def attributes(resource: Resource) -> dict[str, Any]:
    parent = parent_relationship(resource)
    return {
        "key": merge_columns(resource),
        "parent": parent.column if parent else None,
        "parent_type": parent.target_type if parent else None,
        "children": sorted(nested_names(resource)),
    }


def resource_object(base: str, resource_type: str) -> dict[str, Any]:
    return {
        "id": resource_type,
        "type": TYPE,
        "links": {"self": f"{base}/api/{TYPE}/{resource_type}"},
        "attributes": attributes(REGISTRY[resource_type]),
    }


async def _checked(request: Request) -> None:
    """A valid token of an application that still exists, as every /api read requires."""
    principal = verify_request(request)
    check_accept(request)
    settings, engine = request.app.state.settings, request.app.state.engine

    def check() -> None:
        with request_transaction(engine, settings, principal, False):
            pass

    await run_in_threadpool(check)


def _meta(request: Request) -> dict[str, Any]:
    return {
        "upload_max_bytes": request.app.state.settings.upload_max_bytes,
        "inputs_max": MAX_INPUTS,
        "formats": list(FORMATS),
    }


async def index(request: Request) -> Response:
    await _checked(request)
    base = base_url(request)
    data = [resource_object(base, t) for t in importable_types()]
    links = {"self": f"{base}/api/{TYPE}"}
    return JsonApiResponse({"data": data, "meta": _meta(request), "links": links})


async def show(request: Request) -> Response:
    await _checked(request)
    resource_type = request.path_params["type"]
    if resource_type not in importable_types():
        raise NotFound(
            f"{resource_type!r} is not an importable type "
            f"(importable: {', '.join(importable_types())})"
        )
    document = {"data": resource_object(base_url(request), resource_type), "meta": _meta(request)}
    return JsonApiResponse(document)


def routes() -> list[Route]:
    return [
        Route(f"/api/{TYPE}", index, methods=["GET"]),
        Route(f"/api/{TYPE}/{{type}}", show, methods=["GET"]),
    ]
