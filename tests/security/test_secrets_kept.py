"""Secrets stay secret: files that hold them are readable by their owner only; a password typed as a name is not kept."""
from __future__ import annotations

from medapp.db.engine import open_engine


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    """It holds password and token hashes and was created -rw-r--r-- (a README review, 2026-12-05)."""
    open_engine(f"sqlite:///{tmp_path / 'medapp.db'}")
    assert (tmp_path / "medapp.db").stat().st_mode & 0o077 == 0


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
