"""Imports racing other writers of the same keys (PostgreSQL, where writers run at once): a key
that appears between an import's matching and its write is matched again and updated."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bulk.imports import run
from tests.support.documents import list_all
from tests.support.jobs import deliver_import, hold_jobs, post_import, read_job

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
