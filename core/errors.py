"""The one error tree. Every failure a client can see is an ``ApiError`` rendered as JSON:API.

ApiError (status, code, title, detail, source, meta)
├── BadRequest                400 BAD_REQUEST
│   ├── ParameterNotAllowed   400 BAD_REQUEST        (unknown query parameter)
│   ├── FilterNotAllowed      400 FILTER_NOT_ALLOWED
│   ├── InvalidSort           400 INVALID_SORT
│   └── InvalidInclude        400 INVALID_INCLUDE
├── Unauthorized              401 UNAUTHORIZED
│   └── InvalidToken          401 INVALID_TOKEN
├── Forbidden                 403 FORBIDDEN
├── NotFound                  404 RECORD_NOT_FOUND
├── MethodNotAllowed          405 METHOD_NOT_ALLOWED
├── NotAcceptable             406 NOT_ACCEPTABLE
├── Conflict                  409 CONFLICT
├── PayloadTooLarge           413 PAYLOAD_TOO_LARGE
├── UnsupportedMediaType      415 UNSUPPORTED_MEDIA_TYPE
├── InvalidHeader             422 VALIDATION_ERROR   (source.header names it)
├── ValidationFailed          422 VALIDATION_ERROR   (one error object per failing attribute)
├── TooManyRequests           429 TOO_MANY_REQUESTS  (a rate limit: app/ratelimit)
└── QueryTimedOut             503 QUERY_TIMEOUT      (a request's database work ran too long)
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MEDIA_TYPE = "application/vnd.api+json"

# Rails' default messages, keyed by the `meta.error` symbol Commerce Layer reports.
MESSAGES = {
    "blank": "can't be blank",
    "taken": "has already been taken",
    "required": "must exist",
    "inclusion": "is not included in the list",
    "not_a_number": "is not a number",
    "not_an_integer": "must be an integer",
    "invalid": "is invalid",
    "too_short": "is too short (minimum is {count} characters)",
    "too_long": "is too long (maximum is {count} characters)",
    "greater_than": "must be greater than {count}",
    "greater_than_or_equal_to": "must be greater than or equal to {count}",
    "less_than_or_equal_to": "must be less than or equal to {count}",
    "too_many": "is too long (maximum is {count} elements)",
    "not_found": "not found",
    "restrict_dependent_destroy": "cannot be deleted because dependent records exist",
}


def incident(
    log: logging.Logger,
    context: str,
    exc: BaseException | None = None,
    error_id: str | None = None,
) -> str:
    """Logs an exception (by default the one being handled) under an error id (by default a
    new one; a request's is its request id), and returns that id: clients are told the id,
    never the exception (it may quote SQL, parameters or constraint names)."""
    error_id = error_id or uuid.uuid4().hex[:12]
    log.error("%s (error id %s)", context, error_id, exc_info=exc or True)
    return error_id


def message(error: str, **kwargs: Any) -> str:
    return MESSAGES.get(error, error).format(**kwargs)


@dataclass
class FieldError:
    """One failing attribute: what an import writes to `errors_log` and the API to `errors`."""

    attribute: str
    error: str
    message: str
    relationship: bool = False
    meta: dict[str, Any] | None = None

    @classmethod
    def of(cls, attribute: str, error: str, relationship: bool = False, **meta: Any) -> FieldError:
        return cls(attribute, error, message(error, **meta), relationship, meta or None)


class ApiError(Exception):
    status = 500
    code = "INTERNAL_SERVER_ERROR"
    title = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        title: str | None = None,
        parameter: str | None = None,
        pointer: str | None = None,
        header: str | None = None,
        meta: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.title = title or self.title
        self.parameter = parameter
        self.pointer = pointer
        self.header = header  # a request header at fault (JSON:API 1.1 `source.header`)
        self.meta = meta
        self.headers = headers

    def objects(self) -> list[dict[str, Any]]:
        obj: dict[str, Any] = {
            "title": self.title,
            "detail": self.detail,
            "code": self.code,
            "status": str(self.status),
        }
        if self.parameter is not None:
            obj["source"] = {"parameter": self.parameter}
        elif self.pointer is not None:
            obj["source"] = {"pointer": self.pointer}
        elif self.header is not None:
            obj["source"] = {"header": self.header}
        if self.meta:
            obj["meta"] = self.meta
        return [obj]


class BadRequest(ApiError):
    status, code, title = 400, "BAD_REQUEST", "Bad request"


class ParameterNotAllowed(BadRequest):
    title = "Param not allowed"


class FilterNotAllowed(BadRequest):
    code, title = "FILTER_NOT_ALLOWED", "Filter not allowed"


class InvalidSort(BadRequest):
    code, title = "INVALID_SORT", "Invalid sort criteria"


class InvalidInclude(BadRequest):
    code, title = "INVALID_INCLUDE", "Invalid include"


class Unauthorized(ApiError):
    status, code, title = 401, "UNAUTHORIZED", "Access denied"


class InvalidToken(Unauthorized):
    code, title = "INVALID_TOKEN", "Invalid token"


class Forbidden(ApiError):
    status, code, title = 403, "FORBIDDEN", "Operation not allowed"


class NotFound(ApiError):
    status, code, title = 404, "RECORD_NOT_FOUND", "Record not found"

    def __init__(self, detail: str | None = None, **kw: Any) -> None:
        super().__init__(
            detail or "The requested resource was not found. Please double-check the resource id.",
            **kw,
        )


class MethodNotAllowed(ApiError):
    status, code, title = 405, "METHOD_NOT_ALLOWED", "Method not allowed"


class NotAcceptable(ApiError):
    status, code, title = 406, "NOT_ACCEPTABLE", "Not acceptable"


class Conflict(ApiError):
    status, code, title = 409, "CONFLICT", "Conflict"


class InvalidHeader(ApiError):
    """A request header whose value cannot be used; ``header`` names it."""

    status, code, title = 422, "VALIDATION_ERROR", "Invalid header"


class PayloadTooLarge(ApiError):
    status, code, title = 413, "PAYLOAD_TOO_LARGE", "Payload too large"


class UnsupportedMediaType(ApiError):
    status, code, title = 415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type"


class TooManyRequests(ApiError):
    """A rate limit is used up; the detail names it, ``Retry-After`` says when to come back."""

    status, code, title = 429, "TOO_MANY_REQUESTS", "Too many requests"


class ValidationFailed(ApiError):
    """422 carrying one JSON:API error object per failing attribute, Rails style."""

    status, code, title = 422, "VALIDATION_ERROR", "Validation failed"

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(f"{first.attribute} - {first.message}", title=first.message)

    @classmethod
    def one(cls, attribute: str, error: str, relationship: bool = False, **meta: Any):
        return cls([FieldError.of(attribute, error, relationship, **meta)])

    def objects(self) -> list[dict[str, Any]]:
        out = []
        for e in self.errors:
            where = "relationships" if e.relationship else "attributes"
            pointer = "/data" if e.attribute == "base" else f"/data/{where}/{e.attribute}"
            meta: dict[str, Any] = {"error": e.error}
            if e.meta:
                meta.update(e.meta)
            out.append(
                {
                    "title": e.message,
                    "detail": f"{e.attribute} - {e.message}",
                    "code": self.code,
                    "source": {"pointer": pointer},
                    "status": "422",
                    "meta": meta,
                }
            )
        return out


class QueryTimedOut(ApiError):
    """The database cancelled a request's statement at the statement timeout: the request, not
    the server, is at fault, but 503 tells clients (and the SDK's retry logic) to back off."""

    status, code, title = 503, "QUERY_TIMEOUT", "Query timed out"

    @classmethod
    def after(cls, timeout: float) -> QueryTimedOut:
        return cls(
            f"The request's database work took longer than {timeout:g} s and was "
            "cancelled: narrow its filters (fewer or shorter values), ask for fewer "
            "includes or a smaller page, or retry later."
        )
