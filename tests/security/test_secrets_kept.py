"""Secrets stay secret: files that hold them are readable by their owner only; a password typed as a name is not kept."""
from __future__ import annotations

from medapp.db.engine import open_engine


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    """It holds password and token hashes and was created -rw-r--r-- (a README review, 2026-12-05)."""
    open_engine(f"sqlite:///{tmp_path / 'medapp.db'}")
    assert (tmp_path / "medapp.db").stat().st_mode & 0o077 == 0


def test_a_database_restored_readable_by_others_is_made_owner_only_when_opened(tmp_path, caplog):
    """A backup made with sqlite3's .backup under the usual umask, restored into a fresh MEDAPP_VAR_DIR, stayed
    -rw-r--r-- with its -wal and -shm (an IT review): the app now takes other users' access away on opening."""
    import sqlite3

    source = tmp_path / "live.db"
    open_engine(f"sqlite:///{source}")
    restored = tmp_path / "restored" / "medapp.db"
    restored.parent.mkdir()
    with sqlite3.connect(source) as live, sqlite3.connect(restored) as copy:
        live.backup(copy)
    for part in (restored, restored.parent / "medapp.db-wal"):
        part.touch()
        part.chmod(0o644)
    with caplog.at_level("WARNING", logger="medapp.db.engine"):
        open_engine(f"sqlite:///{restored}")
    assert restored.stat().st_mode & 0o777 == 0o600
    assert (restored.parent / "medapp.db-wal").stat().st_mode & 0o777 == 0o600
    assert "medapp.db was readable by other users of this machine" in caplog.text


def test_a_password_typed_into_the_name_box_is_not_kept_in_the_audit_trail(tmp_path):
    """'mysecretpassw0rd!' typed as the user name was stored in clear in the audit trail and its CSV (a security
    review). A name no account can have is kept as a digest; a possible one as typed (it may be an attack)."""
    from medapp.cases.blobs import BlobStore
    from medapp.cases.store import CaseStore
    from medapp.security.accounts import authenticate

    store = CaseStore(f"sqlite:///{tmp_path / 'a.db'}", BlobStore(tmp_path / "blobs"))
    assert authenticate(store, "mysecretpassw0rd!", "whatever") is None
    assert authenticate(store, "nosuchuser", "whatever") is None
    names = [e["username"] for e in store.audit_events(action="login.failed")]
    assert "nosuchuser" in names and not any("mysecretpassw0rd" in n for n in names)
    assert any(n.startswith("(not a possible user name ") for n in names)
