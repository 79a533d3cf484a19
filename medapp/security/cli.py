"""`python -m medapp users ...`: create the first admin and manage accounts from a shell."""
from __future__ import annotations

import argparse
import getpass
import os
import sys

from .roles import ROLES


def _store():
    from ..db.database import Database

    return Database()  # accounts need the users table and the audit trail only


def _cli_actor() -> dict:
    # Whoever can run commands on the server is an administrator; the audit trail names them.
    return {"username": f"cli:{getpass.getuser()}", "role": "admin"}


def _password(args: argparse.Namespace) -> str:
    if getattr(args, "password", None):
        return args.password
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            raise SystemExit(f"error: environment variable {args.password_env} is empty")
        return value
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise SystemExit("error: the passwords differ")
    return first


def _add(args: argparse.Namespace) -> int:
    from .accounts import AccountError, create_user

    role = "admin" if args.admin else args.role
    try:
        create_user(_store(), args.name, _password(args), role, by=_cli_actor()["username"])
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"created {role} {args.name.strip().lower()}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from .accounts import list_users

    for u in list_users(_store()):
        print(f"{u['username']:24} {u['role']:10} {'active' if u['active'] else 'disabled'}")
    return 0


def _update(args: argparse.Namespace) -> int:
    from .accounts import AccountError, update_user

    try:
        update_user(_store(), _cli_actor(), args.name, role=args.role,
                    active=False if args.disable else (True if args.enable else None),
                    password=_password(args) if args.reset_password else None)
    except AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"updated {args.name}")
    return 0


def register(sub) -> None:
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
    p = usub.add_parser("list")
    p.set_defaults(func=_list)
    p = usub.add_parser("update", help="change role, enable/disable, reset password")
    p.add_argument("name")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--disable", action="store_true")
    p.add_argument("--enable", action="store_true")
    p.add_argument("--reset-password", action="store_true")
    p.add_argument("--password")
    p.add_argument("--password-env")
    p.set_defaults(func=_update)
