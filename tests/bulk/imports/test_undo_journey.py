"""Look before you leap, and undo, as the README's workflow does it with an uploaded file:
upload with a preview, read the plan, commit, fetch the failed items, revert."""

from __future__ import annotations

import csv
import gzip
import io
import json

from tests.support import factories
from tests.support.documents import list_all
from tests.support.jobs import download, patch_job, revert, run_to_end

FILE = (
    "Nummer;Bezeichnung;Versand\r\n"
    "CAP-RED;Rote Mütze;nein\r\n"  # renames an existing SKU
    "MUG-01;Tasse;nein\r\n"  # as stored: unchanged
    "NEW-1;Neu;nein\r\n"  # new
    "BAD-1;;nein\r\n"  # no name: an error
).encode("cp1252")
MAPPING = {
    "Nummer": "code",
    "Bezeichnung": "name",
    "Versand": {"to": "do_not_ship", "map": {"nein": True}},
}


def catalog(api) -> dict[str, tuple[str, str]]:
    """code -> (id, name) of every SKU."""
    return {
        s["attributes"]["code"]: (s["id"], s["attributes"]["name"])
        for s in list_all(api, "/api/skus")
    }


def test_upload_with_preview_then_commit_errors_file_and_revert(api):
    for code, name in (("CAP-RED", "Mütze"), ("MUG-01", "Tasse"), ("OLD-1", "Alt")):
        factories.sku(api, code=code, name=name, do_not_ship=True)
    before = catalog(api)
    response = api.post(
        "/api/imports",
        files={"file": ("artikel.csv", FILE)},
        data={
            "resource_type": "skus",
            "mapping": json.dumps(MAPPING),
            "preview": "true",
            "cleanup_records": "true",
            "skip_errors": "true",
        },
    )
    assert response.status_code == 201, response.text
    import_id = response.json()["data"]["id"]

    # The preview: the plan, and nothing written.
    previewed = run_to_end(api, "imports", import_id)
    assert previewed["status"] == "previewed"
    assert previewed["plan_counts"] == {
        "create": 1, "update": 1, "unchanged": 1, "delete": 1, "error": 1,
    }  # fmt: skip
    plan = [
        json.loads(line)
        for line in gzip.decompress(download(api, previewed["plan_url"])).splitlines()
    ]
    by_key = {line["key"]: line for line in plan}
    assert by_key["CAP-RED"] == {
        "key": "CAP-RED", "action": "update", "changes": {"name": ["Mütze", "Rote Mütze"]},
    }  # fmt: skip
    assert by_key["NEW-1"]["action"] == "create"
    assert by_key["OLD-1"]["action"] == "delete"
    assert by_key["BAD-1"]["action"] == "error"
    assert catalog(api) == before

    # The commit: the same file applied.
    assert patch_job(api, "imports", import_id, _commit=True).status_code == 200
    done = run_to_end(api, "imports", import_id)
    assert (done["status"], done["created_count"], done["updated_count"]) == ("completed", 1, 1)
    assert (done["destroyed_count"], done["errors_count"]) == (1, 1)
    after = catalog(api)
    assert after["CAP-RED"] == (before["CAP-RED"][0], "Rote Mütze")
    assert "NEW-1" in after and "OLD-1" not in after

    # The failed item, in the file's own columns, with what to fix.
    rows = list(
        csv.DictReader(io.StringIO(gzip.decompress(download(api, done["errors_url"])).decode()))
    )
    assert [(r["Nummer"], r["Bezeichnung"]) for r in rows] == [("BAD-1", "")]
    assert "name" in rows[0]["_errors"]

    # The revert: the catalog as it was, the deleted SKU back with its id.
    reverted = revert(api, import_id)
    assert reverted["reverted_count"] == 3
    assert catalog(api) == before
