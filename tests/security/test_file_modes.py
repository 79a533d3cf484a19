"""Files that hold secrets are readable by their owner only."""
from __future__ import annotations

from medapp.db.engine import open_engine


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    """It holds password and token hashes and was created -rw-r--r-- (a README review, 2026-12-05)."""
    open_engine(f"sqlite:///{tmp_path / 'medapp.db'}")
    assert (tmp_path / "medapp.db").stat().st_mode & 0o077 == 0
