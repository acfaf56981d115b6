"""`notify_email`: one e-mail when a job ends, to a real SMTP server, sent after the commit that
ended the job, retried when the server refuses it; a 422 on a server without mail settings."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest

from bulk.exports import run as export_run
from bulk.mail.send import send_notification
from tests.support import factories
from tests.support.api import make_org, open_app, sql
from tests.support.documents import created, only_error, post
from tests.support.jobs import (
    deliver_import,
    download,
    eventually,
    hold_jobs,
    patch_job,
    post_export,
    post_import,
    run_cleanup,
    run_export,
    run_import,
    run_to_end,
    text,
)  # fmt: skip
from tests.support.mail import SENDER

WAIT = 20.0
OPS = ["ops@example.com", "buyer@example.com"]


def mails(app, server, count: int = 1) -> list:
    """The e-mails the server got, once ``count`` came and the outbox is empty (so no other
    attempt is under way or due)."""
    return eventually(
        lambda: len(server.messages()) >= count
        and sql(app, "SELECT count(*) FROM job_notifications")[0][0] == 0
        and server.messages(),
        WAIT, lambda: f"{count} e-mails expected, got {len(server.messages())}",
    )  # fmt: skip


def test_an_import_that_ends_emails_its_status_counts_errors_and_links(api, mail_server):
    inputs = [{"id": "NoSuchId00", "name": "ghost"}, {"name": "ok"}]
    attrs = run_import(api, "tags", inputs, skip_errors=True, notify_email=OPS)
    assert attrs["notify_email"] == OPS

    (mail,) = mails(api.app, mail_server)
    assert mail.sender == SENDER and mail.recipients == OPS
    assert mail.message["To"] == ", ".join(OPS)
    assert mail.message["Subject"] == f"Bulkport: imports of tags {attrs['id']} completed"
    body = mail.body
    assert f"id: {attrs['id']}" in body
    assert "status: completed" in body
    assert "created_count: 1" in body and "errors_count: 1" in body
    assert 'ghost: {"id": ["not found"]}' in body
    assert f"/api/imports/{attrs['id']}" in body
    assert "errors_url: http" in body  # the failed items (bulk/imports/failures.py)
    link = next(line for line in body.splitlines() if line.startswith("attachment_url: "))
    url = link.removeprefix("attachment_url: ")
    assert "NoSuchId00" in text(download(api, url))  # the signed link serves the inputs


def test_a_refused_e_mail_is_sent_again_and_arrives_once(api, mail_server):
    mail_server.refuse = 1
    attrs = run_import(api, "tags", [{"id": "NoSuchId00", "name": "ghost"}], notify_email=OPS[0])
    assert attrs["status"] == "interrupted"

    (mail,) = mails(api.app, mail_server)
    assert mail_server.refused == 1
    assert mail.recipients == [OPS[0]]
    assert mail.message["Subject"].endswith(f"{attrs['id']} interrupted")
    assert "status: interrupted" in mail.body and "errors_count: 1" in mail.body


def test_exports_cleanups_and_an_interrupt_email_too(api, mail_server, monkeypatch):
    api.create("tags", {"name": "old"})
    factories.sku(api, code="OLD")
    export, _file = run_export(api, "tags", notify_email=OPS[0])
    cleanup = run_cleanup(api, "skus", notify_email=OPS[1])
    hold_jobs(api.app, monkeypatch)  # the import stays pending until the API interrupts it
    job = created(post_import(api, "tags", [{"name": "x"}], notify_email=OPS[0]))
    assert patch_job(api, "imports", job["id"], _interrupt=True).status_code == 200
    monkeypatch.undo()

    got = {m.message["Subject"]: m for m in mails(api.app, mail_server, 3)}
    assert len(mail_server.messages()) == 3
    exported = got[f"Bulkport: exports of tags {export['id']} completed"]
    assert exported.recipients == [OPS[0]] and "attachment_url: http" in exported.body
    cleaned = got[f"Bulkport: cleanups of skus {cleanup['id']} completed"]
    assert cleaned.recipients == [OPS[1]] and "processed_count: 1" in cleaned.body
    assert f"Bulkport: imports of tags {job['id']} interrupted" in got


def test_an_import_through_a_profile_emails_the_profile_s_addresses(api, mail_server):
    feed = created(post(api, "import_profiles", {
        "name": "Nightly tags", "resource_type": "tags", "notify_email": "ops@example.com",
    }))  # fmt: skip
    job = created(post_import(api, "tags", [{"name": "a"}], import_profile_id=feed["id"]))
    attrs = run_to_end(api, "imports", job["id"])
    assert attrs["notify_email"] == ["ops@example.com"]
    (mail,) = mails(api.app, mail_server)
    assert mail.recipients == ["ops@example.com"]


@pytest.fixture
def no_mail_api(settings):
    """The API of a server without mail settings."""
    bare = dataclasses.replace(settings, smtp_url=None, mail_from=None)
    with open_app(bare) as application:
        yield make_org(application, "acme").api


@pytest.mark.parametrize(
    ("kind", "attributes"),
    [
        ("imports", {"resource_type": "tags", "inputs": [{"name": "a"}]}),
        ("exports", {"resource_type": "tags"}),
        ("cleanups", {"resource_type": "skus"}),
        ("import_profiles", {"name": "Feed", "resource_type": "tags"}),
    ],
)
def test_notify_email_without_mail_settings_is_a_422_saying_so(no_mail_api, kind, attributes):
    no_mail_api.create("tags", {"name": "exported"})
    error = only_error(post(no_mail_api, kind, {**attributes, "notify_email": OPS}))
    assert error["source"]["pointer"] == "/data/attributes/notify_email"
    assert "the server has no mail settings" in error["detail"]


def test_an_address_that_is_none_is_a_422_naming_it(api):
    api.create("tags", {"name": "exported"})
    error = only_error(post(api, "exports", {"resource_type": "tags", "notify_email": "nope"}))
    assert error["source"]["pointer"] == "/data/attributes/notify_email"
    assert "'nope'" in error["detail"]


def test_one_job_end_is_one_e_mail_however_often_its_message_comes(api, mail_server, monkeypatch):
    hold_jobs(api.app, monkeypatch)  # no message leaves: the test delivers them itself
    job = created(post_import(api, "tags", [{"name": "a"}], notify_email=OPS[0]))
    deliver_import(api.app, job["id"])
    deliver_import(api.app, job["id"])  # a redelivered job message queues no second e-mail
    (queued,) = sql(api.app, "SELECT id FROM job_notifications")
    engine, settings = api.app.state.engine, api.app.state.settings
    with ThreadPoolExecutor(3) as pool:  # three workers given the same message at once
        list(pool.map(lambda _: send_notification(engine, settings, queued[0]), range(3)))
    send_notification(engine, settings, queued[0])  # and once more, later
    (mail,) = mail_server.messages()
    assert mail.message["Subject"].endswith(f"{job['id']} completed")
    assert sql(api.app, "SELECT count(*) FROM job_notifications")[0][0] == 0


def test_credentials_never_cross_an_unencrypted_connection(settings, mail_server):
    """The test server offers no STARTTLS: an smtp:// URL with a password sends nothing."""
    url = f"smtp://ops:secret@127.0.0.1:{mail_server.port}"
    with open_app(dataclasses.replace(settings, smtp_url=url)) as application:
        api = make_org(application, "acme").api
        run_import(api, "tags", [{"name": "a"}], notify_email=OPS[0])
        eventually(
            lambda: sql(application, "SELECT attempts FROM job_notifications")[0][0] >= 2,
            WAIT, lambda: "no failed attempts",
        )  # fmt: skip
    assert mail_server.messages() == []


def test_a_failed_export_emails_its_failure(api, mail_server, monkeypatch):
    def broken(*_args):
        raise RuntimeError("the reader broke")

    monkeypatch.setattr(export_run, "fetch", broken)
    api.create("tags", {"name": "t"})
    export_id = created(post_export(api, "tags", notify_email=OPS[0]))["id"]
    assert run_to_end(api, "exports", export_id)["status"] == "failed"
    (mail,) = mails(api.app, mail_server)
    assert mail.message["Subject"] == f"Bulkport: exports of tags {export_id} failed"
    assert "the export stopped on an internal error" in mail.body
