"""``bulkport import FILE --type TYPE``: a file of any size into the server's imports.

A file within the server's upload limit goes up as one multipart upload. A bigger one (or
``--chunk-size``) is split here into imports of at most 10,000 items, an item's rows never
apart (client/chunks.py), each uploaded with the same settings under one reference group
(``<group>-0001``, ``-0002``, ...). At most ten are in flight at once (client/flight.py); each
POST carries its own Idempotency-Key, so a retried chunk never runs twice.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from client import error_files
from client.chunks import Chunk, split
from client.connection import Api, ApiFailure, ClientError, new_key
from client.display import Tracker, err_console, table
from client.exit_codes import ITEMS_FAILED, OK, UNUSABLE
from client.flight import FAILED, Flight, Job, admitted, list_imports, totals
from client.import_options import Options, form_fields, profile_mapping, type_facts

CONTENT_TYPES = {"csv": "text/csv", "ndjson": "application/x-ndjson"}
PLAN_COUNTS = ("create", "update", "unchanged", "delete", "error")
FILL = 0.9  # of the upload limit a chunk may take (items vary in length)


class Run:
    """One ``bulkport import``: its uploads, their progress and the summary."""

    def __init__(self, args: argparse.Namespace, api: Api, options: Options) -> None:
        self.args = args
        self.api = api
        self.options = options
        self.fields = form_fields(args, options)
        self.started = time.monotonic()
        self.tracker: Tracker | None = None
        self.plan: dict[str, int] | None = None  # a preview's summed plan_counts
        self.flight = Flight(api, on_poll=self._progress)

    # -- uploads ---------------------------------------------------------------------------

    def _post(self, number: int, file: Any, metadata: dict[str, Any], key: str) -> dict[str, Any]:
        """One upload; ``key`` (its Idempotency-Key) is kept across its retries."""
        group = self.options.group
        data = {**self.fields, "reference": f"{group}-{number:04d}"}
        data["metadata"] = json.dumps({"chunk_number": number, **metadata, "group_id": group})
        response = self.api.request(
            "POST", "/api/imports", data=data, files={"file": file}, idempotency_key=key
        )
        return dict(response.json()["data"])

    def upload_whole(self) -> Job:
        """The file as it is: one import (a 413 is the caller's to handle)."""
        path = self.options.path
        opened: list[Any] = []

        def file() -> tuple[str, Any]:
            opened.append(path.open("rb"))  # a retry sends the file again from its start
            return path.name, opened[-1]

        job = Job(f"{self.options.group}-0001", start=None)
        try:
            key = new_key()
            job.started(admitted(lambda: self._post(1, file, {}, key)))
        finally:
            for handle in opened:
                handle.close()
        return job

    def chunk_jobs(
        self,
        size: int,
        key: tuple[tuple[str, ...], ...],
        limit: int | None,
        mapping: dict[str, Any] | None,
    ) -> Iterator[Job]:
        """A job per chunk, made as the flight has room for it. The first chunk is uploaded
        here: items so long that ``size`` of them pass the upload limit (the limit the server
        tells, or a 413) make smaller chunks, the file split again."""
        options = self.options
        while True:
            chunks = split(options.path, format=options.format, size=size, key=key, mapping=mapping)
            first = next(chunks, None)
            if first is None:
                return
            if limit and len(first.data) > limit * FILL and size > 1:
                size = max(1, int(first.items * limit * FILL / len(first.data)))
                continue
            job, once = self._chunk_job(first), new_key()
            try:
                job.started(admitted(partial(self._upload, first, once)))
            except ApiFailure as failure:
                if failure.status != 413 or size == 1:
                    raise
                size = max(1, size // 2)
                continue
            break
        yield job
        for chunk in chunks:
            yield self._chunk_job(chunk)

    def _chunk_job(self, chunk: Chunk) -> Job:
        job = Job(f"{self.options.group}-{chunk.number:04d}", start=None, items=chunk.items)
        key = new_key()  # one per chunk: its retries (and slot waits) replay, never run twice

        def start() -> dict[str, Any]:
            try:
                return self._upload(chunk, key)
            except ApiFailure as failure:
                if failure.status != 413:
                    raise
                raise ClientError(
                    f"chunk {chunk.number} ({len(chunk.data):,} bytes) is over the server's "
                    "upload limit: give a smaller --chunk-size"
                ) from None

        job.start = start
        return job

    def _upload(self, chunk: Chunk, key: str) -> dict[str, Any]:
        file = (chunk.file_name, chunk.data, CONTENT_TYPES.get(chunk.format, "text/plain"))
        metadata = {"chunk_items": chunk.items, "first_item": chunk.first_item}
        return self._post(chunk.number, file, metadata, key)

    # -- progress --------------------------------------------------------------------------

    def _progress(self, jobs: list[Job]) -> None:
        if self.tracker is None:
            return
        done = sum(job.count("processed_count") + job.count("errors_count") for job in jobs)
        errors = sum(job.count("errors_count") for job in jobs)
        sizes = [job.size() for job in jobs]
        total = sum(s for s in sizes if s) if all(sizes) else None
        self.tracker.update(done, errors, total)

    def follow(self, label: str, jobs: Any) -> list[Job]:
        self.tracker = Tracker(label, None)
        try:
            return self.flight.run(jobs)
        finally:
            self.tracker.close()
            self.tracker = None


def run(args: argparse.Namespace, api: Api) -> int:
    options = Options.from_args(args)
    mapping = options.mapping or profile_mapping(api, args.profile)
    facts = type_facts(api, options.resource_type, mapping)
    chunk_size = min(options.chunk_size or facts.inputs_max, facts.inputs_max)
    whole = options.chunk_size is None and (
        facts.upload_max_bytes is None or options.path.stat().st_size <= facts.upload_max_bytes
    )
    if not whole:
        refuse_cleanup(args, facts.upload_max_bytes)
    command = Run(args, api, options)
    say(f"import group {options.group} (bulkport imports list --group {options.group})")
    limit = facts.upload_max_bytes
    try:
        first = command.upload_whole() if whole else None
    except ApiFailure as failure:
        if failure.status != 413:
            raise
        refuse_cleanup(args, None)
        say(f"{options.path.name} is over the server's upload limit: importing it in chunks")
        first = None
    jobs: Any = [first] if first else command.chunk_jobs(chunk_size, facts.key, limit, mapping)
    label = f"{'preview' if args.preview else 'import'} {options.path.name}"
    try:
        done = command.follow(label, jobs)
        if args.preview:
            done, committed = preview_then_commit(command, done)
            if not committed:
                return report(command, done, committed=False)
        return report(command, done, committed=True)
    except (KeyboardInterrupt, ClientError) as stop:
        running = command.flight.running()
        if running:
            ids = ", ".join(f"{job.id} ({job.reference})" for job in running)
            say(f"imports still running on the server: {ids}")
        if isinstance(stop, KeyboardInterrupt):
            say("interrupted: no more chunks started")
            return UNUSABLE
        raise


def refuse_cleanup(args: argparse.Namespace, limit: int | None) -> None:
    """``--cleanup`` per chunk would delete the records of every other chunk."""
    if not args.cleanup:
        return
    why = "--chunk-size splits it" if args.chunk_size else "the file is over the upload limit"
    if limit and not args.chunk_size:
        why += f" ({limit:,} bytes)"
    raise ClientError(
        f"--cleanup needs the file in one upload, and {why}: each chunk's cleanup would delete "
        "the other chunks' records. Raise BULKPORT_UPLOAD_MAX_BYTES on the server, or import "
        "without --cleanup and then run a cleanups job"
    )


def preview_then_commit(command: Run, jobs: list[Job]) -> tuple[list[Job], bool]:
    """Every chunk previewed: the summed plan shown, then committed if the user says so."""
    if any(job.status != "previewed" for job in jobs):
        say("a preview did not complete: nothing committed")
        return jobs, False
    plan = {name: sum(int((job.attributes.get("plan_counts") or {}).get(name) or 0)
                      for job in jobs) for name in PLAN_COUNTS}  # fmt: skip
    err_console().print(table("Plan", PLAN_COUNTS, [[plan[name] for name in PLAN_COUNTS]]))
    command.plan = plan
    if not confirmed(command.args):
        return jobs, False
    commits = [Job(job.reference, start=_committer(command.api, job)) for job in jobs]
    command.flight = Flight(command.api, on_poll=command._progress)
    return command.follow(f"import {command.options.path.name}", commits), True


def _committer(api: Api, job: Job) -> Any:
    assert job.id is not None
    job_id = job.id
    return lambda: api.update("imports", job_id, {"_commit": True})


def confirmed(args: argparse.Namespace) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        say("not a terminal and no --yes: nothing committed (the previews expire in 24 hours)")
        return False
    print("Commit? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer in ("y", "yes"):
        return True
    say("nothing committed (the previews expire in 24 hours)")
    return False


def report(command: Run, jobs: list[Job], *, committed: bool) -> int:
    """The summary (stderr, or JSON on stdout) and the errors file; the exit code."""
    args = command.args
    counts = totals(jobs) if committed else dict.fromkeys(totals([]), 0)
    seconds = round(time.monotonic() - command.started, 1)
    failed = any(job.status in FAILED for job in jobs) or counts["errors"] > 0
    errors_file = write_errors(command, jobs) if committed and args.errors_out else None
    if args.json:
        summary: dict[str, Any] = {"group": command.options.group, **counts}
        summary["imports"] = [
            {"id": job.id, "reference": job.reference, "status": job.status} for job in jobs
        ]
        summary.update(seconds=seconds, committed=committed, errors_file=errors_file)
        if command.plan is not None:
            summary["plan"] = command.plan
        print(json.dumps(summary, indent=2))
    else:
        rows: list[list[Any]] = [["group", command.options.group]]
        rows += [[name, f"{value:,}"] for name, value in counts.items()]
        rows += [["imports", f"{len(jobs):,}"], ["time", f"{seconds:.1f} s"]]
        err_console().print(table("Summary", ["", "total"], rows))  # a row each: any width
    statuses = sorted({job.status for job in jobs if job.status in FAILED})
    if statuses:
        say(f"imports ended {', '.join(statuses)}: bulkport imports list --group "
            f"{command.options.group}")  # fmt: skip
    return ITEMS_FAILED if failed else OK


def write_errors(command: Run, jobs: list[Job]) -> str | None:
    """The failed items of all the imports in ``--errors-out`` (its URLs signed afresh)."""
    out = Path(command.args.errors_out)
    with_errors = [job.id for job in jobs if job.count("errors_count")]
    found = {d["id"]: d.get("attributes") or {} for d in list_imports(command.api, with_errors)}
    urls = [url for i in with_errors if (url := found.get(i, {}).get("errors_url"))]  # in order
    rows = error_files.merge(command.api, urls, out)
    if not rows:
        say(f"no failed items: {out} not written (an older one removed)")
        return None
    say(f"failed items written to {out} ({rows:,} rows with _errors): fix and import it again")
    return str(out)


def say(message: str) -> None:
    print(f"bulkport: {message}", file=sys.stderr, flush=True)
