"""``bulkport export --type TYPE -o FILE``: records of any number to one file.

The server exports at most 10,000 records per export, in id order. So the records are counted
first; over 10,000, the ids at every 10,000th position (a page of one record sorted by id)
bound slices of at most 10,000 (``id_gteq`` / ``id_lt`` added to the filters), exported ten at
a time (the organization's limit of active exports), polled with one list request, and joined
in id order into the file. A slice that grew past 10,000 meanwhile is split again.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from client import display
from client.connection import Api, ApiFailure, ClientError
from client.exit_codes import ITEMS_FAILED, OK
from client.export_files import Merger, gunzip_to

SLICE = 10_000  # the server's most records per export
IN_FLIGHT = 10  # the server's most active exports per organization
POLL_SECONDS = 0.5
RANGE = ("id_gteq", "id_lt")  # a slice's bounds, added to the user's filters
FAILED = ("interrupted", "failed")


@dataclass
class Slice:
    """Records with ``low <= id < high`` (None: unbounded) among those the filters match."""

    low: str | None
    high: str | None
    export_id: str | None = None
    status: str = "waiting"  # waiting, running, downloaded, merged, empty, then the job's
    records: int = 0
    processed: int = 0
    file: Path | None = None
    errors: Any = None

    def bounds(self) -> dict[str, str]:
        found = {RANGE[0]: self.low, RANGE[1]: self.high}
        return {k: v for k, v in found.items() if v is not None}


@dataclass
class Request:
    resource_type: str
    fmt: str
    filters: dict[str, str]
    includes: list[str]
    fields: list[str]
    dry_data: bool

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Request:
        filters: dict[str, str] = {}
        for given in args.filter:
            pred, sep, value = given.partition("=")
            if not sep or not pred.strip():
                raise ClientError(f"--filter {given!r}: expected PRED=VALUE, e.g. code_start=TS")
            if pred.strip() in RANGE:
                raise ClientError(f"--filter {pred}: the export slices by id with it itself")
            filters[pred.strip()] = value
        fields = [f.strip() for f in (args.fields or "").split(",") if f.strip()]
        return cls(args.resource_type, args.format, filters, args.include, fields, args.dry_data)

    def query(self, **bounds: str) -> dict[str, str]:
        merged = {**self.filters, **bounds}
        return {f"filter[q][{pred}]": value for pred, value in merged.items()}

    def attributes(self, part: Slice) -> dict[str, Any]:
        attributes: dict[str, Any] = {
            "resource_type": self.resource_type,
            "format": self.fmt,
            "dry_data": self.dry_data,
        }
        filters = {**self.filters, **part.bounds()}
        if filters:
            attributes["filters"] = filters
        if self.includes:
            attributes["includes"] = self.includes
        if self.fields:
            attributes["fields"] = self.fields
        return attributes

    def rows_per_record_vary(self) -> bool:
        """CSV with includes: a record with to-many children takes a row per child."""
        return self.fmt == "csv" and bool(self.includes or any("." in f for f in self.fields))


@dataclass
class Outcome:
    counted: int
    slices: list[Slice] = field(default_factory=list)
    items: int = 0
    bytes: int = 0
    seconds: float = 0.0
    problem: str | None = None
    failed: Slice | None = None


def run(args: argparse.Namespace, api: Api) -> int:
    request = Request.from_args(args)
    output = Path(args.output)
    if not output.parent.is_dir():
        raise ClientError(f"-o {args.output}: no folder {output.parent}")
    if output.is_dir():
        raise ClientError(f"-o {args.output}: a folder, not a file")
    try:
        return export(args, api, request, output)
    except OSError as exc:  # the output's folder: read-only, full
        raise ClientError(f"-o {args.output}: {exc.strerror or exc}") from None


def export(args: argparse.Namespace, api: Api, request: Request, output: Path) -> int:
    started = time.monotonic()
    counted = count(api, request)
    outcome = Outcome(counted)
    if counted == 0:
        output.write_text("[]" if request.fmt == "json" else "")
        outcome.seconds = time.monotonic() - started
        display.err_console().print(f"No {request.resource_type} match: wrote an empty {output}")
        return report(args, request, outcome, output)
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        Exporter(api, request, outcome, work).export(output)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    outcome.seconds = time.monotonic() - started
    return report(args, request, outcome, output)


def count(api: Api, request: Request, **bounds: str) -> int:
    params = {**request.query(**bounds), "page[size]": "1"}
    return int(api.get(f"/api/{request.resource_type}", **params)["meta"]["record_count"])


def boundaries(api: Api, request: Request, part: Slice, total: int) -> list[str]:
    """The ids at positions SLICE, 2*SLICE, ... (0-based) of the slice's records in id order.
    Each is the record SLICE places after the one before (a page of one record, sorted by id,
    from that id on): every request skips SLICE records, rather than ever more of them."""
    found: list[str] = []
    low = part.low
    for _position in range(SLICE, total, SLICE):
        params = {
            **request.query(**Slice(low, part.high).bounds()),
            "sort": "id",
            "page[size]": "1",
            "page[number]": str(SLICE + 1),
        }
        page = api.get(f"/api/{request.resource_type}", **params)["data"]
        if not page:
            break  # records deleted meanwhile
        low = page[0]["id"]
        found.append(low)
    return found


def split(api: Api, request: Request, part: Slice, total: int) -> list[Slice]:
    edges = [part.low, *boundaries(api, request, part, total), part.high]
    return [Slice(low, high) for low, high in zip(edges, edges[1:], strict=False)]


class Exporter:
    """Creates, polls, downloads and joins the slices' exports."""

    def __init__(self, api: Api, request: Request, outcome: Outcome, work: Path) -> None:
        self.api = api
        self.request = request
        self.outcome = outcome
        self.work = work
        self.slices = split(api, request, Slice(None, None), outcome.counted)
        self.blocked_until = 0.0  # the organization had no free export slot

    def export(self, output: Path) -> None:
        partial = output.with_name(output.name + ".part")
        merger = Merger(partial, self.request.fmt)
        tracker: display.Tracker | None = None
        try:
            began = time.monotonic()
            self._start_waiting()  # a refused export (a bad field) is said before any progress
            tracker = display.Tracker(f"export {self.request.resource_type}", self.outcome.counted)
            tracker.started = began  # the rate counts from the first export's creation
            self._drive(merger, tracker)
        except BaseException:
            merger.discard()
            self._interrupt_running()
            raise
        finally:
            if tracker is not None:
                tracker.close()
        self.outcome.slices = self.slices
        if self.outcome.failed is not None:
            merger.discard()
            return
        merger.close()
        partial.replace(output)
        self.outcome.items = merger.items
        self.outcome.bytes = output.stat().st_size
        exported = sum(s.records for s in self.slices)
        self.outcome.problem = check(self.request, self.outcome.counted, exported, merger.items)

    def _drive(self, merger: Merger, tracker: display.Tracker) -> None:
        while True:
            self._start_waiting()
            running = [s for s in self.slices if s.status == "running"]
            if running:
                self._poll(running)
            if self.outcome.failed is not None:
                self._interrupt_running()
                return
            self._merge_ready(merger)
            tracker.update(self._done(), 0)
            if all(s.status in ("merged", "empty") for s in self.slices):
                return
            time.sleep(POLL_SECONDS)

    def _start_waiting(self) -> None:
        index = 0
        while index < len(self.slices):
            part = self.slices[index]
            index += 1
            running = sum(1 for s in self.slices if s.status == "running")
            if part.status != "waiting":
                continue
            if running >= IN_FLIGHT or time.monotonic() < self.blocked_until:
                return
            try:
                created = self.api.create("exports", self.request.attributes(part))
            except ApiFailure as refused:
                reason = _refusal(refused)
                if reason == "too_many_active":  # another user's exports hold the slots
                    self.blocked_until = time.monotonic() + 2.0
                    return
                if reason == "greater_than":  # its records were deleted meanwhile
                    part.status = "empty"
                    continue
                if reason == "less_than_or_equal_to":  # records added meanwhile
                    total = count(self.api, self.request, **part.bounds())
                    at = index - 1
                    self.slices[at : at + 1] = split(self.api, self.request, part, total)
                    index = at
                    continue
                raise
            part.export_id = created["id"]
            part.status = "running"
            part.records = int(created["attributes"].get("records_count") or 0)

    def _poll(self, running: list[Slice]) -> None:
        by_id = {s.export_id: s for s in running if s.export_id}
        # One request for all of them (at most 10: one page), not one per export.
        params = {"filter[q][id_in]": ",".join(by_id), "page[size]": "25"}
        for job in self.api.get("/api/exports", **params)["data"]:
            part = by_id.get(job["id"])
            if part is None:
                continue
            attributes = job["attributes"]
            part.processed = int(attributes.get("processed_count") or 0)
            part.records = int(attributes.get("records_count") or part.records)
            status = attributes["status"]
            if status == "completed":
                part.file = self.work / f"{job['id']}.{self.request.fmt}"
                with part.file.open("wb") as out:
                    gunzip_to(self.api, attributes["attachment_url"], out)
                part.status = "downloaded"
            elif status in FAILED:
                part.status = status
                part.errors = attributes.get("errors_log")
                self.outcome.failed = part
                return

    def _merge_ready(self, merger: Merger) -> None:
        for part in self.slices:
            if part.status in ("merged", "empty"):
                continue
            if part.status != "downloaded" or part.file is None:
                return
            merger.append(part.file)
            part.file.unlink()
            part.status = "merged"

    def _done(self) -> int:
        return sum(
            s.records if s.status in ("downloaded", "merged") else s.processed for s in self.slices
        )

    def _interrupt_running(self) -> None:
        for part in self.slices:
            if part.status == "running" and part.export_id:
                try:
                    self.api.update("exports", part.export_id, {"_interrupt": True})
                except ClientError:
                    pass  # best effort: the server ends it anyway


def check(request: Request, counted: int, exported: int, items: int) -> str | None:
    """What is wrong with an export's count, if anything: the slices' ``records_count`` must
    add up to the count taken first, and the file hold that many items (JSON) or data rows
    (CSV; with includes, at least that many: a record takes a row per to-many child)."""
    if exported != counted:
        return (
            f"records changed during the export: {counted:,} matched at the start, "
            f"the exports hold {exported:,}"
        )
    if request.rows_per_record_vary():
        if items < exported:
            return f"the file has {items:,} data rows for {exported:,} records"
    elif items != exported:
        kind = "items" if request.fmt == "json" else "data rows"
        return f"the file holds {items:,} {kind}, the exports {exported:,} records"
    return None


def _refusal(refused: ApiFailure) -> str | None:
    """What a 422 on creating an export was about (``meta.error`` of its first error)."""
    if refused.status != 422 or not refused.errors:
        return None
    meta = refused.errors[0].get("meta") or {}
    return meta.get("error") if isinstance(meta, dict) else None


def report(args: argparse.Namespace, request: Request, outcome: Outcome, output: Path) -> int:
    exports = [s.export_id for s in outcome.slices if s.export_id]
    failed = outcome.failed
    summary: dict[str, Any] = {
        "file": str(output) if failed is None else None,
        "resource_type": request.resource_type,
        "format": request.fmt,
        "records": outcome.counted,
        "items": outcome.items,
        "exports": exports,
        "bytes": outcome.bytes,
        "seconds": round(outcome.seconds, 2),
        "problem": outcome.problem,
    }
    if failed is not None:
        summary["failed"] = {"id": failed.export_id, "status": failed.status,
                             "errors_log": failed.errors}  # fmt: skip
    if failed is not None:
        print(
            f"bulkport: export {failed.export_id} ended {failed.status}: "
            f"{json.dumps(failed.errors) if failed.errors else 'no errors given'}; "
            "no file written",
            file=sys.stderr,
        )
    else:
        rows = [
            ("records", outcome.counted),
            ("exports", len(exports)),
            ("bytes", outcome.bytes),
            ("seconds", f"{outcome.seconds:.1f}"),
            ("file", str(output)),
        ]
        summary_table = display.table(f"Exported {request.resource_type}", ("", ""), rows)
        summary_table.show_header = False
        display.err_console().print(summary_table)
        if outcome.problem:
            print(f"bulkport: {outcome.problem} (the file is written)", file=sys.stderr)
    if args.json:
        print(json.dumps(summary), file=sys.stdout)
    return ITEMS_FAILED if failed is not None or outcome.problem else OK
