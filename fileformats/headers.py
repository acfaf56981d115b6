"""A header's column names, as a file gives them."""

from __future__ import annotations


def names(cells: list[str]) -> list[str]:
    """The header's names: cells stripped, empty trailing cells dropped (spreadsheets and
    exported CSV often carry them)."""
    out = [c.strip() for c in cells]
    while out and out[-1] == "":
        out.pop()
    return out


def problem(names: list[str], line: int) -> str | None:
    """Why a header of these names cannot be read, if it cannot: a column without a name, or
    names given twice."""
    if "" in names:
        return f"line {line}: column {names.index('') + 1} of the header has no name"
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        return f"line {line}: the header repeats {', '.join(repeated)}"
    return None
