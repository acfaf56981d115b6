"""What every operation shares: the JSON:API media type, the error document and the error
responses, the response headers every answer carries, the common parameters and OAuth2."""

from __future__ import annotations

from typing import Any

from app.auth.tokens import SCOPE
from app.jsonapi.idempotency import HEADER as IDEMPOTENCY_KEY
from app.jsonapi.idempotency import MAX_KEY_LENGTH, REPLAYED
from app.jsonapi.waiting import APPLIED, MAX_WAIT_SECONDS
from core.errors import MEDIA_TYPE
from core.request_id import HEADER as REQUEST_ID
from core.settings import Settings
from query.includes import MAX_INCLUDE_DEPTH

TOKEN_URL = "/oauth/token"
SECURITY = "oauth2"


def tagged(tag: str, **fields: Any) -> dict[str, Any]:
    """An operation listed under ``tag``. (The keyword `tags` is spelled as an argument name:
    the architecture test reads string literals for resource types' names, and one is `tags`.)"""
    return dict(tags=[tag], **fields)


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def content(schema: dict[str, Any], media_type: str = MEDIA_TYPE) -> dict[str, Any]:
    return {media_type: {"schema": schema}}


# -- schemas every type's refer to ---------------------------------------------------------------
ERROR = {
    "type": "object",
    "required": ["title", "detail", "code", "status"],
    "properties": {
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "code": {"type": "string", "examples": ["VALIDATION_ERROR"]},
        "status": {"type": "string", "pattern": "^[45][0-9]{2}$"},
        "source": {
            "type": "object",
            "description": "What the error is about: a query parameter, a JSON pointer into "
            "the request document, or a request header.",
            "properties": {
                "parameter": {"type": "string"},
                "pointer": {"type": "string"},
                "header": {"type": "string"},
            },
        },
        "meta": {
            "type": "object",
            "description": "`error`: the Rails error symbol of a validation error (`blank`, "
            "`taken`, `inclusion`...) with its parameters (`count`, `allowed`); `error_id` of "
            "an unexpected error, to quote (the server log has it).",
        },
    },
}
IDENTIFIER = {
    "type": "object",
    "required": ["type", "id"],
    "properties": {"type": {"type": "string"}, "id": {"type": "string"}},
}
LINKS = {"type": "object", "additionalProperties": {"type": ["string", "null"]}}
LIST_META = {
    "type": "object",
    "required": ["record_count", "page_count"],
    "properties": {
        "record_count": {"type": "integer", "minimum": 0},
        "page_count": {"type": "integer", "minimum": 0},
    },
}
RESOURCE = {
    "type": "object",
    "description": "A resource object of any type (an included record).",
    "required": ["id", "type"],
    "properties": {
        "id": {"type": "string"},
        "type": {"type": "string"},
        "links": ref("schemas", "links"),
        "attributes": {"type": "object"},
        "relationships": {"type": "object"},
        "meta": {"type": "object"},
    },
}


def relationship_schema(many: bool) -> dict[str, Any]:
    data: dict[str, Any] = (
        {"type": "array", "items": ref("schemas", "identifier")}
        if many
        else {"anyOf": [ref("schemas", "identifier"), {"type": "null"}]}
    )
    return {
        "type": "object",
        "description": "`data` is there when the record was read with the relationship "
        "included, or (to-one) always.",
        "properties": {"links": ref("schemas", "links"), "data": data},
    }


SCHEMAS = {
    "error": ERROR,
    "errors": {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {"type": "array", "minItems": 1, "items": ref("schemas", "error")}
        },
    },
    "identifier": IDENTIFIER,
    "links": LINKS,
    "list_meta": LIST_META,
    "resource": RESOURCE,
    "to_one": relationship_schema(many=False),
    "to_many": relationship_schema(many=True),
}

# -- headers -------------------------------------------------------------------------------------
HEADERS = {
    REQUEST_ID: {
        "description": f"The request's id: the `{REQUEST_ID}` the request sent, else a new one. "
        "It is on the server's log lines for the request, on the jobs it creates and in "
        "unexpected errors.",
        "schema": {"type": "string"},
    },
    "X-Ratelimit-Limit": {
        "description": "Requests allowed in the window closest to running out "
        "(absent when rate limits are off).",
        "schema": {"type": "integer"},
    },
    "X-Ratelimit-Interval": {
        "description": "That window's length in seconds.",
        "schema": {"type": "integer"},
    },
    "X-Ratelimit-Remaining": {
        "description": "Requests left in that window.",
        "schema": {"type": "integer"},
    },
    "Retry-After": {
        "description": "Seconds until a request would be accepted again.",
        "schema": {"type": "integer"},
    },
    "Location": {"description": "The created record's URL.", "schema": {"type": "string"}},
    REPLAYED: {
        "description": "`true` on the stored response to an earlier request with the same "
        f"`{IDEMPOTENCY_KEY}`: no second record was created.",
        "schema": {"type": "string", "enum": ["true"]},
    },
    APPLIED: {
        "description": "`wait=N` when the response waited for the job (`Prefer: wait=N`).",
        "schema": {"type": "string"},
    },
}
EVERY_RESPONSE = (REQUEST_ID, "X-Ratelimit-Limit", "X-Ratelimit-Interval", "X-Ratelimit-Remaining")


def headers(*extra: str) -> dict[str, Any]:
    return {name: ref("headers", name) for name in (*EVERY_RESPONSE, *extra)}


# -- error responses -----------------------------------------------------------------------------
ERRORS = {
    "400": "The query string or the request document is malformed; `source` names the "
    "parameter or the JSON pointer (an unknown parameter, filter, sort or include).",
    "401": "No valid access token, or one of a sales channel for what only integrations may do.",
    "403": "The operation is not allowed on this record or type.",
    "404": "No such record (in the token's organization), or no such route.",
    "405": "The method is not allowed on this path.",
    "406": f"`Accept` does not allow `{MEDIA_TYPE}`.",
    "409": "The document's type or id does not match the URL, or a request with the same "
    f"`{IDEMPOTENCY_KEY}` is still running or had another body.",
    "413": "The request body is over the limit.",
    "415": f"`Content-Type` must be `{MEDIA_TYPE}` (or `multipart/form-data` where uploads are "
    "taken).",
    "422": "The record is invalid: one error object per failing attribute, its pointer naming "
    "the attribute and `meta.error` the rule.",
    "429": "A rate limit is used up; `Retry-After` says when to come back.",
    "500": "An unexpected error; `meta.error_id` identifies it in the server log.",
    "503": "The request's database work ran past the statement timeout; narrow it or retry.",
}


def error_responses() -> dict[str, Any]:
    extra = {"429": ("Retry-After",)}
    return {
        status: {
            "description": description,
            "headers": headers(*extra.get(status, ())),
            "content": content(ref("schemas", "errors")),
        }
        for status, description in ERRORS.items()
    }


def errors(*statuses: str) -> dict[str, Any]:
    return {status: ref("responses", status) for status in statuses}


# -- parameters ----------------------------------------------------------------------------------
def parameters(settings: Settings) -> dict[str, Any]:
    return {
        "id": {
            "name": "id",
            "in": "path",
            "required": True,
            "description": "The record's id.",
            "schema": {"type": "string"},
        },
        "page_number": {
            "name": "page[number]",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
        },
        "page_size": {
            "name": "page[size]",
            "in": "query",
            "description": f"Records per page, at most {settings.page_size_max}.",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": settings.page_size_max,
                "default": settings.page_size_default,
            },
        },
        "fields": {
            "name": "fields",
            "in": "query",
            "style": "deepObject",
            "explode": True,
            "description": "Sparse fieldsets: `fields[<type>]=<attribute or relationship>,...` "
            "shows only those of that type's records (also attributes hidden by default, such "
            "as an import's `inputs`).",
            "schema": {"type": "object", "additionalProperties": {"type": "string"}},
            "example": {},  # Swagger UI would otherwise send its made-up `additionalProp1`
        },
        "idempotency_key": {
            "name": IDEMPOTENCY_KEY,
            "in": "header",
            "description": "Makes a retried creation safe: the first response to a key is kept "
            "24 hours per organization, and a retry with the same key and body gets it again "
            f"(`{REPLAYED}: true`) instead of creating a second record.",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
        },
        "prefer": {
            "name": "Prefer",
            "in": "header",
            "description": f"`wait=N` (at most {MAX_WAIT_SECONDS}): the response waits up to N "
            "seconds for the job to finish and shows it as it then is "
            f"(`{APPLIED}: wait=N`).",
            "schema": {"type": "string", "examples": ["wait=30"]},
        },
    }


def security_schemes(public_url: str | None) -> dict[str, Any]:
    """OAuth2 client credentials; the token URL absolute where the server's public URL is
    known (a relative one would lose a path prefix such as `https://host/bulkport`)."""
    return {
        SECURITY: {
            "type": "oauth2",
            "description": "Client credentials of an application (`bulkport apps create`, or "
            "the integration that `bulkport orgs create` prints). Integration applications "
            "read and write; sales channels (client id only) read the catalog.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": f"{public_url or ''}{TOKEN_URL}",
                    "scopes": {SCOPE: "Every market of the organization."},
                }
            },
        }
    }


INCLUDE_DEPTH = MAX_INCLUDE_DEPTH
