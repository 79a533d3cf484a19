"""Case store maintenance from the command line: stored inputs no analysis refers to, and erasure."""
from __future__ import annotations

import argparse
import sys

from ..cli_audit import os_account


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
    store.audit(os_account(), "blobs.collect", "blobs", removed=len(gone),
                older_than_hours=args.older_than_hours)
    return 0


def _erase(args: argparse.Namespace) -> int:
    """Erase a case, an analysis or one reviewer's verdict (medapp/cases/erasure.py) as the system's administrator."""
    from ..db.engine import require_existing
    from .erasure import erase_analysis, erase_case, erase_title, erase_verdict
    from .store import CaseStore, StoreError

    if args.reviewer is not None and args.analysis is None:
        print("error: --reviewer names whose verdict to erase on one --analysis", file=sys.stderr)
        return 2
    if args.title and args.case is None:
        print("error: --title erases the title of one --case", file=sys.stderr)
        return 2
    require_existing()
    store = CaseStore()
    actor = {"username": os_account(), "role": "admin"}  # whoever can run this can open the database
    try:
        if args.case is not None:
            case_id = store.case_named(args.case)
            if case_id is None:
                raise StoreError(f"There is no case with the reference '{args.case}'.")
            done = (erase_title if args.title else erase_case)(store, case_id, actor, args.reason)
        elif args.reviewer is not None:
            done = erase_verdict(store, args.analysis, args.reviewer, actor, args.reason)
        else:
            done = erase_analysis(store, args.analysis, actor, args.reason)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(done.sentence())
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

    p = sub.add_parser("erase", help="erase a case, an analysis or a reviewer's verdict that holds an identifier "
                                     "(deletes it and its stored input; the audit keeps who, when and why)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--case", metavar="REFERENCE", help="the whole case: its analyses, verdicts and inputs")
    which.add_argument("--analysis", type=int, metavar="ID", help="one analysis (with --reviewer: that verdict only)")
    p.add_argument("--reviewer", metavar="USER", help="with --analysis: erase only this reviewer's verdict")
    p.add_argument("--title", action="store_true", help="with --case: erase only the case's title")
    p.add_argument("--reason", required=True, help="why (kept in the audit trail: never the identifier itself)")
    p.set_defaults(func=_erase)
