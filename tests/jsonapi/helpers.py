"""Assertions shared by the JSON:API layer tests."""

from __future__ import annotations

from typing import Any

MEDIA = "application/vnd.api+json"


def assert_error(
    response,
    status: int,
    code: str,
    *,
    parameter: str | None = None,
    pointer: str | None = None,
) -> dict[str, Any]:
    """The response is one JSON:API error object with this status, code and source."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA
    (error,) = response.json()["errors"]
    assert error["code"] == code, error
    assert error["status"] == str(status)
    assert error["title"] and error["detail"]
    if parameter is not None:
        assert error["source"] == {"parameter": parameter}, error
    if pointer is not None:
        assert error["source"] == {"pointer": pointer}, error
    return error


def ok(response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == MEDIA
    return response.json()


def ids(doc: dict[str, Any]) -> list[str]:
    return [r["id"] for r in doc["data"]]


def attr(doc: dict[str, Any], name: str) -> list[Any]:
    return [r["attributes"][name] for r in doc["data"]]


def listing(api, path: str, **params: str) -> dict[str, Any]:
    """GET a collection with query parameters sent URL-encoded (as real clients do)."""
    return ok(api.get(path, params=params))


def q(**filters: str) -> dict[str, str]:
    """filter[q][...] parameters from keyword arguments."""
    return {f"filter[q][{k}]": v for k, v in filters.items()}


def set_created_at(app, type_: str, times: dict[str, str]) -> None:
    """Gives records (by id) known creation times, e.g. {"abc": "2026-01-01T10:00:00"}."""
    from datetime import datetime

    from sqlalchemy import update

    from resources import REGISTRY

    table = REGISTRY[type_].table
    with app.state.engine.begin() as conn:
        for record_id, when in times.items():
            stmt = update(table).where(table.c.id == record_id)
            conn.execute(stmt.values(created_at=datetime.fromisoformat(when)))
