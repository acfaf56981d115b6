"""Validation benchmark: the declaration-driven coercion and rules the importer runs per item,
against a pydantic-core validator built from the same SKU declaration, in the same process.

    python bench/validation.py [--items 10000]

Measured before choosing a compiled validator (issue "A set-based import engine"): pydantic-core
is ~15x faster per item, but validation is under 3% of an import's time, so the per-item path
stays until a columnar path makes it matter.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Annotated, NotRequired

from pydantic import VERSION, Field, TypeAdapter
from typing_extensions import TypedDict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from records.validation import check_record, coerce_attributes  # noqa: E402
from resources import REGISTRY  # noqa: E402

Text = Annotated[str, Field(max_length=255)]


class Sku(TypedDict):
    code: Text
    name: Text
    description: NotRequired[str | None]
    pieces_per_pack: NotRequired[int | None]
    weight: NotRequired[float | None]
    unit_of_weight: NotRequired[Text | None]
    hs_tariff_number: NotRequired[Text | None]
    do_not_ship: NotRequired[bool | None]
    do_not_track: NotRequired[bool | None]


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    n = parser.parse_args().items
    skus = REGISTRY["skus"]
    items = [
        {"code": f"SKU{i:06d}", "name": f"T-shirt {i}", "description": "Organic cotton",
         "pieces_per_pack": 1, "weight": 0.2, "unit_of_weight": "gr", "hs_tariff_number": "6109",
         "do_not_ship": False, "do_not_track": False}
        for i in range(n)
    ]  # fmt: skip

    def ours() -> None:
        for item in items:
            values, _errors, _unknown = coerce_attributes(skus, item)
            check_record(skus, values)

    adapter = TypeAdapter(list[Sku])
    ours_s = best_of(7, ours)
    theirs_s = best_of(7, lambda: adapter.validate_python(items))
    print(f"{n} SKU items; pydantic {VERSION}")
    print(f"declaration-driven coerce + check: {ours_s * 1000:8.1f} ms")
    print(f"pydantic-core TypedDict:           {theirs_s * 1000:8.1f} ms")
    print(f"ratio: {ours_s / theirs_s:.1f}x")


if __name__ == "__main__":
    main()
