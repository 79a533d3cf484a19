"""User accounts: argon2id password hashes, roles, activation; every change is audited."""
from __future__ import annotations

import functools
import hashlib
import re
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select

from ..db.database import Database
from ..db.tables import AuditEvent, User, VerdictDraft
from .roles import ROLES, Actor, require
from .sessions import revoke_all_in
from .tokens import revoke_user_tokens_in

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Letters, digits and . _ - ; '@' and '+' so that a single sign-on e-mail address can be an account name.
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,79}$")
MIN_PASSWORD = 10
LOCKOUT_FAILURES, LOCKOUT_WINDOW = 10, timedelta(minutes=15)


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this when the user is unknown keeps timing similar for both failure cases. Made on first
    use: an argon2id hash costs about 0.6 s of CPU, which every process importing this module paid (the app before
    its sign-in page, each CLI command, each test worker)."""
    return _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    pass


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"A password needs at least {MIN_PASSWORD} characters.")


def count_users(store: Database) -> int:
    with store.Session() as s:
        return s.scalar(select(func.count(User.id))) or 0


def create_user(store: Database, username: str, password: str, role: str, *, by: str = "system") -> None:
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise AccountError("A user name is 2-80 lower-case letters, digits, '.', '_', '-', '@' or '+' "
                           "(an e-mail address for single sign-on).")
    if role not in ROLES:
        raise AccountError(f"A role is one of {', '.join(ROLES)}.")
    _check_password(password)
    with store.Session.begin() as s:
        if s.scalar(select(User.id).where(User.username == username)) is not None:
            raise AccountError(f"The user {username!r} already exists.")
        s.add(User(username=username, password_hash=_hasher.hash(password), role=role))
        store.audit_in(s, by, "user.create", f"user:{username}", role=role)


def _failures(store: Database, username: str) -> list[datetime]:
    """The failed sign-ins on a user name that count toward its lock: within LOCKOUT_WINDOW and after the last
    password reset by an administrator (a reset unlocks; counting from the audit trail alone kept the lock)."""
    target = f"user:{username}"[:200]
    with store.Session() as s:
        unlocked = s.scalar(select(func.max(AuditEvent.at)).where(AuditEvent.action == "login.unlock",
                                                                   AuditEvent.target == target))
        since = datetime.now(UTC) - LOCKOUT_WINDOW
        if unlocked is not None:
            since = max(since, unlocked if unlocked.tzinfo else unlocked.replace(tzinfo=UTC))
        return list(s.scalars(select(AuditEvent.at).where(
            AuditEvent.action == "login.failed", AuditEvent.target == target, AuditEvent.at > since)
            .order_by(AuditEvent.at.desc()).limit(LOCKOUT_FAILURES)))


def _recent_failures(store: Database, username: str) -> int:
    return len(_failures(store, username))


def locked_until(store: Database, username: str) -> datetime | None:
    """When a locked user name can sign in again (UTC), or None when it is not locked. The lock is on the name
    typed, whether or not an account has it, so saying so tells nobody which accounts exist."""
    failures = _failures(store, username.strip().lower())
    if len(failures) < LOCKOUT_FAILURES:
        return None
    oldest = failures[-1] if failures[-1].tzinfo else failures[-1].replace(tzinfo=UTC)
    return oldest + LOCKOUT_WINDOW


def authenticate(store: Database, username: str, password: str) -> dict | None:
    """The user as {"username", "role"} when the password matches an active account; audited either way.

    After LOCKOUT_FAILURES failed attempts on one user name within LOCKOUT_WINDOW, further attempts
    on that name are refused (and audited as login.locked) until the window has passed.
    """
    username = username.strip().lower()
    if _recent_failures(store, username) >= LOCKOUT_FAILURES:
        store.audit(username or "(blank)", "login.locked", f"user:{username}")
        return None
    with store.Session() as s:
        user = s.scalar(select(User).where(User.username == username))
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _dummy_hash(), password) and user is not None and user.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok:
        if user is None and username and not _USERNAME.match(username):
            # no account can have this name: often a password typed into the name box, which the audit trail (and
            # its CSV) kept in clear (a security review); a digest still groups repeated attempts
            shown = f"(not a possible user name {hashlib.sha256(username.encode()).hexdigest()[:8]})"
            store.audit(shown, "login.failed", f"user:{shown}")
        else:
            store.audit(username or "(blank)", "login.failed", f"user:{username}")
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        with store.Session.begin() as s:
            s.get(User, user.id).password_hash = _hasher.hash(password)
    store.audit(username, "login", f"user:{username}")
    return {"username": user.username, "role": user.role}


def list_users(store: Database) -> list[dict]:
    with store.Session() as s:
        return [{"username": u.username, "role": u.role, "active": u.active, "created_at": u.created_at}
                for u in s.scalars(select(User).order_by(User.username))]


def get_user(store: Database, username: str) -> dict | None:
    with store.Session() as s:
        u = s.scalar(select(User).where(User.username == username.strip().lower()))
        return None if u is None else {"username": u.username, "role": u.role, "active": u.active}


def update_user(store: Database, admin: dict | Actor, username: str, *, role: str | None = None,
                active: bool | None = None, password: str | None = None) -> int:
    """Apply the changes given; returns how many API tokens were revoked (disabling an account revokes them)."""
    actor = Actor.of(admin)
    require(actor.role, "admin")
    changes = {}
    username = username.strip().lower()
    with store.Session.begin() as s:
        user = s.scalar(select(User).where(User.username == username).with_for_update())
        if user is None:
            raise AccountError(f"There is no user {username!r}.")
        was_active_admin = user.role == "admin" and user.active
        if role is not None and role != user.role:
            if role not in ROLES:
                raise AccountError(f"A role is one of {', '.join(ROLES)}.")
            changes["role"], user.role = [user.role, role], role
        if active is not None and active != user.active:
            if not active and username == actor.username:
                raise AccountError("You cannot deactivate your own account.")
            changes["active"], user.active = [user.active, active], active
        if password is not None:
            _check_password(password)
            user.password_hash, changes["password"] = _hasher.hash(password), "changed"
        if was_active_admin and not (user.role == "admin" and user.active):
            admins = s.scalar(select(func.count(User.id)).where(User.role == "admin", User.active.is_(True)))
            if not admins:  # the autoflush above already counts this user's new role or state
                raise AccountError("At least one active administrator must remain; promote another user first.")
        dropped = {}
        if changes.get("active") == [True, False]:
            # an unrecorded verdict draft holds what its reviewer typed, unchecked (it may name a patient): it goes
            # with the account, as the account's tokens and sessions do, and is not kept for nobody to finish
            gone = s.execute(delete(VerdictDraft).where(VerdictDraft.reviewer == username)).rowcount
            dropped = {"verdict_drafts_dropped": gone} if gone else {}
        if changes:
            store.audit_in(s, actor.username, "user.update", f"user:{username}", **changes, **dropped)
        if "password" in changes:  # a new password from an administrator lifts a lock on the name
            store.audit_in(s, actor.username, "login.unlock", f"user:{username}", reason="password reset")
        if "password" in changes or changes.get("active") == [True, False]:
            revoke_all_in(store, s, username, actor.username,
                          "password changed" if "password" in changes else "account disabled")
        if changes.get("active") == [True, False]:
            return revoke_user_tokens_in(store, s, username, actor.username, "account disabled")
    return 0
