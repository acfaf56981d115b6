"""The Idempotency-Key header on job creations (imports, exports, cleanups, import analyses):
a retried POST gets the first response again and creates no second job."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event

from bulk import maintenance
from tests.support import factories
from tests.support.api import sales_channel, sql
from tests.support.jobs import export_body, hold_jobs, import_body

KEY = "nightly-2026-12-04-chunk-1"


def tags(*names: str) -> dict:
    return import_body("tags", [{"name": n} for n in names])


def post(api, path: str, body: dict, key: str = KEY):
    return api.post(path, json=body, headers={"Idempotency-Key": key})


def cleanup_body(resource_type: str, **attributes) -> dict:
    attrs = {"resource_type": resource_type, **attributes}
    return {"data": {"type": "cleanups", "attributes": attrs}}


def count(app, table: str) -> int:
    return sql(app, f"SELECT count(*) FROM {table}")[0][0]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/imports", tags("red", "blue")),
        ("/api/exports", export_body("skus")),
        ("/api/cleanups", cleanup_body("skus", filters={"code_eq": "MUG"})),
    ],
)
def test_a_retry_gets_the_first_response_and_no_second_job(app, api, monkeypatch, path, body):
    hold_jobs(app, monkeypatch)  # the response is what the POST answered, whatever runs later
    factories.sku(api, code="MUG")
    first = post(api, path, body)
    assert first.status_code == 201, first.text
    again = post(api, path, body)
    assert again.status_code == 201
    assert again.content == first.content
    assert again.headers["location"] == first.headers["location"]
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert count(app, path.rsplit("/", 1)[1]) == 1


def test_the_same_key_with_another_body_is_a_422_naming_the_header(app, api):
    assert post(api, "/api/imports", tags("red")).status_code == 201
    response = post(api, "/api/imports", tags("green"))
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["source"] == {"header": "Idempotency-Key"}
    assert "different body" in error["detail"]
    assert count(app, "imports") == 1


def test_keys_are_at_most_255_characters(app, api):
    assert post(api, "/api/imports", tags("red"), key="k" * 255).status_code == 201
    response = post(api, "/api/imports", tags("red"), key="k" * 256)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["source"] == {"header": "Idempotency-Key"}
    assert "255" in error["detail"]
    assert count(app, "imports") == 1


def test_keys_are_per_organization(app, api, other_org):
    first = post(api, "/api/imports", tags("red"))
    theirs = post(other_org.api, "/api/imports", tags("red"))
    assert theirs.status_code == 201
    assert theirs.json()["data"]["id"] != first.json()["data"]["id"]
    assert count(app, "imports") == 2


def test_a_refused_request_leaves_the_key_free(app, api):
    bad = import_body("no_such_type", [{"name": "red"}])
    assert post(api, "/api/imports", bad).status_code == 422
    assert post(api, "/api/imports", tags("red")).status_code == 201
    assert count(app, "imports") == 1


def test_after_24_hours_the_key_makes_a_new_job_and_the_sweep_deletes_it(app, api):
    first = post(api, "/api/imports", tags("red")).json()["data"]["id"]
    sql(app, "UPDATE idempotency_keys SET created_at = created_at - interval '1 day'"
        if app.state.engine.dialect.name == "postgresql"
        else "UPDATE idempotency_keys SET created_at = datetime(created_at, '-1 day')")  # fmt: skip
    assert maintenance.delete_expired_idempotency_keys(app.state.engine) == 1
    second = post(api, "/api/imports", tags("red"))
    assert second.status_code == 201
    assert second.json()["data"]["id"] != first
    assert count(app, "imports") == 2


def test_a_retry_while_the_first_is_handled_is_a_409(app, api):
    """The first request is held between its claim and its job's transaction (as that takes
    its connection, before SQLite's write lock): the retry finds the key claimed."""
    engine = app.state.engine
    claimed, held, release = threading.Event(), threading.Event(), threading.Event()

    def mark(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO IDEMPOTENCY_KEYS"):
            claimed.set()

    def hold(*_args):
        request = threading.current_thread().name.startswith("AnyIO worker")  # not the poller
        if request and claimed.is_set() and not held.is_set():
            held.set()
            assert release.wait(30)

    event.listen(engine, "before_cursor_execute", mark)
    event.listen(engine.pool, "checkout", hold)  # before its transaction (SQLite's lock)
    try:
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(post, api, "/api/imports", tags("red"))
            assert held.wait(30)
            retry = post(api, "/api/imports", tags("red"))
            release.set()
            assert first.result(30).status_code == 201
    finally:
        release.set()
        event.remove(engine, "before_cursor_execute", mark)
        event.remove(engine.pool, "checkout", hold)
    assert retry.status_code == 409
    assert retry.json()["errors"][0]["source"] == {"header": "Idempotency-Key"}
    after = post(api, "/api/imports", tags("red"))
    assert after.json()["data"]["id"] == first.result().json()["data"]["id"]
    assert count(app, "imports") == 1


def upload(api, path: str, content: bytes, key: str = KEY, **fields: str):
    # httpx encodes each request with a new random boundary, as curl -F does on each run
    return api.post(
        path,
        files={"file": ("tags.csv", content)},
        data={"resource_type": "tags", **fields},
        headers={"Idempotency-Key": key},
    )


@pytest.mark.parametrize("path", ["/api/imports", "/api/import_analyses"])
def test_a_multipart_upload_retried(app, api, path):
    content = b"name\n" + b"".join(b"tag-%d\n" % i for i in range(2000))
    first = upload(api, path, content)
    assert first.status_code == 201, first.text
    again = upload(api, path, content)
    assert again.status_code == 201
    assert again.content == first.content
    changed = upload(api, path, content + b"one-more\n")
    assert changed.status_code == 422
    assert changed.json()["errors"][0]["source"] == {"header": "Idempotency-Key"}
    assert count(app, path.rsplit("/", 1)[1]) == 1


def test_a_claim_whose_request_died_is_taken_over_after_10_minutes(app, api, org):
    """A server that died between the claim and the job's commit left the key `processing`."""
    postgresql = app.state.engine.dialect.name == "postgresql"
    now = "(now() at time zone 'utc') - interval '{}'" if postgresql else "datetime('now', '-{}')"
    claim = (
        "INSERT INTO idempotency_keys (id, organization_id, key, status, created_at) "
        f"VALUES ('deadclaim1', :org, :key, 'processing', {now})"
    )
    sql(app, claim.format("5 minutes"), org=org.id, key=KEY)
    assert post(api, "/api/imports", tags("red")).status_code == 409
    sql(app, "DELETE FROM idempotency_keys")
    sql(app, claim.format("11 minutes"), org=org.id, key=KEY)
    first = post(api, "/api/imports", tags("red"))
    assert first.status_code == 201
    assert post(api, "/api/imports", tags("red")).content == first.content
    assert count(app, "imports") == 1


def test_types_that_are_not_jobs_ignore_the_header(app, api):
    body = {"data": {"type": "tags", "attributes": {"name": "red"}}}
    assert post(api, "/api/tags", body).status_code == 201
    assert post(api, "/api/tags", body).status_code == 422  # taken: a second create was tried
    assert count(app, "idempotency_keys") == 0


def test_a_kept_response_is_only_for_the_organizations_writers(app, api, org, anonymous):
    first = post(api, "/api/imports", tags("red"))
    assert first.status_code == 201
    channel = sales_channel(app, org.slug)
    for client, status in ((channel, 401), (anonymous, 401)):
        refused = post(client, "/api/imports", tags("red"))
        assert refused.status_code == status, refused.text
        assert first.json()["data"]["id"] not in refused.text
