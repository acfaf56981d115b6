"""Operator commands: ``bulkport imports list|show|errors|watch|revert``, ``exports list|show``."""

from __future__ import annotations

from typing import Any


def add_commands(commands: Any, client_command: Any) -> None:
    return None
