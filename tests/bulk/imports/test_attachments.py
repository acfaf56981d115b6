"""attachment_url: the gzipped inputs behind a signed URL that expires and is re-signed per read."""

from __future__ import annotations

import gzip
import json
import stat
import types
from urllib.parse import parse_qs, urlsplit

import pytest

from core import storage
from tests.support.jobs import fixture, hold_jobs, post_import, run_import


def fetch(api, url: str):
    """GETs an absolute attachment URL through the test client (path and query)."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) in (("http", "testserver"), ("", ""))
    return api.client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)


def expires(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["expires"][0])


@pytest.fixture
def clock(monkeypatch):
    """Moves the storage module's clock: `clock.now += 301`."""
    real = storage.time.time
    fake = types.SimpleNamespace(now=real())
    monkeypatch.setattr(storage, "time", types.SimpleNamespace(time=lambda: fake.now))
    return fake


def test_json_inputs_are_archived(app, api, org):
    inputs = [{"name": "zeta", "metadata": {"ü": "ñ"}}, {"name": "alpha"}]
    attrs = run_import(api, "tags", inputs)
    url = attrs["attachment_url"]
    path = urlsplit(url).path
    assert path == f"/attachments/imports/{org.id}/{attrs['id']}.json.gz"
    response = fetch(api, url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/gzip"
    assert (
        response.headers["content-disposition"] == f'attachment; filename="{attrs["id"]}.json.gz"'
    )
    assert json.loads(gzip.decompress(response.content)) == inputs


def test_csv_inputs_are_archived_as_sent(api):  # no shipping category: interrupted
    text = fixture("skus", "malformed.csv")
    attrs = run_import(api, "skus", text)
    assert attrs["status"] == "interrupted"  # interrupted imports keep their inputs too
    assert urlsplit(attrs["attachment_url"]).path.endswith(f"/{attrs['id']}.csv.gz")
    response = fetch(api, attrs["attachment_url"])
    assert gzip.decompress(response.content).decode() == text


def test_pending_import_has_no_attachment_until_interrupted(app, api, monkeypatch):
    hold_jobs(app, monkeypatch)
    response = post_import(api, "tags", [{"name": "x"}])
    import_id = response.json()["data"]["id"]
    assert response.json()["data"]["attributes"]["attachment_url"] is None
    patch = {"data": {"type": "imports", "id": import_id, "attributes": {"_interrupt": True}}}
    attrs = api.patch(f"/api/imports/{import_id}", json=patch).json()["data"]["attributes"]
    assert attrs["status"] == "interrupted"
    body = gzip.decompress(fetch(api, attrs["attachment_url"]).content)
    assert json.loads(body) == [{"name": "x"}]


def forbidden(response) -> dict:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/vnd.api+json")
    (error,) = response.json()["errors"]
    assert (error["code"], error["status"]) == ("FORBIDDEN", "403")
    return error


def test_tampered_urls_are_forbidden(api):
    first = run_import(api, "tags", [{"name": "one"}])["attachment_url"]
    second = run_import(api, "tags", [{"name": "two"}])["attachment_url"]
    assert fetch(api, first).status_code == 200
    signature = parse_qs(urlsplit(first).query)["signature"][0]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    forbidden(fetch(api, first.replace(signature, flipped)))
    # another attachment's path with this one's signature
    forbidden(fetch(api, urlsplit(second).path + "?" + urlsplit(first).query))
    # a later expiry than the one signed
    later = str(expires(first) + 3600)
    forbidden(fetch(api, first.replace(f"expires={expires(first)}", f"expires={later}")))
    forbidden(fetch(api, urlsplit(first).path))  # no signature at all
    forbidden(fetch(api, urlsplit(first).path + "?expires=abc&signature=" + signature))


def test_expired_url_is_forbidden_and_reads_sign_afresh(api, clock):
    attrs = run_import(api, "tags", [{"name": "one"}])
    url = attrs["attachment_url"]
    assert expires(url) == int(clock.now) + 300
    clock.now += 299
    assert fetch(api, url).status_code == 200
    clock.now += 2
    error = forbidden(fetch(api, url))
    assert "expired" in error["detail"]
    fresh = api.get(f"/api/imports/{attrs['id']}").json()["data"]["attributes"]["attachment_url"]
    assert expires(fresh) == int(clock.now) + 300 > expires(url)
    assert fetch(api, fresh).status_code == 200
    listed = api.get("/api/imports").json()["data"][0]["attributes"]["attachment_url"]
    assert expires(listed) == expires(fresh)


def test_missing_attachment_file_is_404(api, settings):
    attrs = run_import(api, "tags", [{"name": "one"}])
    path = urlsplit(attrs["attachment_url"]).path.removeprefix("/attachments/")
    (settings.data_dir / "attachments" / path).unlink()
    response = fetch(api, attrs["attachment_url"])
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "RECORD_NOT_FOUND"


def test_a_deleted_import_takes_its_file_with_it(api, settings):
    attrs = run_import(api, "tags", [{"name": "one"}])
    url = attrs["attachment_url"]
    stored = settings.data_dir / "attachments" / urlsplit(url).path.removeprefix("/attachments/")
    assert fetch(api, url).status_code == 200
    assert api.delete(f"/api/imports/{attrs['id']}").status_code == 204
    response = fetch(api, url)  # signed a moment ago, for five minutes
    assert response.status_code == 404
    assert response.json()["errors"][0]["detail"] == "This attachment no longer exists"
    assert not stored.exists()


def test_archived_inputs_are_readable_by_their_owner_only(api, settings):
    attrs = run_import(api, "tags", [{"name": "one"}])
    root = settings.data_dir / "attachments"
    stored = root / urlsplit(attrs["attachment_url"]).path.removeprefix("/attachments/")
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    for folder in stored.relative_to(root).parents:
        assert stat.S_IMODE((root / folder).stat().st_mode) == 0o700, folder
