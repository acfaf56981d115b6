"""``bulkport import FILE --type TYPE``."""

from __future__ import annotations

import argparse

from client.connection import Api


def run(args: argparse.Namespace, api: Api) -> int:
    raise NotImplementedError
