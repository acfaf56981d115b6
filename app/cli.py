"""The ``bulkport`` command: serve, migrate, provision organizations and applications, and
the client commands (import, export, imports, exports: ``client.cli``) that work over HTTP.

Errors a user can cause (a taken slug, an unknown organization) print one line on stderr and
exit 1; tracebacks are kept for bugs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from app.access_log import uvicorn_log_config
from app.auth.principal import KINDS
from app.migrate import upgrade
from app.provisioning import (
    create_application,
    create_organization,
    set_imports_trigger_webhooks,
)
from client import cli as client_cli
from core.db import make_engine
from core.errors import ApiError
from core.settings import Settings, get_settings
from core.tenancy import organizations

SHUTDOWN_GRACE_SECONDS = 10


def _err(message: str) -> None:
    print(f"bulkport: {message}", file=sys.stderr)


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


def cmd_orgs_set(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    on = args.imports_trigger_webhooks == "on"
    result = _with_engine(settings, lambda e: set_imports_trigger_webhooks(e, args.slug, on))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"Organization {args.slug}: imports_trigger_webhooks {args.imports_trigger_webhooks}")
    return 0


def cmd_apps_create(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    result = _with_engine(settings, lambda e: create_application(e, args.org, args.kind, args.name))
    _print(result, args.json)
    return 0


def _has_organization(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.scalar(select(func.count()).select_from(organizations)))


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    upgrade(settings)
    if not _with_engine(settings, _has_organization):
        _err("No organization yet: run `bulkport orgs create my-org --json` for client credentials")
    else:
        _err(
            f"Get a token with POST http://{args.host}:{args.port}/oauth/token "
            "(grant_type=client_credentials, client_id, client_secret); "
            "`bulkport apps create --org SLUG --kind integration --json` makes new credentials"
        )
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bulkport", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="migrate the database, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.set_defaults(handler=cmd_serve)

    migrate = commands.add_parser("migrate", help="upgrade the database schema")
    migrate.set_defaults(handler=cmd_migrate)

    worker = commands.add_parser("worker", help="run import/export jobs from the Redis queue")
    worker.add_argument("--processes", type=int, default=1)
    worker.add_argument("--threads", type=int, default=2)
    worker.set_defaults(handler=cmd_worker)

    orgs = commands.add_parser("orgs", help="manage organizations").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    org_create = orgs.add_parser("create", help="create an organization and its integration")
    org_create.add_argument("slug")
    org_create.add_argument("--name", help="display name (defaults to the slug)")
    org_create.add_argument("--json", action="store_true", help="print JSON")
    org_create.set_defaults(handler=cmd_orgs_create)
    org_set = orgs.add_parser("set", help="change an organization's settings")
    org_set.add_argument("slug")
    org_set.add_argument(
        "--imports-trigger-webhooks", required=True, choices=("on", "off"),
        help="whether records written by imports fire webhooks (off by default)",
    )  # fmt: skip
    org_set.add_argument("--json", action="store_true", help="print JSON")
    org_set.set_defaults(handler=cmd_orgs_set)

    apps = commands.add_parser("apps", help="manage API applications").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    app_create = apps.add_parser("create", help="create an application (client credentials)")
    app_create.add_argument("--org", required=True, help="organization slug")
    app_create.add_argument("--kind", required=True, choices=KINDS)
    app_create.add_argument("--name")
    app_create.add_argument("--json", action="store_true", help="print JSON")
    app_create.set_defaults(handler=cmd_apps_create)

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
