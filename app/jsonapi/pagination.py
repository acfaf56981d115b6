"""Page-number pagination: limit/offset, counts and absolute, percent-encoded links."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from app.jsonapi.document import Renderer
from app.jsonapi.parameters import QuerySpec

PAGE_NUMBER = urlencode([("page[number]", "")])  # `page%5Bnumber%5D=`


class PageNumberPaginator:
    def __init__(self, spec: QuerySpec, total: int) -> None:
        self.spec = spec
        self.total = total
        self.page_count = math.ceil(total / spec.page_size)  # 0 when empty, as Commerce Layer

    @property
    def limit(self) -> int:
        return self.spec.page_size

    @property
    def offset(self) -> int:
        return (self.spec.page_number - 1) * self.spec.page_size

    def meta(self) -> dict[str, Any]:
        return {"record_count": self.total, "page_count": self.page_count}

    def links(self, renderer: Renderer, *path: str) -> dict[str, str | None]:
        # The query but for the page number, encoded once for the four links (urlencode of a
        # list is the encodings of its pairs joined by "&").
        others = [(k, v) for k, v in self.spec.raw if k not in ("page[number]", "page[size]")]
        query = urlencode(others)
        head = f"{renderer.url(*path)}?{query}&" if query else f"{renderer.url(*path)}?"
        size = urlencode([("page[size]", str(self.spec.page_size))])

        def page(number: int) -> str:
            return f"{head}{PAGE_NUMBER}{number}&{size}"

        n = self.spec.page_number
        return {
            "first": page(1),
            "prev": page(n - 1) if n > 1 else None,
            "next": page(n + 1) if n < self.page_count else None,
            "last": page(max(1, self.page_count)),
        }
