"""Crash safety, driven through `process` directly: re-runs, resumes, leases, interrupts."""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from bulk.imports import run
from core.db import utcnow
from tests.support import factories
from tests.support.api import open_app, sql
from tests.support.documents import tag_names
from tests.support.jobs import (
    counts,
    deliver_import,
    download,
    go_stale,
    hold_jobs,
    post_import,
    text,
)


@pytest.fixture
def app(settings):
    """Overrides conftest's app: chunks of 3 items."""
    with open_app(dataclasses.replace(settings, import_chunk_size=3)) as application:
        yield application


@pytest.fixture
def held(app, monkeypatch):
    """Imports stay pending until a test calls `process` itself."""
    return hold_jobs(app, monkeypatch)


def create(api, inputs, **attributes) -> str:
    response = post_import(api, "tags", inputs, **attributes)
    assert response.status_code == 201, response.text
    return response.json()["data"]["id"]


def state(api, import_id: str) -> dict:
    return api.get(f"/api/imports/{import_id}").json()["data"]["attributes"]


def internals(app, import_id: str) -> tuple:
    (row,) = sql(app, "SELECT status, cursor, lease FROM imports WHERE id = :id", id=import_id)
    return tuple(row)


SEVEN = [{"name": f"t{i}"} for i in range(1, 5)] + [{"name": "bad one"}, {"name": "t6"},
                                                     {"name": "t7"}]  # fmt: skip


class Crash(BaseException):
    """The worker process dying mid-run: nothing of `process` runs after it."""


def crash_after(monkeypatch, chunks: int, action=None):
    """Runs `action(job)` (default: the process dies) after `chunks` committed chunks."""
    real = run.run_chunk
    calls = []

    def flaky(engine, settings, job, chunk, cursor):
        if len(calls) == chunks:
            if action is None:
                raise Crash()
            action(job)
        calls.append(cursor)
        return real(engine, settings, job, chunk, cursor)

    monkeypatch.setattr(run, "run_chunk", flaky)
    return calls


def test_processing_a_finished_import_again_changes_nothing(app, api, held):
    import_id = create(api, [{"name": "a"}, {"name": "b"}])
    deliver_import(app, import_id)
    before = state(api, import_id)
    assert counts(before) == ("completed", 2, 0, 0, 0)
    deliver_import(app, import_id)
    deliver_import(app, import_id)
    assert state(api, import_id) | {"attachment_url": None} == before | {"attachment_url": None}
    assert tag_names(api) == ["a", "b"]


def test_a_crashed_run_resumes_after_its_last_chunk(app, api, held, monkeypatch):
    factories.tag(api, "stale")
    import_id = create(api, SEVEN, skip_errors=True, cleanup_records=True)
    calls = crash_after(monkeypatch, chunks=1)
    with pytest.raises(Crash):
        deliver_import(app, import_id)
    assert calls == [0]
    middle = state(api, import_id)
    assert counts(middle) == ("in_progress", 3, 0, 0, 0)
    status, cursor, lease = internals(app, import_id)
    assert (status, cursor) == ("in_progress", 3) and lease
    # its lease is fresh: another delivery of the message leaves it alone
    monkeypatch.undo()
    hold_jobs(app, monkeypatch)
    deliver_import(app, import_id)
    assert internals(app, import_id) == ("in_progress", 3, lease)
    # once the heartbeat is stale, the next delivery takes over and continues at the cursor
    go_stale(app, "imports", import_id)
    calls = crash_after(monkeypatch, chunks=99)
    deliver_import(app, import_id)
    assert calls == [3, 6]
    done = state(api, import_id)
    # 6 created, 1 error counted once, and the first chunk's tags are not cleaned up
    assert counts(done) == ("completed", 6, 1, 0, 1), done
    assert done["errors_log"] == {"bad one": {"name": ["is invalid"]}}
    assert tag_names(api) == ["t1", "t2", "t3", "t4", "t6", "t7"]
    assert done["started_at"] == middle["started_at"]
    assert internals(app, import_id) == ("completed", 7, None)


def test_a_crashed_run_s_errors_file_has_each_failed_item_once(app, api, held, monkeypatch):
    inputs = [{"name": "bad a"}, {"name": "t2"}, {"name": "t3"}, {"name": "t4"},
              {"name": "bad b"}, {"name": "t6"}]  # fmt: skip
    import_id = create(api, inputs, skip_errors=True)
    crash_after(monkeypatch, chunks=1)  # `bad a`'s chunk committed, `bad b`'s never ran
    with pytest.raises(Crash):
        deliver_import(app, import_id)
    monkeypatch.undo()
    hold_jobs(app, monkeypatch)
    go_stale(app, "imports", import_id)
    deliver_import(app, import_id)
    deliver_import(app, import_id)  # a redelivered message after the end changes nothing
    done = state(api, import_id)
    assert counts(done) == ("completed", 4, 2, 0, 0), done
    failed = json.loads(text(download(api, done["errors_url"])))
    assert failed == [{"name": "bad a", "_errors": {"name": ["is invalid"]}},
                      {"name": "bad b", "_errors": {"name": ["is invalid"]}}]  # fmt: skip
    assert sql(app, "SELECT count(*) FROM import_failures")[0][0] == 0  # kept until the file


def test_a_database_error_releases_the_lease_for_the_retry(app, api, held, monkeypatch):
    import_id = create(api, SEVEN, skip_errors=True)

    def lost(job):
        # As SQLAlchemy reports a connection the server closed.
        closed = Exception("server closed the connection")
        raise OperationalError("UPDATE imports", {}, closed, connection_invalidated=True)

    crash_after(monkeypatch, chunks=2, action=lost)
    with pytest.raises(OperationalError):
        deliver_import(app, import_id)  # dramatiq retries the message after this
    assert internals(app, import_id) == ("in_progress", 6, None)
    monkeypatch.undo()
    hold_jobs(app, monkeypatch)
    deliver_import(app, import_id)  # the retry, well within the stale time
    assert counts(state(api, import_id)) == ("completed", 6, 1, 0, 0)
    assert tag_names(api) == ["t1", "t2", "t3", "t4", "t6", "t7"]


def test_a_database_error_every_retry_would_meet_interrupts_the_import(app, api, held, monkeypatch):
    """Retried, a statement the database refuses fails again, and again after the sweep
    re-sends the import: it ends now, interrupted, with an error id (no retry)."""
    import_id = create(api, SEVEN, skip_errors=True)

    def refused(job):
        too_large = sqlite3.OperationalError("Expression tree is too large (maximum depth 1000)")
        raise OperationalError("SELECT ...", {}, too_large)

    crash_after(monkeypatch, chunks=1, action=refused)
    deliver_import(app, import_id)  # returns: nothing for dramatiq to retry
    done = state(api, import_id)
    assert (done["status"], done["processed_count"]) == ("interrupted", 3)
    (message,) = done["errors_log"]["base"]["base"]
    assert message.startswith("the import stopped on an internal error (error id ")
    assert "Expression tree" not in message


def test_a_fresh_lease_of_another_worker_is_respected(app, api, held):
    import_id = create(api, SEVEN)
    sql(app, "UPDATE imports SET status = 'in_progress', lease = 'other', heartbeat_at = :t "
        "WHERE id = :id", t=utcnow(), id=import_id)  # fmt: skip
    deliver_import(app, import_id)
    assert internals(app, import_id) == ("in_progress", 0, "other")
    assert counts(state(api, import_id)) == ("in_progress", 0, 0, 0, 0)
    assert tag_names(api) == []


def test_interrupt_is_seen_at_the_next_chunk(app, api, held, monkeypatch):
    import_id = create(api, SEVEN, skip_errors=True)

    def interrupt(job):
        patch = {"data": {"type": "imports", "id": job.id, "attributes": {"_interrupt": True}}}
        assert api.patch(f"/api/imports/{job.id}", json=patch).status_code == 200

    calls = crash_after(monkeypatch, chunks=1, action=interrupt)
    deliver_import(app, import_id)
    assert calls == [0, 3]  # the second chunk found the import interrupted and wrote nothing
    attrs = state(api, import_id)
    assert counts(attrs) == ("interrupted", 3, 0, 0, 0)
    assert attrs["interrupted_at"] and attrs["completed_at"] is None and attrs["attachment_url"]
    assert tag_names(api) == ["t1", "t2", "t3"]


def test_deleted_while_running(app, api, held, monkeypatch):
    import_id = create(api, SEVEN, skip_errors=True)
    crash_after(monkeypatch, chunks=1,
                action=lambda job: api.delete(f"/api/imports/{job.id}"))  # fmt: skip
    deliver_import(app, import_id)
    assert api.get(f"/api/imports/{import_id}").status_code == 404
    assert tag_names(api) == ["t1", "t2", "t3"]


def test_interrupted_by_errors_with_its_attachment_in_one_commit(app, api, held, monkeypatch):
    import_id = create(api, SEVEN)  # 7 items allow no error: the 5th interrupts
    monkeypatch.setattr(
        run, "finish", lambda engine, settings, job: None
    )  # as if it crashed right after
    deliver_import(app, import_id)
    attrs = state(api, import_id)
    assert counts(attrs) == ("interrupted", 4, 1, 0, 0)
    assert attrs["attachment_url"] and attrs["interrupted_at"]
    assert internals(app, import_id) == ("interrupted", 5, None)


def test_an_unexpected_error_interrupts_with_a_reason(app, api, held, monkeypatch):
    import_id = create(api, SEVEN)

    def broken(*_args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(run, "apply", broken)
    deliver_import(app, import_id)
    attrs = state(api, import_id)
    assert attrs["status"] == "interrupted" and attrs["attachment_url"]
    (message,) = attrs["errors_log"]["base"]["base"]
    assert re.fullmatch(
        r"the import stopped on an internal error \(error id [0-9a-f]{12} in the server log\)",
        message,
    )
    assert "disk on fire" not in str(attrs["errors_log"])  # internals stay in the server log
    assert internals(app, import_id)[2] is None
