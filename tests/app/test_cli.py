"""The ``bulkport`` command line: provisioning output and exit codes."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from importlib.metadata import version

import pytest

from app.cli import build_parser, main
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


def test_orgs_update_changes_settings_and_set_is_its_alias(capsys, settings):
    run(capsys, settings, "orgs", "create", "acme")
    code, out, _ = run(
        capsys, settings, "orgs", "update", "acme", "--imports-trigger-webhooks", "on", "--json"
    )
    assert code == 0
    updated = json.loads(out)["organization"]
    assert (updated["slug"], updated["name"], updated["imports_trigger_webhooks"]) == (
        "acme", "acme", True,
    )  # fmt: skip
    code, out, _ = run(capsys, settings, "orgs", "set", "acme", "--name", "Acme Inc.")
    assert code == 0
    assert out == "Organization acme (Acme Inc.): imports_trigger_webhooks on\n"
    shown = json.loads(run(capsys, settings, "orgs", "show", "acme", "--json")[1])
    assert shown["organization"]["name"] == "Acme Inc."
    assert shown["organization"]["imports_trigger_webhooks"] is True

    code, _, err = run(capsys, settings, "orgs", "set", "nope", "--imports-trigger-webhooks", "on")
    assert code == 1
    assert err == "bulkport: There is no organization with slug 'nope'\n"
    code, _, err = run(capsys, settings, "orgs", "update", "acme")
    assert code == 1
    assert err == "bulkport: nothing to change: give --name or --imports-trigger-webhooks\n"


def test_orgs_list_and_show(capsys, settings):
    assert run(capsys, settings, "orgs", "list")[1] == (
        "No organization yet: `bulkport orgs create SLUG` makes one.\n"
    )
    run(capsys, settings, "orgs", "create", "globex")
    run(capsys, settings, "orgs", "create", "acme", "--name", "Acme")
    run(capsys, settings, "apps", "create", "--org", "acme", "--kind", "sales_channel")

    code, out, _ = run(capsys, settings, "orgs", "list", "--json")
    assert code == 0
    listed = json.loads(out)["organizations"]
    assert [(o["slug"], o["name"], o["applications_count"]) for o in listed] == [
        ("acme", "Acme", 2), ("globex", "globex", 1),
    ]  # fmt: skip
    code, out, _ = run(capsys, settings, "orgs", "list")
    assert code == 0
    acme_line = next(line for line in out.splitlines() if "acme" in line)
    assert "Acme" in acme_line and listed[0]["id"] in acme_line and " off " in acme_line

    code, out, _ = run(capsys, settings, "orgs", "show", "acme", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["organization"]["id"] == listed[0]["id"]
    assert [a["kind"] for a in shown["applications"]] == ["integration", "sales_channel"]
    assert all("secret" not in key for a in shown["applications"] for key in a)
    code, out, _ = run(capsys, settings, "orgs", "show", "acme")
    assert out.startswith(f"Organization acme (Acme), id {listed[0]['id']}\n")
    assert "imports_trigger_webhooks: off" in out and "sales_channel" in out

    code, _, err = run(capsys, settings, "orgs", "show", "nope")
    assert (code, err) == (1, "bulkport: There is no organization with slug 'nope'\n")


def token_of(app, client_id: str, client_secret: str | None):
    body = {"grant_type": "client_credentials", "client_id": client_id}
    if client_secret:
        body["client_secret"] = client_secret
    return client_of(app).post("/oauth/token", json=body)


def skus_with(app, token: str):
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.api+json"}
    return client_of(app).get("/api/skus", headers=headers)


def test_apps_list_shows_each_application_of_one_organization(capsys, settings):
    created = json.loads(run(capsys, settings, "orgs", "create", "acme", "--json")[1])
    run(capsys, settings, "orgs", "create", "globex")
    run(capsys, settings, "apps", "create", "--org", "acme", "--kind", "sales_channel",
        "--name", "Shop")  # fmt: skip
    code, out, _ = run(capsys, settings, "apps", "list", "--org", "acme", "--json")
    assert code == 0
    listed = json.loads(out)["applications"]
    assert [(a["kind"], a["name"], a["revoked_at"]) for a in listed] == [
        ("integration", "Integration", None), ("sales_channel", "Shop", None),
    ]  # fmt: skip
    assert listed[0]["id"] == created["application"]["id"]
    assert listed[0]["client_id"] == created["application"]["client_id"]
    code, out, _ = run(capsys, settings, "apps", "list", "--org", "acme")
    assert code == 0 and created["application"]["client_id"] in out and "Shop" in out
    code, _, err = run(capsys, settings, "apps", "list", "--org", "nope")
    assert (code, err) == (1, "bulkport: There is no organization with slug 'nope'\n")


def test_apps_rotate_secret_retires_the_old_secret(capsys, settings, app):
    created = json.loads(run(capsys, settings, "orgs", "create", "acme", "--json")[1])[
        "application"
    ]
    code, out, _ = run(capsys, settings, "apps", "rotate-secret", created["id"], "--json")
    assert code == 0
    rotated = json.loads(out)["application"]
    assert rotated["id"] == created["id"] and rotated["client_id"] == created["client_id"]
    assert rotated["client_secret"] not in (None, created["client_secret"])

    assert token_of(app, created["client_id"], created["client_secret"]).status_code == 401
    fresh = token_of(app, created["client_id"], rotated["client_secret"])
    assert fresh.status_code == 200, fresh.text

    code, out, _ = run(capsys, settings, "apps", "rotate-secret", created["id"])
    assert code == 0 and "client_secret:" in out and "(shown only this once)" in out
    shop = json.loads(
        run(
            capsys, settings, "apps", "create", "--org", "acme", "--kind", "sales_channel", "--json"
        )[1]  # fmt: skip
    )["application"]
    code, _, err = run(capsys, settings, "apps", "rotate-secret", shop["id"])
    assert code == 1
    assert (
        err
        == f"bulkport: application {shop['id']} is a sales_channel: it has no secret to rotate\n"
    )
    code, _, err = run(capsys, settings, "apps", "rotate-secret", "nope")
    assert (code, err) == (1, "bulkport: There is no application with id 'nope'\n")


def test_apps_revoke_refuses_its_tokens_at_once(capsys, settings, app):
    created = json.loads(run(capsys, settings, "orgs", "create", "acme", "--json")[1])[
        "application"
    ]
    other = json.loads(
        run(capsys, settings, "apps", "create", "--org", "acme", "--kind", "integration", "--json")[
            1
        ]  # fmt: skip
    )["application"]
    token = token_of(app, created["client_id"], created["client_secret"]).json()["access_token"]
    other_token = token_of(app, other["client_id"], other["client_secret"]).json()["access_token"]
    assert skus_with(app, token).status_code == 200

    code, out, _ = run(capsys, settings, "apps", "revoke", created["id"])
    assert code == 0
    assert out.startswith(f"integration application {created['id']} revoked at ")

    refused = skus_with(app, token)
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["code"] == "INVALID_TOKEN"
    assert "revoked" in refused.json()["errors"][0]["detail"]
    assert token_of(app, created["client_id"], created["client_secret"]).status_code == 401
    assert skus_with(app, other_token).status_code == 200  # the organization's others still work

    listed = json.loads(run(capsys, settings, "apps", "list", "--org", "acme", "--json")[1])
    revoked = {a["id"]: a["revoked_at"] for a in listed["applications"]}
    assert revoked[created["id"]] is not None and revoked[other["id"]] is None
    code, _, err = run(capsys, settings, "apps", "revoke", created["id"])
    assert code == 1
    assert err == f"bulkport: application {created['id']} was revoked at {revoked[created['id']]}\n"
    code, _, err = run(capsys, settings, "apps", "rotate-secret", created["id"])
    assert code == 1 and "was revoked at" in err


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


def test_version_is_the_installed_package_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"bulkport {version('bulkport')}\n"


def test_the_top_level_help_reads_cleanly(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "``" not in text and "[/" not in text  # no reST or rich markup shown raw
    description = text.split("\n\n")[1]
    assert description.startswith("Bulkport: ") and description.endswith(".")
    for command in ("serve", "migrate", "worker", "orgs", "apps", "import", "export"):
        assert f"\n    {command} " in text


SERVER_COMMANDS = ("serve", "migrate", "worker", "orgs", "apps")


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if path or name in SERVER_COMMANDS:
                    yield from _parsers(sub, (*path, name))


def test_every_server_option_has_help_with_its_default():
    missing = []
    for path, parser in _parsers(build_parser()):
        for action in parser._actions:
            if not action.option_strings or action.help == argparse.SUPPRESS:
                continue
            if isinstance(action, argparse._HelpAction | argparse._VersionAction):
                continue
            if not action.help or not (action.required or "(default: " in action.help):
                missing.append(f"bulkport {' '.join(path)} {action.option_strings[-1]}")
        for action in parser._positionals._group_actions:
            if not isinstance(action, argparse._SubParsersAction) and not action.help:
                missing.append(f"bulkport {' '.join(path)} {action.dest}")
    assert missing == []


def test_the_readme_documents_every_admin_command():
    readme = (ROOT / "README.md").read_text()
    undocumented = [
        f"bulkport {' '.join(path)}"
        for path, _parser in _parsers(build_parser())
        if len(path) == 2 and f"`bulkport {' '.join(path)}" not in readme
    ]
    assert undocumented == []
