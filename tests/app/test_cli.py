"""The ``bulkport`` command line: provisioning output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from app.cli import main
from tests.support.api import client_of
from tests.support.layout import ROOT


def run(capsys, settings, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), settings=settings)
    out, err = capsys.readouterr()
    return code, out, err


def test_orgs_create_prints_working_credentials(capsys, settings, app):
    code, out, _ = run(capsys, settings, "orgs", "create", "acme", "--name", "Acme", "--json")
    assert code == 0
    created = json.loads(out)
    assert set(created) == {"organization", "application"}
    assert set(created["organization"]) == {"id", "slug", "name"}
    assert (created["organization"]["slug"], created["organization"]["name"]) == ("acme", "Acme")
    application = created["application"]
    assert set(application) == {"id", "kind", "client_id", "client_secret"}
    assert application["kind"] == "integration"
    assert len(application["client_id"]) == 43

    client = client_of(app)
    response = client.post(
        "/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": application["client_id"],
            "client_secret": application["client_secret"],
        },
    )
    assert response.status_code == 200, response.text


def test_orgs_create_without_json_is_human_readable(capsys, settings):
    code, out, _ = run(capsys, settings, "orgs", "create", "acme")
    assert code == 0
    assert "acme" in out and "client_secret:" in out
    assert not out.lstrip().startswith("{")


def test_duplicate_slug_exits_1_without_traceback(capsys, settings):
    assert run(capsys, settings, "orgs", "create", "acme", "--json")[0] == 0
    code, out, err = run(capsys, settings, "orgs", "create", "acme", "--json")
    assert code == 1
    assert out == ""
    assert "already been taken" in err and "Traceback" not in err


def test_apps_create_sales_channel(capsys, settings):
    run(capsys, settings, "orgs", "create", "acme")
    code, out, _ = run(
        capsys, settings, "apps", "create", "--org", "acme", "--kind", "sales_channel", "--json"
    )
    assert code == 0
    application = json.loads(out)["application"]
    assert application["kind"] == "sales_channel"
    assert application["client_secret"] is None


def test_apps_create_for_an_unknown_organization_exits_1(capsys, settings):
    code, _, err = run(
        capsys, settings, "apps", "create", "--org", "nope", "--kind", "integration", "--json"
    )
    assert code == 1
    assert "nope" in err and "Traceback" not in err


def test_orgs_set_imports_trigger_webhooks(capsys, settings):
    run(capsys, settings, "orgs", "create", "acme")
    code, out, _ = run(
        capsys, settings, "orgs", "set", "acme", "--imports-trigger-webhooks", "on", "--json"
    )
    assert code == 0
    assert json.loads(out)["organization"] == {"slug": "acme", "imports_trigger_webhooks": True}
    code, _, err = run(capsys, settings, "orgs", "set", "nope", "--imports-trigger-webhooks", "on")
    assert code == 1
    assert "nope" in err and "Traceback" not in err


def test_migrate_exits_0_and_worker_without_redis_explains(capsys, settings):
    assert run(capsys, settings, "migrate")[0] == 0
    code, _, err = run(capsys, settings, "worker", "--processes", "2", "--threads", "4")
    assert code == 1
    assert "BULKPORT_REDIS_URL" in err and "serve" in err


def test_command_line_on_a_fresh_data_dir(tmp_path):
    env = {**os.environ, "BULKPORT_DATA_DIR": str(tmp_path / "data")}
    env.pop("BULKPORT_DATABASE_URL", None)
    command = [sys.executable, "-m", "app.cli", "orgs", "create", "acme", "--json"]

    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["organization"]["slug"] == "acme"
    assert (tmp_path / "data" / "bulkport.sqlite3").exists()

    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 1
    assert again.stdout == ""
    assert "already been taken" in again.stderr and "Traceback" not in again.stderr


def test_a_setting_that_does_not_parse_is_named_without_a_traceback(tmp_path):
    env = {**os.environ, "BULKPORT_DATA_DIR": str(tmp_path), "BULKPORT_STATEMENT_TIMEOUT": "soon"}
    command = [sys.executable, "-m", "app.cli", "migrate"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == (
        "bulkport: BULKPORT_STATEMENT_TIMEOUT must be a number of seconds, 0 for none "
        "(got 'soon')\n"
    )
