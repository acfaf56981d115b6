"""Listing, filtering and sorting imports as the official CLI does; PATCH, DELETE, fieldsets."""

from __future__ import annotations

import pytest

from tests.support import factories
from tests.support.api import sales_channel
from tests.support.documents import errors
from tests.support.jobs import deliver_import, hold_jobs, patch_job, post_import, run_import


def ids(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [d["id"] for d in response.json()["data"]]


def patch(api, job_id: str, **attributes):
    return patch_job(api, "imports", job_id, **attributes)


@pytest.fixture
def three(api) -> dict[str, dict]:
    """a: clean tags import; b: SKUs with an error and a warning; c: interrupted at 10%."""
    category = factories.shipping_category(api)
    a = run_import(api, "tags", [{"name": "a1"}, {"name": "a2"}], reference="grp-1")
    b = run_import(api, "skus", [
        {"code": "B1", "name": "B1", "shipping_category_id": category["id"], "colour": "red"},
        {"code": "B2"},
    ], reference="grp-1", skip_errors=True)  # fmt: skip
    c = run_import(api, "skus", [{"code": "C1"}], reference="grp-0")
    return {"a": a, "b": b, "c": c}


def test_three_outcomes(three):
    summary = {
        k: (v["status"], v["processed_count"], v["errors_count"], v["warnings_count"])
        for k, v in three.items()
    }
    assert summary == {
        "a": ("completed", 2, 0, 0),
        "b": ("completed", 1, 1, 1),
        "c": ("interrupted", 0, 1, 0),
    }
    assert three["b"]["warnings_log"] == {"B1": ["colour is not an attribute of skus: ignored"]}
    assert three["c"]["interrupted_at"] and three["c"]["completed_at"] is None
    assert three["a"]["completed_at"] and three["a"]["interrupted_at"] is None


LISTINGS = [
    ({"filter[q][status_eq]": "interrupted"}, ["c"]),
    ({"filter[q][status_eq]": "completed"}, ["a", "b"]),
    ({"filter[q][resource_type_eq]": "skus"}, ["b", "c"]),
    ({"filter[q][reference_start]": "grp-1"}, ["a", "b"]),
    ({"filter[q][errors_count_gt]": "0"}, ["b", "c"]),
    ({"filter[q][warnings_count_gt]": "0"}, ["b"]),
    ({"filter[q][reference_start]": "grp-1", "filter[q][warnings_count_gt]": "0"}, ["b"]),
    ({"sort": "-started_at"}, ["c", "b", "a"]),
    ({"sort": "started_at"}, ["a", "b", "c"]),
    ({"sort": "reference,-completed_at"}, ["c", "b", "a"]),
    ({"sort": "-reference,completed_at", "page[size]": "25"}, ["a", "b", "c"]),
    ({"sort": "-started_at", "page[size]": "2", "page[number]": "2"}, ["a"]),
]


def test_list_as_the_cli_does(api, three):
    names = {v["id"]: k for k, v in three.items()}
    for params, expected in LISTINGS:
        got = [names[i] for i in ids(api.get("/api/imports", params=params))]
        assert (got if "sort" in params else sorted(got)) == expected, params


def test_other_organizations_see_nothing(api, other_org, three):
    assert ids(other_org.api.get("/api/imports")) == []
    response = other_org.api.get(f"/api/imports/{three['a']['id']}")
    assert response.status_code == 404
    assert other_org.api.delete(f"/api/imports/{three['a']['id']}").status_code == 404
    assert patch(other_org.api, three["a"]["id"], reference="x").status_code == 404


def test_interrupt_a_pending_import(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    import_id = post_import(api, "tags", [{"name": "never"}]).json()["data"]["id"]
    response = patch(api, import_id, _interrupt=True)
    assert response.status_code == 200, response.text
    attrs = response.json()["data"]["attributes"]
    assert attrs["status"] == "interrupted" and attrs["interrupted_at"]
    assert "_interrupt" not in attrs
    deliver_import(app, import_id)  # a message delivered late does nothing
    attrs = api.get(f"/api/imports/{import_id}").json()["data"]["attributes"]
    assert (attrs["status"], attrs["processed_count"], attrs["started_at"]) == (
        "interrupted",
        0,
        None,
    )
    assert api.get("/api/tags").json()["data"] == []


def test_interrupting_a_completed_import_changes_nothing(api):
    done = run_import(api, "tags", [{"name": "t"}])
    response = patch(api, done["id"], _interrupt=True)
    assert response.status_code == 200
    attrs = response.json()["data"]["attributes"]
    assert (attrs["status"], attrs["interrupted_at"]) == ("completed", None)


def test_patch_reference_and_metadata(api):
    done = run_import(api, "tags", [{"name": "t"}])
    response = patch(api, done["id"], reference="batch-7", reference_origin="cli",
                     metadata={"owner": "ops"})  # fmt: skip
    assert response.status_code == 200, response.text
    attrs = api.get(f"/api/imports/{done['id']}").json()["data"]["attributes"]
    assert (attrs["reference"], attrs["reference_origin"], attrs["metadata"]) == (
        "batch-7", "cli", {"owner": "ops"}
    )  # fmt: skip
    assert attrs["status"] == "completed" and attrs["processed_count"] == 1


@pytest.mark.parametrize(
    "attributes, name",
    [
        ({"resource_type": "skus"}, "resource_type"),
        ({"inputs": [{"name": "x"}]}, "inputs"),
        ({"skip_errors": True}, "skip_errors"),
        ({"status": "completed"}, "status"),
        ({"processed_count": 5}, "processed_count"),
    ],
)
def test_patch_of_create_only_or_read_only_attributes(api, attributes, name):
    done = run_import(api, "tags", [{"name": "t"}])
    response = patch(api, done["id"], **attributes)
    assert response.status_code == 400, response.text
    (error,) = errors(response, 400)
    assert error["source"] == {"pointer": f"/data/attributes/{name}"}
    assert error["detail"] == f"{name} is not a permitted attribute of imports"
    after = api.get(f"/api/imports/{done['id']}").json()["data"]["attributes"]
    assert (after["resource_type"], after["status"]) == ("tags", "completed")


def test_delete(api):
    done = run_import(api, "tags", [{"name": "kept"}])
    response = api.delete(f"/api/imports/{done['id']}")
    assert response.status_code == 204 and response.content == b""
    assert api.get(f"/api/imports/{done['id']}").status_code == 404
    # deleting the job record leaves the imported records alone
    assert [t["attributes"]["name"] for t in api.get("/api/tags").json()["data"]] == ["kept"]


def test_inputs_shown_only_on_request_while_pending(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    csv_text = "name\r\nred\r\nblue\r\n"
    import_id = post_import(api, "tags", csv_text).json()["data"]["id"]
    plain = api.get(f"/api/imports/{import_id}").json()["data"]["attributes"]
    assert "inputs" not in plain and plain["inputs_size"] == 2
    asked = api.get(f"/api/imports/{import_id}", params={"fields[imports]": "inputs,status"})
    assert asked.json()["data"]["attributes"] == {"inputs": csv_text, "status": "pending"}
    listed = api.get("/api/imports", params={"fields[imports]": "inputs"}).json()["data"]
    assert [d["attributes"] for d in listed] == [{"inputs": csv_text}]
    deliver_import(app, import_id)
    after = api.get(f"/api/imports/{import_id}", params={"fields[imports]": "inputs,status"})
    assert after.json()["data"]["attributes"] == {"inputs": None, "status": "completed"}


def test_sales_channel_cannot_list_imports(app, api):
    run_import(api, "tags", [{"name": "t"}])
    channel = sales_channel(app, "acme")
    assert channel.get("/api/imports").status_code == 401
