"""One audit row for each command-line run that analysed patients' data (`predict`, `transcribe`, `pacs analyse`).

The pages and the API write a row for every analysis; a quality auditor found that the same models run from a
shell left no trace. The row names the operating-system account (`cli:<name>`), the model and the code, and
counts: never file names, which often carry a patient's name or number."""
from __future__ import annotations

import getpass
import os
import sys
from typing import Any


def os_account() -> str:
    """The account running the command, as the audit trail names it; a container without a passwd entry for its
    uid has no name (getpass raises), so the uid stands in."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return f"cli:uid-{os.getuid()}"


def audit_run(action: str, target: str, **detail: Any) -> bool:
    """Write the run's row with the code's build; False, with the reason on stderr, when it could not be written
    (the results printed stand; the command then exits 1: a run that left no trace is not a clean run)."""
    from .build import build_id
    from .db.database import Database

    try:
        Database().audit(os_account(), action, target, **detail, app=build_id())
    except Exception as exc:  # noqa: BLE001 - any database failure: said, never a traceback after the results
        print(f"error: the audit trail could not be written ({exc}); this run is not recorded", file=sys.stderr)
        return False
    return True
