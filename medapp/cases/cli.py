"""Case store maintenance from the command line: stored inputs no analysis refers to."""
from __future__ import annotations

import argparse
import getpass
import sys


def _collect_blobs(args: argparse.Namespace) -> int:
    """Stored inputs no analysis refers to (a save refused after its input was stored), older than --older-than."""
    from ..db.engine import require_existing
    from .store import CaseStore

    require_existing()  # a mistyped MEDAPP_VAR_DIR is said, not answered "0 removed" from a new empty database
    store = CaseStore()
    gone = store.collect_unreferenced_blobs(args.older_than_hours * 3600)
    for digest in gone:
        print(digest)
    print(f"{len(gone)} unreferenced stored inputs removed", file=sys.stderr)
    store.audit(f"cli:{getpass.getuser()}", "blobs.collect", "blobs", removed=len(gone),
                older_than_hours=args.older_than_hours)
    return 0


def _hours(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} hours: give 0 or more")
    return value


def register(sub) -> None:
    p = sub.add_parser("blobs", help="store maintenance: blobs collect removes stored inputs no analysis refers to")
    bsub = p.add_subparsers(dest="blobs_command", required=True)
    p = bsub.add_parser("collect", help="remove stored inputs that no analysis refers to (a refused save leaves one)")
    p.add_argument("--older-than-hours", type=_hours, default=1.0,
                   help="only those written or touched at least this long ago (default 1: a save in progress keeps "
                        "its own)")
    p.set_defaults(func=_collect_blobs)
