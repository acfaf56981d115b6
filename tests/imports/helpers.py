"""Shared helpers for the import tests: create, wait, read fixtures, seed referenced records."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from app.provisioning import create_application
from bulk.imports.run import run_import as run_pipeline
from tests import factories
from tests.conftest import ApiClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "imports"
DONE = ("completed", "interrupted")


def fixture(resource_type: str, name: str) -> Any:
    """A fixture file's inputs: the parsed JSON array, or the CSV text as is."""
    path = FIXTURES / resource_type / name
    text = path.read_bytes().decode("utf-8")  # as is: BOM and CRLF included
    return json.loads(text) if name.endswith(".json") else text


def body(resource_type: str, inputs: Any, **attributes: Any) -> dict:
    attrs = {"resource_type": resource_type, "inputs": inputs, **attributes}
    if isinstance(inputs, str) and "format" not in attributes:
        attrs["format"] = "csv"
    return {"data": {"type": "imports", "attributes": attrs}}


def post_import(api, resource_type: str, inputs: Any, **attributes: Any):
    return api.post("/api/imports", json=body(resource_type, inputs, **attributes))


def wait(api, import_id: str, timeout: float = 30) -> dict:
    """The import's resource object once it is completed or interrupted."""
    deadline = time.monotonic() + timeout
    while True:
        data = api.get(f"/api/imports/{import_id}").json()["data"]
        if data["attributes"]["status"] in DONE:
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"import {import_id} still {data['attributes']['status']}")
        time.sleep(0.02)


def run_import(api, resource_type: str, inputs: Any, **attributes: Any) -> dict:
    """Creates an import, waits for it and returns its attributes (with `id`)."""
    response = post_import(api, resource_type, inputs, **attributes)
    assert response.status_code == 201, response.text
    data = wait(api, response.json()["data"]["id"])
    return {"id": data["id"], **data["attributes"]}


def counts(attrs: dict) -> tuple[str, int, int, int, int]:
    """(status, processed, errors, warnings, destroyed): one assertion for the whole outcome."""
    return (
        attrs["status"],
        attrs["processed_count"],
        attrs["errors_count"],
        attrs["warnings_count"],
        attrs["destroyed_count"],
    )


def errors(response) -> list[dict]:
    return response.json()["errors"]


def list_all(api, path: str, **params: str) -> list[dict]:
    """Every resource object of a collection (all pages)."""
    out: list[dict] = []
    page = 1
    while True:
        query = {**params, "page[size]": "25", "page[number]": str(page)}
        response = api.get(path, params=query)
        assert response.status_code == 200, response.text
        doc = response.json()
        out += doc["data"]
        if page >= doc["meta"]["page_count"]:
            return out
        page += 1


def by(records: list[dict], attribute: str) -> dict[Any, dict]:
    return {r["attributes"][attribute]: r for r in records}


def attrs_of(records: list[dict], *names: str) -> list[tuple]:
    return sorted(tuple(r["attributes"][n] for n in names) for r in records)


def tag_names(api, type_: str, record: dict) -> list[str]:
    return sorted(
        t["attributes"]["name"] for t in list_all(api, f"/api/{type_}/{record['id']}/tags")
    )


def rel_id(record: dict, name: str) -> str | None:
    data = record["relationships"][name]["data"]
    return data and data["id"]


def rel_attrs_of(records: list[dict], rel: str, *names: str) -> list[tuple]:
    """Sorted (related id, *attributes) of each record, e.g. a price's price list and sku code."""
    return sorted(
        (r["relationships"][rel]["data"]["id"], *(r["attributes"][n] for n in names))
        for r in records
    )


def hold_jobs(app, monkeypatch) -> list[tuple[str, str]]:
    """Keeps created imports pending: messages are recorded instead of sent."""
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(
        app.state.dispatcher, "send", lambda actor, job_id: sent.append((actor, job_id))
    )
    return sent


def sales_channel(app, slug: str) -> ApiClient:
    """A client of a new sales channel application of an existing organization."""
    created = create_application(app.state.engine, slug, "sales_channel")["application"]
    client = TestClient(app, base_url="http://testserver")
    form = {"grant_type": "client_credentials", "client_id": created["client_id"]}
    token = client.post("/oauth/token", json=form).json()["access_token"]
    return ApiClient(client, token)


class Catalog:
    """The records the fixture files refer to by code (one set per organization)."""

    def __init__(self, api) -> None:
        self.api = api
        self.standard = factories.shipping_category(api, "Standard", code="STANDARD")
        self.express = factories.shipping_category(api, "Express", code="EXPRESS")
        self.skus = {
            code: factories.sku(api, code=code, category=self.standard)
            for code in ("TSHIRT-S", "TSHIRT-M", "TSHIRT-L", "MUG-01")
        }
        self.eur = factories.price_list(api, code="EUR-RETAIL")
        self.usd = factories.price_list(api, code="USD-RETAIL", currency_code="USD")
        self.warehouse = factories.stock_location(api, code="WH-MILAN")
        self.store = factories.stock_location(api, code="WH-LONDON")
        self.calculator = factories.tax_calculator(api)
        self.group = factories.customer_group(api, code="VIP")

    def price(self, sku_code: str = "TSHIRT-S", plist: dict | None = None) -> dict:
        return factories.price(self.api, self.skus[sku_code], plist or self.eur)


def deliver(app, import_id: str) -> None:
    """What a worker does with the import's message, here and now."""
    run_pipeline(app.state.engine, app.state.settings, import_id)
