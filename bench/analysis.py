"""An import analysis of a 200,000-row, 20-column CSV (~40 MB): seconds and peak RSS.

    python bench/analysis.py [--rows 200000] [--runs 3]

Times the analysis pass alone (bulk/sources opened leniently, bulk/analysis.analyse, for
`skus`) beside the reader alone over the same file, best of the runs; no server or database.
The request adds the upload's copy and gzipping it to storage (about 1 s more for 40 MB).
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from bulk.analysis.analyse import analyse
from bulk.sources.reader import open_source
from resources import REGISTRY

HEADER = (
    "code,name,description,pieces_per_pack,weight,do_not_ship,Preis,Menge,Lager,email,currency,"
    "created,updated,notes,color,size,brand,ean,category,active\n"
)


def write_csv(path: Path, rows: int) -> None:
    pick = random.Random(1).choice
    with open(path, "w") as f:
        f.write(HEADER)
        for n in range(rows):
            f.write(
                f"SKU{n:07d},Artikel {n},Beschreibung des Artikels Nummer {n} mit Text,"
                f"{n % 48 + 1},{n % 10_000 / 1000:.3f},{pick(['true', 'false'])},{n % 9999}.99,"
                f"{n % 500},{pick(['WH1', 'WH2'])},user{n}@example.com,{pick(['EUR', 'USD'])},"
                f"2026-12-04,2026-12-04T10:00:00Z,{pick(['', 'note'])},{pick(['rot', 'blau'])},"
                f"{pick('SML')},{pick(['Acme', 'Globex'])},{4_000_000_000_000 + n},cat{n % 50},"
                f"{pick('01')}\n"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "analysis.csv"
        write_csv(path, args.rows)
        reader = analysis = float("inf")
        for _ in range(args.runs):
            start = time.perf_counter()
            sum(1 for _record in open_source(path, path.name, lenient=True).records())
            reader = min(reader, time.perf_counter() - start)
            start = time.perf_counter()
            result = analyse(open_source(path, path.name, lenient=True), REGISTRY["skus"])
            analysis = min(analysis, time.perf_counter() - start)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size = path.stat().st_size / 1e6
        shape = f"{result['total_rows']} rows, {len(result['columns'])} columns, {size:.1f} MB"
        print(f"{shape}: analysis {analysis:.2f} s (reader alone {reader:.2f} s), "
              f"peak RSS {peak:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
