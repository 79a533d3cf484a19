"""Where medapp keeps its state. Defaults are embedded (./var); environment variables override."""
from __future__ import annotations

import os
from pathlib import Path

from .registry import REPO_ROOT


def var_dir() -> Path:
    """Runtime state: the SQLite database, content-addressed blobs. MEDAPP_VAR_DIR overrides ./var."""
    path = Path(os.environ.get("MEDAPP_VAR_DIR", REPO_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """MEDAPP_DATABASE_URL (e.g. postgresql+psycopg://...) or the embedded SQLite file under var/."""
    return os.environ.get("MEDAPP_DATABASE_URL") or f"sqlite:///{var_dir() / 'medapp.db'}"
