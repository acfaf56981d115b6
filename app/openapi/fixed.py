"""The routes that are not a type's: the OAuth token endpoint, the JWK Set, the caller's own
application and organization, what splitting a file into imports needs, signed attachment
downloads, this document, and the health and metrics routes of an operated server. Each is
documented only when the app serves its path (``served``), so the document never lists a
route the server does not have."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from app.auth.routes import FORM_TYPES
from app.auth.tokens import SCOPE
from app.import_types import TYPE as IMPORT_TYPES
from app.openapi.shared import content, errors, headers, ref, tagged
from bulk.sources.reader import FORMATS
from resources import importable_types

JSON = "application/json"
PUBLIC: list[dict[str, Any]] = []  # `security` of an operation that needs no token

TOKEN_REQUEST = {
    "type": "object",
    "required": ["grant_type", "client_id"],
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {"type": "string"},
        "client_secret": {
            "type": "string",
            "description": "Integration applications only (sales channels are public clients).",
        },
    },
}
TOKEN = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in", "scope", "created_at"],
    "properties": {
        "access_token": {"type": "string", "description": "A JWT (RS512)."},
        "token_type": {"type": "string", "enum": ["bearer"]},
        "expires_in": {"type": "integer", "description": "Seconds it stays valid."},
        "scope": {"type": "string", "enum": [SCOPE]},
        "created_at": {"type": "integer", "description": "Unix time of issue."},
    },
}


def _json_error(description: str) -> dict[str, Any]:
    return {"description": description, "content": content(ref("schemas", "errors"), JSON)}


def _own_record(type_: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """The JSON:API document of the caller's application or organization."""
    resource = {
        "type": "object",
        "required": ["id", "type", "attributes"],
        "properties": {
            "id": {"type": "string"},
            "type": {"type": "string", "const": type_},
            "links": ref("schemas", "links"),
            "attributes": {
                "type": "object",
                "properties": {
                    **attributes,
                    "created_at": {"type": "string", "format": "date-time"},
                    "updated_at": {"type": "string", "format": "date-time"},
                },
            },
            "meta": {"type": "object"},
        },
    }
    return {
        "description": f"The {type_.removesuffix('s')} of the access token.",
        "headers": headers(),
        "content": content({"type": "object", "properties": {"data": resource}}),
    }


def _get(tag: str, op_id: str, summary: str, responses: dict, **more: Any) -> dict[str, Any]:
    return {"get": tagged(tag, operationId=op_id, summary=summary, **more, responses=responses)}


def _import_type() -> dict[str, Any]:
    """What a client splitting a file into several imports reads of one importable type."""
    return {
        "type": "object",
        "required": ["id", "type", "attributes"],
        "properties": {
            "id": {"type": "string", "enum": importable_types()},
            "type": {"type": "string", "const": IMPORT_TYPES},
            "links": ref("schemas", "links"),
            "attributes": {
                "type": "object",
                "properties": {
                    "key": {
                        "type": "array",
                        "description": "Per part of the type's unique key, the columns that may "
                        "carry it, preferred first: an item's rows share them.",
                        "items": {"type": "array", "items": {"type": "string"}},
                    },
                    "parent": {"type": ["string", "null"]},
                    "parent_type": {"type": ["string", "null"]},
                    "children": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    }


IMPORT_LIMITS = {
    "type": "object",
    "properties": {
        "upload_max_bytes": {"type": "integer"},
        "inputs_max": {"type": "integer", "description": "Items of one import's `inputs`."},
        "formats": {"type": "array", "items": {"type": "string", "enum": list(FORMATS)}},
    },
}


def _import_types(many: bool) -> dict[str, Any]:
    data = {"type": "array", "items": _import_type()} if many else _import_type()
    schema = {"type": "object", "properties": {"data": data, "meta": IMPORT_LIMITS}}
    return {
        "description": "The importable types." if many else "One importable type.",
        "headers": headers(),
        "content": content(schema),
    }


HEALTH = {
    "type": "object",
    "required": ["status"],
    "properties": {
        "status": {"type": "string", "enum": ["up", "down"]},
        "down": {"type": "array", "items": {"type": "string"}, "description": "What is down."},
        "checks": {
            "type": "object",
            "description": "Per check (database, redis, storage, workers): its state, its "
            "latency, and why it is down.",
            "additionalProperties": {
                "type": "object",
                "required": ["status"],
                "properties": {
                    "status": {"type": "string", "enum": ["up", "down"]},
                    "latency_ms": {"type": "number"},
                    "error": {"type": "string"},
                },
            },
        },
    },
}


def _health(summary: str, description: str, op_id: str, down: bool) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "Up.", "content": content(HEALTH, JSON)}}
    if down:
        responses["503"] = {"description": "Something is down.", "content": content(HEALTH, JSON)}
    return _get("Operations", op_id, summary, responses, description=description,
                security=PUBLIC)  # fmt: skip


FIXED: dict[str, dict[str, Any]] = {
    "/oauth/token": {
        "post": tagged(
            "Authentication",
            operationId="oauth.token",
            summary="Get an access token (OAuth2 client credentials)",
            description="Plain JSON (Commerce Layer's auth API), not JSON:API. The credentials "
            "may also come as HTTP Basic authentication. Tokens last 2 hours (integrations) and "
            "are used as `Authorization: Bearer <access_token>`.",
            security=PUBLIC,
            requestBody={
                "required": True,
                "content": {
                    JSON: {"schema": TOKEN_REQUEST},
                    **{kind: {"schema": TOKEN_REQUEST} for kind in FORM_TYPES},
                },
            },
            responses={
                "200": {"description": "A token.", "content": content(TOKEN, JSON)},
                "400": _json_error(
                    "An unreadable request or a grant type other than client_credentials."
                ),
                "401": _json_error("Unknown client, or a wrong secret."),
                "429": ref("responses", "429"),
            },
        )
    },
    "/.well-known/jwks.json": _get(
        "Authentication",
        "jwks",
        "The public keys that verify access tokens (JWK Set)",
        {
            "200": {
                "description": "The JWK Set.",
                "content": content(
                    {
                        "type": "object",
                        "required": ["keys"],
                        "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
                    },
                    JSON,
                ),
            }
        },
        security=PUBLIC,
    ),  # fmt: skip
    "/api/application": _get(
        "Account",
        "application",
        "The application of the access token",
        {
            "200": _own_record(
                "applications",
                {
                    "name": {"type": "string"},
                    "kind": {"type": "string"},
                    "client_id": {"type": "string"},
                },
            ),
            **errors("401", "406", "429"),
        },
    ),  # fmt: skip
    "/api/organization": _get(
        "Account",
        "organization",
        "The organization of the access token",
        {
            "200": _own_record(
                "organizations", {"name": {"type": "string"}, "slug": {"type": "string"}}
            ),
            **errors("401", "406", "429"),
        },
    ),  # fmt: skip
    f"/api/{IMPORT_TYPES}": _get(
        "Imports",
        "import_types.list",
        "What splitting a file into imports needs, per type",
        {"200": _import_types(many=True), **errors("401", "406", "429")},
        description="Per importable type, the columns that keep an item's rows together, and "
        "the limits of one import.",
    ),  # fmt: skip
    f"/api/{IMPORT_TYPES}/{{type}}": _get(
        "Imports",
        "import_types.show",
        "What splitting a file into imports needs, of a type",
        {"200": _import_types(many=False), **errors("401", "404", "406", "429")},
        parameters=[
            {
                "name": "type",
                "in": "path",
                "required": True,
                "schema": {"type": "string", "enum": importable_types()},
            }
        ],
    ),  # fmt: skip
    "/attachments/{key}": _get(
        "Attachments",
        "attachment",
        "Download a job's file (a signed link)",
        {
            "200": {
                "description": "The file, gzipped.",
                "content": {"application/gzip": {"schema": {}}},
            },
            **errors("403", "404"),
        },
        description="The links jobs show (`attachment_url`, `errors_url`, `plan_url`) when "
        "files are stored on the server's disk; they expire. S3 serves its own links.",
        security=PUBLIC,
        parameters=[
            {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}},
            {"name": "expires", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "signature", "in": "query", "required": True, "schema": {"type": "string"}},
        ],
    ),  # fmt: skip
    "/api/openapi.json": _get(
        "Reference",
        "openapi",
        "This document (OpenAPI 3.1)",
        {"200": {"description": "The document.", "content": content({"type": "object"}, JSON)}},
        description="Generated from the resource declarations; `/docs` renders it.",
        security=PUBLIC,
    ),  # fmt: skip
    # Served by operated servers (issue 15 §2): documented from the moment the app has them.
    "/health": _health(
        "Readiness",
        "The database, Redis (when configured), storage and workers, each "
        "with its state and latency.",
        "health",
        down=True,
    ),  # fmt: skip
    "/health/live": _health(
        "Liveness", "200 whenever the process can answer.", "health.live", down=False
    ),
    "/metrics": _get(
        "Operations",
        "metrics",
        "Prometheus metrics",
        {
            "200": {
                "description": "The metrics, in Prometheus's text format.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            "401": {
                "description": "`BULKPORT_METRICS_TOKEN` is set and was not sent.",
                "content": content(ref("schemas", "errors")),
            },
        },
        description="Open unless `BULKPORT_METRICS_TOKEN` is set; then it takes "
        "`Authorization: Bearer <that token>`.",
        security=PUBLIC,
    ),  # fmt: skip
}


def fixed_paths(served: Collection[str]) -> dict[str, Any]:
    return {path: item for path, item in FIXED.items() if path in served}
