"""The ``bulkport`` command: serve, migrate, provision organizations and applications, and
the client commands (import, export, imports, exports: ``client.cli``) that work over HTTP.

Errors a user can cause (a taken slug, an unknown organization) print one line on stderr and
exit 1; tracebacks are kept for bugs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError

from app.access_log import uvicorn_log_config
from app.auth.principal import KINDS
from app.migrate import upgrade
from app.provisioning import (
    create_application,
    create_organization,
    list_applications,
    list_organizations,
    revoke_application,
    rotate_secret,
    show_organization,
    update_organization,
)
from client import cli as client_cli
from client.display import table
from core import logs
from core.db import make_engine
from core.errors import ApiError
from core.request_id import RequestIdFilter
from core.settings import Settings, get_settings
from core.tenancy import organizations

SHUTDOWN_GRACE_SECONDS = 10
# What `bulkport --help` says: plain text (argparse prints it as it is).
DESCRIPTION = (
    "Bulkport: a JSON:API commerce catalog server with bulk imports and exports. "
    "Server commands (serve, migrate, worker, orgs, apps) read the BULKPORT_* settings of this "
    "machine; client commands (import, export, imports, exports) talk to a server over HTTP."
)
EPILOG = "Run `bulkport COMMAND --help` for a command's options."


def _err(message: str) -> None:
    print(f"bulkport: {message}", file=sys.stderr)


def _note(message: str) -> None:
    """What a command tells its user on the way (stderr: stdout stays for its output)."""
    print(message, file=sys.stderr)


def _start_notes(settings: Settings) -> Callable[[str], None]:
    """How `serve` tells its start: plain lines, or with BULKPORT_LOG_FORMAT=json log lines
    like every other line it writes (core/logs.py)."""
    if settings.log_format != "json":
        return _note
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logs.formatter("json"))
    handler.addFilter(RequestIdFilter())
    notes = logging.getLogger("bulkport.serve")
    notes.addHandler(handler)
    notes.setLevel(logging.INFO)
    notes.propagate = False  # uvicorn's configuration, applied later, gives `bulkport` its own
    return notes.info


def _with_engine(settings: Settings, work: Callable[[Engine], Any]) -> Any:
    engine = make_engine(settings.database_url)
    try:
        return work(engine)
    finally:
        engine.dispose()


def _print_application(application: dict[str, Any]) -> None:
    print(f"{application['kind']} application {application['id']}")
    print(f"  client_id:     {application['client_id']}")
    if application["client_secret"]:
        print(f"  client_secret: {application['client_secret']}  (shown only this once)")


def _print(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
        return
    if "organization" in result:
        org = result["organization"]
        print(f"Organization {org['slug']} ({org['name']}), id {org['id']}")
    _print_application(result["application"])


def cmd_migrate(_args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    print("Database schema is up to date.", file=sys.stderr)
    return 0


def cmd_orgs_create(args: argparse.Namespace, settings: Settings) -> int:
    # Migrating first makes this the one command a fresh data directory needs.
    upgrade(settings)
    result = _with_engine(settings, lambda e: create_organization(e, args.slug, args.name))
    _print(result, args.json)
    return 0


def _switch(value: str | None) -> bool | None:
    return None if value is None else value == "on"


def _on_off(value: bool) -> str:
    return "on" if value else "off"


def _print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    grid = table(title, columns, rows)
    for column in grid.columns:
        column.overflow = "fold"  # ids and client ids are copied from here: never cut them
    # Piped or captured, a table is as wide as its cells; on a terminal, as wide as it is.
    width = None if sys.stdout.isatty() else 1000
    Console(file=sys.stdout, highlight=False, width=width).print(grid)


def cmd_orgs_list(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    found = _with_engine(settings, list_organizations)
    if args.json:
        print(json.dumps({"organizations": found}, indent=2))
        return 0
    if not found:
        print("No organization yet: `bulkport orgs create SLUG` makes one.")
        return 0
    columns = ("slug", "name", "id", "applications", "imports_trigger_webhooks", "created_at")
    rows = [
        (o["slug"], o["name"], o["id"], o["applications_count"],
         _on_off(o["imports_trigger_webhooks"]), o["created_at"])
        for o in found
    ]  # fmt: skip
    _print_table("Organizations", columns, rows)
    return 0


def _print_applications(found: list[dict[str, Any]]) -> None:
    columns = ("id", "kind", "name", "client_id", "created_at", "revoked_at")
    _print_table("Applications", columns, [[a[c] for c in columns] for a in found])


def cmd_orgs_show(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    found = _with_engine(settings, lambda e: show_organization(e, args.slug))
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    org = found["organization"]
    print(f"Organization {org['slug']} ({org['name']}), id {org['id']}")
    print(f"  imports_trigger_webhooks: {_on_off(org['imports_trigger_webhooks'])}")
    print(f"  created_at:               {org['created_at']}")
    _print_applications(found["applications"])
    return 0


def cmd_orgs_update(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    trigger = _switch(args.imports_trigger_webhooks)
    result = _with_engine(
        settings,
        lambda e: update_organization(
            e, args.slug, name=args.name, imports_trigger_webhooks=trigger
        ),
    )
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    org = result["organization"]
    print(
        f"Organization {org['slug']} ({org['name']}): "
        f"imports_trigger_webhooks {_on_off(org['imports_trigger_webhooks'])}"
    )
    return 0


def cmd_apps_list(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    found = _with_engine(settings, lambda e: list_applications(e, args.org))
    if args.json:
        print(json.dumps({"applications": found}, indent=2))
    else:
        _print_applications(found)
    return 0


def cmd_apps_rotate_secret(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    result = _with_engine(settings, lambda e: rotate_secret(e, args.id))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        _print_application(result["application"])
        print("  The old secret no longer works; tokens already issued run until they expire.")
    return 0


def cmd_apps_revoke(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    result = _with_engine(settings, lambda e: revoke_application(e, args.id))
    application = result["application"]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{application['kind']} application {application['id']} revoked at "
            f"{application['revoked_at']}: it gets no token, and its tokens are refused."
        )
    return 0


def cmd_apps_create(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    result = _with_engine(settings, lambda e: create_application(e, args.org, args.kind, args.name))
    _print(result, args.json)
    return 0


def _has_organization(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.scalar(select(func.count()).select_from(organizations)))


def command_path() -> str:
    """How to run this same `bulkport` again, from any folder: the script's absolute path, or
    the interpreter with `-m app.cli` when started that way."""
    script = Path(sys.argv[0])
    if script.name == "bulkport":
        return str(script.absolute())
    return f"{sys.executable} -m app.cli"


def _database_name(settings: Settings) -> str:
    """The database, for people: its file, or its URL without the password."""
    url = make_url(settings.database_url)
    if settings.is_sqlite and url.database:
        return str(Path(url.database).absolute())
    return url.render_as_string(hide_password=True)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    note = _start_notes(settings)
    note(f"Database migrated: {_database_name(settings)} is up to date.")
    note(f"API reference: http://{args.host}:{args.port}/docs")
    bulkport = command_path()
    if not _with_engine(settings, _has_organization):
        note(f"No organization yet. For client credentials, run in a second terminal:\n"
            f"  {bulkport} orgs create my-org --json")  # fmt: skip
    else:
        note(f"Get a token with POST http://{args.host}:{args.port}/oauth/token "
            "(grant_type=client_credentials, client_id, client_secret); new credentials: "
            f"{bulkport} apps create --org SLUG --kind integration --json")  # fmt: skip
    # Each long-running command loads only its own stack: a worker process never holds the
    # HTTP server's modules (about 20 MB), a server never the worker supervisor.
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from app.main import create_app

    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        access_log=False,  # the app writes it, without query strings (app/access_log.py)
        log_config=uvicorn_log_config(LOGGING_CONFIG, settings.log_format),
        # On SIGTERM, requests still running after this long are cancelled: a shutdown never
        # waits on a client (statement timeouts already bound the database's part).
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.redis_url:
        _err("the worker needs BULKPORT_REDIS_URL; without it `bulkport serve` runs jobs itself")
        return 1
    upgrade(settings)
    from bulk import worker  # see cmd_serve: the command's own stack only

    return worker.start(settings, args.processes, args.threads)


def _package_version() -> str:
    try:
        return version("bulkport")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON (default: a table/text)")


def _on_off_option(parser: argparse.ArgumentParser, required: bool, default: str) -> None:
    parser.add_argument(
        "--imports-trigger-webhooks", required=required, choices=("on", "off"),
        help=f"whether records written by imports fire webhooks (default: {default})",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bulkport", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"bulkport {_package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(group: Any, name: str, help: str) -> argparse.ArgumentParser:
        return group.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".")

    serve = command(commands, "serve", "migrate the database, then serve the API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on "
                       "(default: 127.0.0.1; 0.0.0.0 for every interface)")  # fmt: skip
    serve.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    serve.set_defaults(handler=cmd_serve)

    migrate = command(commands, "migrate", "upgrade the database schema (run before new code)")
    migrate.set_defaults(handler=cmd_migrate)

    worker = command(commands, "worker", "run import/export jobs from the Redis queue")
    worker.add_argument("--processes", type=int, default=1, help="worker processes (default: 1)")
    worker.add_argument("--threads", type=int, default=2, help="threads per process (default: 2)")
    worker.set_defaults(handler=cmd_worker)

    orgs = command(commands, "orgs", "manage organizations").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    org_create = command(orgs, "create", "create an organization and its integration")
    org_create.add_argument("slug", help="lowercase letters, digits and dashes")
    org_create.add_argument("--name", help="display name (default: the slug)")
    _json_option(org_create)
    org_create.set_defaults(handler=cmd_orgs_create)
    org_list = command(orgs, "list", "list the organizations")
    _json_option(org_list)
    org_list.set_defaults(handler=cmd_orgs_list)
    org_show = command(orgs, "show", "show an organization's settings and applications")
    org_show.add_argument("slug", help="the organization's slug")
    _json_option(org_show)
    org_show.set_defaults(handler=cmd_orgs_show)
    for name, help in (("update", "change an organization's settings"),
                       ("set", "the same as update (its former name)")):  # fmt: skip
        org_update = command(orgs, name, help)
        org_update.add_argument("slug", help="the organization's slug")
        org_update.add_argument("--name", help="new display name (default: unchanged)")
        _on_off_option(org_update, required=False, default="unchanged; off when created")
        _json_option(org_update)
        org_update.set_defaults(handler=cmd_orgs_update)

    apps = command(commands, "apps", "manage API applications").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    app_create = command(apps, "create", "create an application (client credentials)")
    app_create.add_argument("--org", required=True, help="organization slug")
    app_create.add_argument(
        "--kind", required=True, choices=KINDS,
        help="integration (reads and writes, with a secret) or sales_channel (reads only)",
    )  # fmt: skip
    app_create.add_argument("--name", help="display name (default: Integration or Sales channel)")
    _json_option(app_create)
    app_create.set_defaults(handler=cmd_apps_create)
    app_list = command(apps, "list", "list an organization's applications")
    app_list.add_argument("--org", required=True, help="organization slug")
    _json_option(app_list)
    app_list.set_defaults(handler=cmd_apps_list)
    rotate = command(apps, "rotate-secret", "give an integration a new secret (shown once)")
    rotate.add_argument("id", help="the application's id (`bulkport apps list` shows it)")
    _json_option(rotate)
    rotate.set_defaults(handler=cmd_apps_rotate_secret)
    revoke = command(apps, "revoke", "revoke an application: its tokens are refused from now on")
    revoke.add_argument("id", help="the application's id (`bulkport apps list` shows it)")
    _json_option(revoke)
    revoke.set_defaults(handler=cmd_apps_revoke)

    client_cli.add_commands(commands)
    return parser


def main(argv: list[str] | None = None, settings: Settings | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "client", None):
        return client_cli.run(args)  # over HTTP: this machine's server settings do not apply
    try:
        settings = settings or get_settings()
    except ValueError as exc:  # a BULKPORT_* variable that does not parse: it names itself
        _err(str(exc))
        return 2
    try:
        return args.handler(args, settings)
    except ApiError as exc:
        _err(exc.detail)
    except OperationalError as exc:
        _err(f"database error: {exc.orig}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
