"""Operator commands: ``bulkport imports list|show|errors|watch|revert``, ``exports list|show``.

What someone on call runs to see what the sync jobs did: lists and attributes as tables on
stdout (or the JSON:API data with ``--json``), an import's failed items, live progress.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rich.console import Console

from client import display
from client.connection import Api, ClientError
from client.exit_codes import ITEMS_FAILED, OK
from client.export_files import gunzip_to

PAGE_MAX = 25  # the server's largest page
WATCH_SECONDS = 1.0
RUNNING = ("pending", "in_progress", "reverting")  # statuses a job leaves by itself
SUMMARY = (
    "status", "inputs_size", "created_count", "updated_count", "unchanged_count",
    "processed_count", "errors_count", "warnings_count", "plan_counts", "reverted_count",
)  # fmt: skip  # what `watch` and `revert` print once the import ends
LOG_KEYS_SHOWN = 3  # keys of errors_log / warnings_log named by `show`
TEXT_SHOWN = 100  # characters of a long value shown by `show`

IMPORT_COLUMNS = (
    ("id", "id"), ("type", "resource_type"), ("status", "status"), ("reference", "reference"),
    ("items", "inputs_size"), ("processed", "processed_count"), ("errors", "errors_count"),
    ("warnings", "warnings_count"), ("created", "created_at"),
)  # fmt: skip
EXPORT_COLUMNS = (
    ("id", "id"), ("type", "resource_type"), ("format", "format"), ("status", "status"),
    ("records", "records_count"), ("processed", "processed_count"), ("created", "created_at"),
)  # fmt: skip


def add_commands(commands: Any, client_command: Any) -> None:
    imports = commands.add_parser("imports", help="list, inspect, follow or revert imports")
    jobs = imports.add_subparsers(dest="imports_command", required=True, metavar="COMMAND")
    listing = client_command(jobs, "list", "the newest imports first", list_imports)
    listing.add_argument("--group", help="only imports whose reference starts with this")
    _list_options(listing, "imports")
    show = client_command(jobs, "show", "an import's attributes", show_import)
    _show_options(show, "import")
    errors = client_command(
        jobs, "errors", "an import's failed items (its errors_url file, else its errors_log)",
        import_errors,
    )  # fmt: skip
    errors.add_argument("id", help="the import's id")
    errors.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    watch = client_command(
        jobs, "watch", "follow an import until it ends (exit 0: completed without errors)",
        watch_import,
    )  # fmt: skip
    watch.add_argument("id", help="the import's id")
    revert = client_command(
        jobs, "revert", "undo an import, then follow the revert until it ends", revert_import
    )
    revert.add_argument("id", help="the import's id")
    revert.add_argument(
        "--force", action="store_true",
        help="also overwrite records changed since the import (default: leave them, warned)",
    )  # fmt: skip

    exports = commands.add_parser("exports", help="list or inspect exports")
    jobs = exports.add_subparsers(dest="exports_command", required=True, metavar="COMMAND")
    listing = client_command(jobs, "list", "the newest exports first", list_exports)
    _list_options(listing, "exports")
    show = client_command(jobs, "show", "an export's attributes", show_export)
    _show_options(show, "export")


def _list_options(parser: argparse.ArgumentParser, kind: str) -> None:
    parser.add_argument("--status", help=f"only {kind} with this status, e.g. completed")
    parser.add_argument("--type", dest="resource_type", help=f"only {kind} of this resource type")
    parser.add_argument(
        "--limit", type=_positive, default=PAGE_MAX, metavar="N",
        help=f"at most N {kind} (default: {PAGE_MAX})",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the JSON:API data instead")


def _show_options(parser: argparse.ArgumentParser, kind: str) -> None:
    parser.add_argument("id", help=f"the {kind}'s id")
    parser.add_argument("--json", action="store_true", help="print the JSON:API data instead")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


# -- lists and attributes ---------------------------------------------------------------------


def list_imports(args: argparse.Namespace, api: Api) -> int:
    filters = {"reference_start": args.group}
    return _list(args, api, "imports", IMPORT_COLUMNS, filters)


def list_exports(args: argparse.Namespace, api: Api) -> int:
    return _list(args, api, "exports", EXPORT_COLUMNS, {})


def _list(
    args: argparse.Namespace,
    api: Api,
    kind: str,
    columns: tuple[tuple[str, str], ...],
    filters: dict[str, str | None],
) -> int:
    filters = {**filters, "status_eq": args.status, "resource_type_eq": args.resource_type}
    params = {f"filter[q][{pred}]": value for pred, value in filters.items() if value}
    jobs = list(_newest(api, kind, params, args.limit))
    if args.json:
        print(json.dumps(jobs))
        return OK
    rows = [[job["id"] if key == "id" else job["attributes"].get(key) for _, key in columns]
            for job in jobs]  # fmt: skip
    stdout().print(display.table(None, [title for title, _ in columns], rows))
    if not jobs:
        display.err_console().print(f"No {kind} match.")
    return OK


def _newest(api: Api, kind: str, params: dict[str, str], limit: int) -> Iterator[dict[str, Any]]:
    """Up to ``limit`` jobs, newest first, a page of 25 at a time."""
    size = min(limit, PAGE_MAX)
    number, given = 1, 0
    while True:
        page = api.get(
            f"/api/{kind}", **params, sort="-created_at",
            **{"page[size]": str(size), "page[number]": str(number)},
        )  # fmt: skip
        for job in page["data"]:
            if given >= limit:
                return
            given += 1
            yield job
        if len(page["data"]) < size or given >= limit:
            return
        number += 1


def show_import(args: argparse.Namespace, api: Api) -> int:
    return _show(args, api, "imports")


def show_export(args: argparse.Namespace, api: Api) -> int:
    return _show(args, api, "exports")


def _show(args: argparse.Namespace, api: Api, kind: str) -> int:
    job = _get(api, kind, args.id)
    if args.json:
        print(json.dumps(job))
        return OK
    rows = [("id", job["id"])] + [
        (name, summarised(name, value)) for name, value in job["attributes"].items()
    ]
    stdout().print(display.table(f"{kind[:-1]} {job['id']}", ("attribute", "value"), rows))
    return OK


def summarised(name: str, value: Any) -> Any:
    """A value short enough for one table row: logs as their counts and first keys, long
    texts (CSV inputs) cut; links whole, to be copied."""
    if name.endswith("_log") and isinstance(value, dict):
        if not value:
            return ""
        keys = ", ".join(str(k) for k in list(value)[:LOG_KEYS_SHOWN])
        more = ", …" if len(value) > LOG_KEYS_SHOWN else ""
        return f"{len(value):,} {'key' if len(value) == 1 else 'keys'}: {keys}{more}"
    if name.endswith("_log") and isinstance(value, list):
        return f"{len(value):,} entries" if value else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False)
        return text if len(text) <= TEXT_SHOWN else f"{text[:TEXT_SHOWN]}… ({len(value):,} entries)"
    if isinstance(value, str) and len(value) > TEXT_SHOWN and not name.endswith("_url"):
        return f"{value[:TEXT_SHOWN]}…"
    return value


# -- an import's failed items -----------------------------------------------------------------


def import_errors(args: argparse.Namespace, api: Api) -> int:
    try:
        return _import_errors(args, api)
    except OSError as exc:  # -o in a missing or read-only folder
        raise ClientError(f"-o {args.output}: {exc.strerror or exc}") from None


def _import_errors(args: argparse.Namespace, api: Api) -> int:
    attributes = _get(api, "imports", args.id)["attributes"]
    url = attributes.get("errors_url")
    if url:
        if args.output:
            with Path(args.output).open("wb") as out:
                size = gunzip_to(api, url, out)
            display.err_console().print(f"Wrote the failed items to {args.output} ({size:,} bytes)")
        else:
            sys.stdout.flush()  # bytes go under the text layer
            gunzip_to(api, url, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        return OK
    log = attributes.get("errors_log") or {}
    if not log:
        display.err_console().print(f"Import {args.id} has no failed items.")
        return OK
    rows = error_rows(log)
    table = display.table(f"import {args.id}: errors_log", ("item", "attribute", "errors"), rows)
    if args.output:
        with Path(args.output).open("w") as out:
            Console(file=out, width=4096).print(table)
    else:
        stdout().print(table)
    return OK


def error_rows(log: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``errors_log`` (``{item key: {attribute: [messages]}}``) as rows of a table."""
    rows = []
    for key, problems in log.items():
        pairs = problems.items() if isinstance(problems, dict) else [("", problems)]
        for attribute, messages in pairs:
            words = messages if isinstance(messages, list) else [messages]
            rows.append((str(key), str(attribute), "; ".join(map(str, words))))
    return rows


# -- following an import ----------------------------------------------------------------------


def watch_import(args: argparse.Namespace, api: Api) -> int:
    return _ended(follow(api, args.id))


def revert_import(args: argparse.Namespace, api: Api) -> int:
    change: dict[str, Any] = {"_revert": True}
    if args.force:
        change["_revert_force"] = True
    api.update("imports", args.id, change)
    attributes = follow(api, args.id, reverting=True)
    console = display.err_console()
    console.print(f"Reverted {attributes.get('reverted_count') or 0:,} records.")
    warnings = attributes.get("warnings_log") or {}
    if warnings:
        rows = [(key, "; ".join(map(str, v)) if isinstance(v, list) else str(v))
                for key, v in warnings.items()]  # fmt: skip
        console.print(display.table("warnings", ("record", "warning"), rows))
    return OK if attributes.get("status") == "reverted" else ITEMS_FAILED


def follow(api: Api, id: str, reverting: bool = False) -> dict[str, Any]:
    """Polls an import until it leaves pending, in_progress and reverting; then prints its
    counts (stderr) and returns its attributes."""
    attributes = _get(api, "imports", id)["attributes"]
    label = f"revert {id}" if reverting else f"import {id}"
    tracker = display.Tracker(label, None if reverting else attributes.get("inputs_size"))
    try:
        while attributes.get("status") in RUNNING:
            if reverting:
                tracker.update(int(attributes.get("reverted_count") or 0), 0)
            else:
                tracker.update(_count(attributes, "processed_count"),
                               _count(attributes, "errors_count"))  # fmt: skip
            time.sleep(WATCH_SECONDS)
            attributes = _get(api, "imports", id)["attributes"]
        done = "reverted_count" if reverting else "processed_count"
        tracker.update(_count(attributes, done), _count(attributes, "errors_count"))
    finally:
        tracker.close()
    rows = [(k, summarised(k, attributes[k])) for k in SUMMARY if attributes.get(k) is not None]
    counts = display.table(f"import {id}", ("", ""), rows)
    counts.show_header = False
    display.err_console().print(counts)
    return attributes


def _ended(attributes: dict[str, Any]) -> int:
    """0: completed (or previewed, or reverted) without an error; 1 otherwise."""
    status = attributes.get("status")
    errors = _count(attributes, "errors_count")
    if status == "previewed":
        errors = int((attributes.get("plan_counts") or {}).get("error") or 0)
    return OK if status in ("completed", "previewed", "reverted") and errors == 0 else ITEMS_FAILED


def _count(attributes: dict[str, Any], name: str) -> int:
    return int(attributes.get(name) or 0)


def _get(api: Api, kind: str, id: str) -> dict[str, Any]:
    if not id.strip() or "/" in id:
        raise ClientError(f"{id!r} is not an id")
    return api.get(f"/api/{kind}/{id}")["data"]


def stdout() -> Console:
    """Tables on stdout: a pipe or a file gets whole rows, not the 80 columns rich assumes."""
    if sys.stdout.isatty():
        return display.out_console()
    return Console(file=sys.stdout, highlight=False, soft_wrap=True, width=4096)
