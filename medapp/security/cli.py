"""`python -m medapp users ...`: create the first admin and manage accounts from a shell."""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from ..cli_args import positive_int
from ..cli_audit import os_account
from .roles import ROLES


def _store(create: bool = False):
    """The database; one that does not exist yet is refused unless `create` (the first admin creates it)."""
    from ..db.database import Database
    from ..db.engine import require_existing

    if not create:
        require_existing()
    return Database()  # accounts need the users table and the audit trail only


def _cli_actor() -> dict:
    # Whoever can run commands on the server is an administrator; the audit trail names them.
    return {"username": os_account(), "role": "admin"}


def _refused(message: str) -> SystemExit:
    """Exit 2, as every other refused input (SystemExit with a message exits 1: an IT review)."""
    print(f"error: {message}", file=sys.stderr)
    return SystemExit(2)


def _password(args: argparse.Namespace) -> str:
    if getattr(args, "password", None):
        return args.password
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise _refused(f"environment variable {args.password_env} is not set or empty")
        return value
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise _refused("the passwords differ")
    return first


def _add(args: argparse.Namespace) -> int:
    from .accounts import AccountError, create_user

    role = "admin" if args.admin else args.role
    try:
        create_user(_store(create=True), args.name, _password(args), role, by=_cli_actor()["username"])
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"created {role} {args.name.strip().lower()}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from .accounts import list_users

    users = list_users(_store())
    if not users:  # it printed nothing
        print("no accounts yet: python -m medapp users add --admin NAME (or open the app: its first screen creates "
              "the first administrator)", file=sys.stderr)
    for u in users:
        print(f"{u['username']:24} {u['role']:10} {'active' if u['active'] else 'disabled'}")
    return 0


def _update(args: argparse.Namespace) -> int:
    from .accounts import AccountError, update_user
    from .tokens import tokens_text

    if not (args.role or args.disable or args.enable or args.reset_password):  # printed "updated", changed nothing
        print("error: nothing to change: give --role, --disable, --enable or --reset-password", file=sys.stderr)
        return 2
    try:
        revoked = update_user(_store(), _cli_actor(), args.name, role=args.role,
                    active=False if args.disable else (True if args.enable else None),
                    password=_password(args) if args.reset_password else None)
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"updated {args.name}" + (f" ({tokens_text(revoked)} revoked)" if revoked else ""))
    return 0


def _audit(args: argparse.Namespace) -> int:
    """The audit trail, newest first, one JSON object per line (or CSV): what an IT engineer reads or ships to a
    log store without opening the Admin page."""
    import json
    from datetime import UTC, datetime, time

    def when(text: str | None, flag: str) -> datetime | None:
        if text is None:
            return None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{flag} {text!r} is not a date or time (e.g. 2026-12-04 or 2026-12-04T13:00)") from None
        if flag == "--until" and len(text) == 10:  # a date: the whole day, as the Admin page's "Between" reads it
            moment = datetime.combine(moment.date(), time.max)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

    if args.verify:
        return _verify()
    try:
        since, until = when(args.since, "--since"), when(args.until, "--until")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # user names are kept in lower case ("--user CLEO" found nothing), and the user's account changes by others
    # are theirs too ("--user cleo" missed an admin disabling cleo: an IT review)
    user = args.user.strip().lower() if args.user else None
    store = _store()
    filters = {"username": user, "action": args.action, "since": since, "until": until, "about_account": True}
    rows = _all_events(store, filters, args.limit)
    if args.format == "csv":  # as the Admin page's download: spreadsheet formulas defused, times in UTC
        import pandas as pd

        from .audit import audit_csv, readable_audit

        frame = pd.DataFrame(rows, columns=["id", "at", "username", "action", "target", "detail"])
        sys.stdout.write(audit_csv(readable_audit(frame, store)))
    else:
        for r in rows:
            at = r["at"].replace(tzinfo=UTC) if r["at"].tzinfo is None else r["at"]  # stored as UTC without a zone
            print(json.dumps({**r, "at": at.isoformat(timespec="seconds")}, sort_keys=True, default=str))
    said = f"{len(rows)} audit {'event' if len(rows) == 1 else 'events'}"
    if args.limit is not None and len(rows) == args.limit and (matching := store.audit_count(**filters)) > len(rows):
        said += f": the newest {len(rows):,} of {matching:,} that match (--limit); the rest were not printed"
    # an export is itself on the trail, as the Admin page's CSV is (a re-check: repeated exports left no row)
    store.audit(_cli_actor()["username"], "audit.export", "audit", rows=len(rows), via="command line",
                filters={"user": user, "action": args.action, "since": args.since, "until": args.until,
                         "limit": args.limit, "format": args.format})
    print(said, file=sys.stderr)
    return 0


def _verify() -> int:
    """Every saved analysis against its save's audit row, every kept card against its SHA-256 (security/verify.py)."""
    from .verify import verify_records

    store = _store()  # the database only: analyses, kept cards and the trail are its tables
    problems, analyses, cards = verify_records(store)
    for problem in problems:
        print(problem)
    print(f"{analyses} saved analyses and {cards} kept model cards checked: "
          + (f"{len(problems)} {'disagreement' if len(problems) == 1 else 'disagreements'}" if problems
             else "each agrees with its audit row"), file=sys.stderr)
    store.audit(_cli_actor()["username"], "audit.verify", "audit", analyses=analyses, cards=cards,
                problems=len(problems))
    return 1 if problems else 0


def _all_events(store, filters: dict, limit: int | None) -> list[dict]:
    """Every matching event, newest first, read 10,000 at a time (an export capped at 10,000 without a word lost a
    busy day's oldest rows: an IT review); `limit`: at most that many."""
    rows: list[dict] = []
    while limit is None or len(rows) < limit:
        page = store.audit_events(**filters, limit=10_000 if limit is None else min(10_000, limit - len(rows)),
                                  before_id=rows[-1]["id"] if rows else None)
        rows.extend(page)
        if len(page) < 10_000:
            break
    return rows


def register(sub) -> None:
    p = sub.add_parser("audit", help="print the audit trail, newest first (JSON lines or CSV)")
    p.add_argument("--user", help="only events by this user (API calls are their token owner's) or done to their "
                                  "account or API tokens")
    p.add_argument("--action", help="only this action, e.g. login.failed, analysis.save, api.infer")
    p.add_argument("--since", help="from this date or time (ISO 8601, UTC unless a zone is given)")
    p.add_argument("--until", help="up to this date (the whole day) or time")
    p.add_argument("--limit", type=positive_int, default=None,
                   help="at most this many events, the newest (default: every event that matches)")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    p.add_argument("--verify", action="store_true",
                   help="check every saved analysis against its save's audit row and every kept model card against "
                        "its SHA-256; exit 1 when any disagrees")
    p.set_defaults(func=_audit)

    users = sub.add_parser("users", help="manage accounts (the first admin: users add --admin NAME)")
    usub = users.add_subparsers(dest="users_command", required=True)
    p = usub.add_parser("add", help="create an account; the password is read from a prompt, stdin or --password-env")
    p.add_argument("name")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--admin", action="store_true")
    group.add_argument("--role", choices=ROLES, default="clinician")
    p.add_argument("--password", help="the password itself (visible to other users of this machine in the "
                   "process list: prefer the prompt, stdin or --password-env)")
    p.add_argument("--password-env", help="read the password from this environment variable")
    p.set_defaults(func=_add)
    p = usub.add_parser("list", help="every account: name, role, active or disabled")
    p.set_defaults(func=_list)
    p = usub.add_parser("update", help="change role, enable/disable, reset password")
    p.add_argument("name")
    p.add_argument("--role", choices=ROLES)
    state = p.add_mutually_exclusive_group()  # both left the account disabled, without a word
    state.add_argument("--disable", action="store_true")
    state.add_argument("--enable", action="store_true")
    p.add_argument("--reset-password", action="store_true")
    p.add_argument("--password")
    p.add_argument("--password-env")
    p.set_defaults(func=_update)
