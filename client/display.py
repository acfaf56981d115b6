"""What the client commands show: one progress bar on a terminal (rich), plain progress lines
otherwise (a cron job's log), and tables of jobs and results.

Everything goes to stderr except what a command was asked to print (``--json``, ``show``,
``list``): stdout stays parseable in a pipe.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

PLAIN_EVERY_SECONDS = 5.0  # a progress line at most this often when stderr is not a terminal


def err_console() -> Console:
    return Console(file=sys.stderr, highlight=False)


def out_console() -> Console:
    return Console(file=sys.stdout, highlight=False, soft_wrap=True)


class Tracker:
    """Progress of items done out of a total (which may grow as chunks are counted), and of
    errors: a live bar on a terminal, else a line every few seconds and one at the end."""

    def __init__(self, label: str, total: int | None, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.label = label
        self.total = total
        self.done = 0
        self.errors = 0
        self.started = time.monotonic()
        self._last_line = 0.0
        self._progress: Progress | None = None
        if self.stream.isatty():
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TaskProgressColumn(),
                TextColumn("[red]{task.fields[errors]} errors"),
                TextColumn("{task.fields[rate]} items/s"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._task = self._progress.add_task(label, total=total, errors=0, rate="-")
            self._progress.start()

    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def update(self, done: int, errors: int, total: int | None = None) -> None:
        self.done, self.errors = done, errors
        if total is not None:
            self.total = total
        if self._progress is not None:
            self._progress.update(
                self._task, completed=done, total=self.total, errors=errors,
                rate=f"{self.rate():,.0f}",
            )  # fmt: skip
            return
        now = time.monotonic()
        if now - self._last_line >= PLAIN_EVERY_SECONDS:
            self._last_line = now
            self._line()

    def _line(self) -> None:
        total = f"/{self.total:,}" if self.total is not None else ""
        eta = ""
        rate = self.rate()
        if self.total and rate > 0 and self.done < self.total:
            eta = f", ETA {int((self.total - self.done) / rate)} s"
        print(
            f"{self.label}: {self.done:,}{total} items, {self.errors:,} errors, "
            f"{rate:,.0f} items/s{eta}",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
        else:
            self._line()


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A table with right-aligned numbers."""
    grid = Table(title=title, title_justify="left")
    materialized = [list(row) for row in rows]
    for index, name in enumerate(columns):
        numeric = bool(materialized) and all(
            isinstance(row[index], int | float) for row in materialized if row[index] is not None
        )
        grid.add_column(name, justify="right" if numeric else "left")
    for row in materialized:
        grid.add_row(*(_cell(v) for v in row))
    return grid


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
