"""Where medapp keeps its state. Defaults are embedded (./var); environment variables override."""
from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from .types import InputError

# The checkout's root (models/, var/); here, not in the registry, which loads every modality: config sits below them
REPO_ROOT = Path(__file__).resolve().parent.parent


def var_dir(create: bool = True) -> Path:
    """Runtime state: the SQLite database, content-addressed blobs. MEDAPP_VAR_DIR overrides ./var."""
    path = Path(os.environ.get("MEDAPP_VAR_DIR", REPO_ROOT / "var"))
    if create:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)  # database, salt, inputs: owner only
    return path


def database_url(create: bool = True) -> str:
    """MEDAPP_DATABASE_URL (e.g. postgresql+psycopg://...) or the embedded SQLite file under var/."""
    return os.environ.get("MEDAPP_DATABASE_URL") or f"sqlite:///{var_dir(create) / 'medapp.db'}"


def deid_salt() -> str:
    """The secret that de-identified DICOM UIDs are derived from: MEDAPP_DEID_SALT, else one drawn once per data
    folder (var/deid_salt, readable by its owner only). It was a fixed string shared by every installation, so
    two hospitals running medapp gave a study the same "new" UID, and anyone could re-derive it from the original."""
    given = os.environ.get("MEDAPP_DEID_SALT")
    if given:
        return given
    path = var_dir() / "deid_salt"
    try:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_hex(32))  # the first process to get here draws it; every other reads it
    except FileExistsError:
        pass
    for _ in range(50):  # another process may have created it a moment ago and still be writing
        salt = path.read_text().strip()
        if salt:
            return salt
        time.sleep(0.01)
    # not "delete it": a new salt gives every study new de-identified UIDs, so one sent again is stored twice
    raise RuntimeError(f"{path} is empty: restore it from the backup (or set MEDAPP_DEID_SALT to the salt in use); "
                       "delete it only on a new installation, which then draws one")


_UID_ROOT_FORM = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*\.$")


def uid_root() -> str | None:
    """MEDAPP_UID_ROOT: the organisation's DICOM UID root, ending in "." (e.g. "1.2.826.0.1.1234567.5."), for the UIDs
    medapp makes (de-identified copies, results sent to a PACS); None: pydicom's own root (1.2.826.0.1.3680043.8.498.),
    which a PACS administrator's review found on every object medapp wrote. A root that is not one is refused."""
    root = os.environ.get("MEDAPP_UID_ROOT", "").strip()
    if not root:
        return None
    if not _UID_ROOT_FORM.match(root) or len(root) > 40:
        raise InputError(f"The setting MEDAPP_UID_ROOT {root!r} is not a DICOM UID root: digits in dot-separated parts, no leading "
                         "zeros, ending in '.', at most 40 characters (e.g. 1.2.826.0.1.1234567.5.).")
    return root
