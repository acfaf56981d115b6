"""Schema migrations (alembic), configured in code so they run from an installed package."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

from core.db import private_sqlite_file
from core.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    # ConfigParser would read "%" in a password as interpolation.
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    if settings.is_sqlite:
        private_sqlite_file(settings.database_url)
    command.upgrade(alembic_config(settings), revision)


def _add_ruff_hooks(config: Config) -> None:
    """Format generated revisions with ruff when it is installed (next to Python or on PATH)."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if not ruff:
        return
    config.set_section_option("post_write_hooks", "hooks", "ruff_format, ruff_fix")
    # Format first so that only what formatting cannot fix is left for `check` to report.
    for name, args in (("ruff_format", "format"), ("ruff_fix", "check --fix --exit-zero")):
        config.set_section_option("post_write_hooks", f"{name}.type", "exec")
        config.set_section_option("post_write_hooks", f"{name}.executable", ruff)
        config.set_section_option(
            "post_write_hooks", f"{name}.options", f"{args} REVISION_SCRIPT_FILENAME"
        )


def autogenerate(settings: Settings, message: str) -> None:
    """Write a new revision from the difference between the models and an up-to-date database.

    Point ``settings`` at a scratch database: it is upgraded to head first, which autogenerate
    needs to compare against.
    """
    upgrade(settings)
    config = alembic_config(settings)
    _add_ruff_hooks(config)
    command.revision(config, message=message, autogenerate=True)
