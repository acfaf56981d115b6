"""Imports racing other writers of the same keys (PostgreSQL, where writers run at once): a key
that appears between an import's matching and its write is matched again and updated."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from bulk.imports import run
from tests.support import factories
from tests.support.api import ApiClient, CheckedClient, make_org, sql
from tests.support.documents import list_all
from tests.support.jobs import deliver_import, hold_jobs, post_import, read_job, run_to_end

N = 120  # above COPY's threshold: the chunk is written by COPY


@pytest.mark.parametrize("settings", ["postgresql"], indirect=True)
def test_keys_created_meanwhile_are_updated_not_lost(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    org_id = api.get("/api/organization").json()["data"]["id"]
    skus = [
        {"code": f"RACE{i:04d}", "name": f"imported {i}", "do_not_ship": True} for i in range(N)
    ]
    import_id = post_import(api, "skus", skus).json()["data"]["id"]
    real_match = run.match

    def match_then_race(scope, resource, works):
        real_match(scope, resource, works)
        # Another writer commits half of the same codes after this import matched them.
        with app.state.engine.begin() as other:
            for i in range(0, N, 2):
                other.execute(
                    text(
                        "INSERT INTO skus (id, organization_id, created_at, updated_at, metadata,"
                        " code, name, do_not_ship, do_not_track) VALUES (:id, :org, now(), now(),"
                        " '{}', :code, 'raced', true, false)"
                    ),
                    {"id": f"race{i:06d}", "org": org_id, "code": f"RACE{i:04d}"},
                )
        monkeypatch.setattr(run, "match", real_match)  # once

    monkeypatch.setattr(run, "match", match_then_race)
    deliver_import(app, import_id)
    attrs = read_job(api, "imports", import_id)
    assert (attrs["status"], attrs["processed_count"], attrs["errors_count"]) == (
        "completed", N, 0,
    ), attrs["errors_log"]  # fmt: skip
    stored = list_all(api, "/api/skus")
    assert sorted(s["attributes"]["code"] for s in stored) == [s["code"] for s in skus]
    assert {s["attributes"]["name"] for s in stored} == {s["name"] for s in skus}


@pytest.mark.services
def test_two_imports_and_api_creates_of_the_same_codes_all_land_once(service_app, worker):
    """Issue "Hostile input and concurrency", defect 1, as reported: two CSV imports sharing
    2,000 codes run at once on two worker processes while 50 API creates of shared codes race
    them. Both imports complete, every code is stored exactly once, and each API create is
    either created or told the code is taken."""
    w = worker(processes=2, threads=1)
    api = make_org(service_app, "acme").api
    category = factories.shipping_category(api)["id"]

    def csv_of(first: int, last: int, name: str) -> str:
        rows = [f"C{i:05d},{name} {i},{category}" for i in range(first, last)]
        return "code,name,shipping_category_id\n" + "\n".join(rows) + "\n"

    imports = [
        post_import(api, "skus", csv_of(0, 3000, "first"), format="csv"),
        post_import(api, "skus", csv_of(1000, 4000, "second"), format="csv"),
    ]
    assert [r.status_code for r in imports] == [201, 201], [r.text for r in imports]

    def create(i: int) -> tuple[int, str]:
        client = ApiClient(CheckedClient(service_app, base_url="http://testserver"), api.token)
        data = {"type": "skus", "attributes": {"code": f"C{i:05d}", "name": f"api {i}"},
                "relationships": {"shipping_category": {
                    "data": {"type": "shipping_categories", "id": category}}}}  # fmt: skip
        response = client.post("/api/skus", json={"data": data})
        return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=8) as pool:
        creates = list(pool.map(create, range(1500, 4000, 50)))  # 50 codes, all shared

    for r in imports:
        attrs = run_to_end(api, "imports", r.json()["data"]["id"], [w], timeout=120)
        assert (attrs["status"], attrs["processed_count"], attrs["errors_count"]) == (
            "completed", 3000, 0), attrs["errors_log"]  # fmt: skip
    for status, body in creates:
        assert status == 201 or (status == 422 and "code - has already been taken" in body), body
    rows = sql(
        service_app,
        "SELECT code, count(*) FROM skus GROUP BY code HAVING count(*) > 1 OR code NOT LIKE 'C%'",
    )
    assert rows == []
    assert sql(service_app, "SELECT count(DISTINCT code) FROM skus")[0][0] == 4000
