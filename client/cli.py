"""The client commands' arguments, added to the ``bulkport`` parser by ``app.cli``.

Exit codes: 0 when everything completed without an error, 1 when any item failed (or a job
ended interrupted or failed), 2 on usage or connection errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from client import exports, imports, operators
from client.connection import Api, ClientError, Target
from client.exit_codes import UNUSABLE

FORMATS = ("csv", "json", "ndjson", "xlsx")


def _connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection (flags, else environment)")
    group.add_argument("--url", help="the server's base URL (default: $BULKPORT_URL)")
    group.add_argument("--client-id", help="client id (default: $BULKPORT_CLIENT_ID)")
    group.add_argument("--client-secret", help="client secret (default: $BULKPORT_CLIENT_SECRET)")


def _client_command(
    commands: Any, name: str, help: str, run: Callable[[argparse.Namespace, Api], int]
) -> argparse.ArgumentParser:
    parser = commands.add_parser(name, help=help, description=help)
    _connection_options(parser)
    parser.set_defaults(client=run)
    return parser


def add_commands(commands: Any) -> None:
    """``import``, ``export``, ``imports …`` and ``exports …`` on the top-level subparsers."""
    imp = _client_command(
        commands, "import", "import a file of any size (split into chunks when needed)",
        imports.run,
    )  # fmt: skip
    imp.add_argument("file", help="the file to import (CSV, JSON array, NDJSON or XLSX)")
    imp.add_argument("--type", required=True, dest="resource_type", help="resource type")
    imp.add_argument("--format", choices=FORMATS, help="the file's format (default: detected)")
    imp.add_argument("--parent", help="parent_resource_id of every item")
    imp.add_argument("--profile", help="an import profile's id")
    imp.add_argument("--mapping", help='column mapping as JSON, e.g. \'{"SKU": "code"}\'')
    imp.add_argument(
        "--cleanup", action="store_true",
        help="delete the records of the type the file does not list (one upload only)",
    )  # fmt: skip
    imp.add_argument("--skip-errors", action="store_true", help="never stop at 10%% errors")
    imp.add_argument("--preview", action="store_true", help="show the plan, then ask to commit")
    imp.add_argument(
        "--yes", action="store_true",
        help="commit a preview without asking (without it, a preview run with no terminal "
        "commits nothing)",
    )  # fmt: skip
    imp.add_argument(
        "--reference", metavar="GROUP",
        help="the imports' reference group: GROUP-0001, GROUP-0002, ... (default: a new one)",
    )  # fmt: skip
    imp.add_argument(
        "--errors-out", metavar="FILE",
        help="write the failed items of every chunk here (CSV with _errors, or a JSON array), "
        "to fix and import again; no failures: no file (an older FILE is removed)",
    )  # fmt: skip
    imp.add_argument(
        "--chunk-size", type=int, metavar="N",
        help="split into imports of at most N items (1-10000; default: one upload when the "
        "file fits the server's upload limit, else 10000)",
    )  # fmt: skip
    imp.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")

    exp = _client_command(
        commands, "export", "export records to one file (sliced when over 10,000)",
        exports.run,
    )  # fmt: skip
    exp.add_argument("--type", required=True, dest="resource_type", help="resource type")
    exp.add_argument(
        "--filter", action="append", default=[], metavar="PRED=VALUE",
        help="a filter predicate, e.g. code_start=TS (repeatable)",
    )  # fmt: skip
    exp.add_argument(
        "--include", action="append", default=[], metavar="PATH",
        help="a relation to include, e.g. prices.price_tiers (repeatable)",
    )  # fmt: skip
    exp.add_argument(
        "--fields", help="comma-separated fields, e.g. code,prices.* (default: every field)"
    )
    exp.add_argument(
        "--format", choices=("csv", "json"), default="json",
        help="the file's format (default: json)",
    )  # fmt: skip
    exp.add_argument(
        "--dry-data", action="store_true", help="omit ids, timestamps and blanks (default: off)"
    )
    exp.add_argument("-o", "--output", required=True, metavar="FILE", help="the file to write")
    exp.add_argument("--json", action="store_true", help="print the summary as JSON on stdout")

    operators.add_commands(commands, _client_command)


def run(args: argparse.Namespace) -> int:
    """Runs a client command: its connection errors and refusals are exit code 2."""
    try:
        target = Target.from_options(args.url, args.client_id, args.client_secret)
        with Api(target) as api:
            return int(args.client(args, api))
    except ClientError as exc:
        print(f"bulkport: {exc}", file=sys.stderr)
        return UNUSABLE
    except KeyboardInterrupt:
        print("bulkport: interrupted", file=sys.stderr)
        return UNUSABLE
