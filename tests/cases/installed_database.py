"""A database as an earlier release left it, for the upgrade tests of the case store."""
from __future__ import annotations

import contextlib


@contextlib.contextmanager
def database_at(path, revision: str):
    """An SQLite database as an installation left it at `revision` (the upgrade a running hospital takes): yields
    (engine, connection in a transaction) to fill it with that revision's rows; the caller migrates it after."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from medapp.db import engine as engine_module

    raw = create_engine(f"sqlite:///{path}")
    cfg = Config()
    cfg.set_main_option("script_location", str(engine_module.MIGRATIONS))
    with raw.begin() as c:
        cfg.attributes["connection"] = c
        command.upgrade(cfg, revision)
        yield raw, c
