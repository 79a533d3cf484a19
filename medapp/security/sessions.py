"""Browser sessions that survive a reload: an opaque random token in a cookie, its sha256 in the database.

The token is 256 random bits (never the password, never derived from it); the server keeps only its
hash, so a database copy cannot be replayed. A session ends when it is idle for longer than the
timeout, when its user signs out (revoked), or when the account is disabled. Resuming is audited.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from ..db.tables import User, WebSession

COOKIE = "medapp_session"
TOUCH_EVERY = timedelta(seconds=60)  # last_seen is written at most once a minute per session


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)  # SQLite returns naive UTC


def create(store, username: str) -> str:
    """A new session token for `username` (the caller has just authenticated them)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.Session.begin() as s:
        s.add(WebSession(token_sha256=_hash(token), username=username, created_at=now, last_seen=now))
    return token


def resume(store, token: str | None, timeout_s: int) -> dict | None:
    """The user ({"username", "role"}) of a live session token, or None (unknown, revoked, idle, disabled).

    A token past its idle timeout is revoked on the spot, so it cannot come back later.
    """
    if not token or len(token) > 200:
        return None
    now = datetime.now(UTC)
    with store.Session.begin() as s:
        row = s.scalar(select(WebSession).where(WebSession.token_sha256 == _hash(token)))
        if row is None or row.revoked_at is not None:
            return None
        user = s.scalar(select(User).where(User.username == row.username))
        if now - _aware(row.last_seen) > timedelta(seconds=timeout_s) or user is None or not user.active:
            row.revoked_at = now
            store.audit_in(s, row.username, "session.expired", f"user:{row.username}")
            return None
        if now - _aware(row.last_seen) > TOUCH_EVERY:
            row.last_seen = now
        store.audit_in(s, row.username, "session.resume", f"user:{row.username}")
        return {"username": user.username, "role": user.role}


def touch(store, token: str | None) -> bool:
    """Mark the session active (at most once a minute), so the idle timeout counts from the last click.

    False when the session has been revoked meanwhile (its password changed or its account disabled by an
    administrator): an open tab ends at its next click, not only at its next reload.
    """
    if not token:
        return True  # signed in without a browser session token: nothing to revoke
    now = datetime.now(UTC)
    with store.Session.begin() as s:
        row = s.scalar(select(WebSession).where(WebSession.token_sha256 == _hash(token)))
        if row is None or row.revoked_at is not None:
            return False
        if _aware(row.last_seen) < now - TOUCH_EVERY:
            row.last_seen = now
    return True


def is_live(store, token: str | None) -> bool:
    """Whether a session token has not been revoked (read only: nothing is marked active)."""
    if not token:
        return True  # signed in without a browser session token: nothing to revoke
    with store.Session() as s:
        row = s.scalar(select(WebSession).where(WebSession.token_sha256 == _hash(token)))
        return row is not None and row.revoked_at is None


def revoke(store, token: str | None, by: str, reason: str = "logout") -> bool:
    """End a session (sign-out); True when a live session was revoked. The revocation is audited."""
    if not token:
        return False
    with store.Session.begin() as s:
        row = s.scalar(select(WebSession).where(WebSession.token_sha256 == _hash(token)))
        if row is None or row.revoked_at is not None:
            return False
        row.revoked_at = datetime.now(UTC)
        store.audit_in(s, by, "session.revoke", f"user:{row.username}", reason=reason)
        return True


def revoke_all_in(store, s, username: str, by: str, reason: str) -> int:
    """End every live session of a user inside the caller's transaction `s` (account disabled, password
    changed: whoever held a session, an attacker included, must sign in again); returns how many."""
    n = s.execute(update(WebSession).where(WebSession.username == username, WebSession.revoked_at.is_(None))
                  .values(revoked_at=datetime.now(UTC))).rowcount
    if n:
        store.audit_in(s, by, "session.revoke", f"user:{username}", reason=reason, sessions=n)
    return n
