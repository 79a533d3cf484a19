"""API tokens: bearer secrets an admin creates for a user, shown once, stored only as a sha256 hash.

A token acts with its user's *current* role and stops working when the user is disabled, when it
expires or when it is revoked. The secret has 256 bits of entropy, so a plain sha256 (no salt, no
slow hash) is enough to make a stolen table useless, and a lookup by hash stays one indexed query.
Every create and revoke is audited; each API call is audited by the service itself.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ..db.database import Database
from ..db.tables import ApiToken, User, utcnow
from .roles import Actor, require

PREFIX = "medapp_"


class TokenError(ValueError):
    """A token request the admin can fix (unknown user, bad expiry, unknown token)."""


@dataclass(frozen=True)
class Caller:
    """Who is calling the API: the token's id and owner, the owner's current role, what the token allows."""

    token_id: int
    username: str
    role: str
    may_save_cases: bool
    rate_per_minute: int | None

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.role)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every time stored here is UTC.
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(store: Database, admin: dict | Actor, username: str, *, expires_days: float | None = 90,
                 label: str = "", may_save_cases: bool = True, rate_per_minute: int | None = None) -> tuple[int, str]:
    """(token id, secret). The secret is returned once and never stored; only its hash is."""
    actor = Actor.of(admin)
    require(actor.role, "admin")
    username = username.strip().lower()
    if expires_days is not None and not 0 < expires_days <= 3650:
        raise TokenError("A token expires after 1 to 3650 days (or give no expiry).")
    if rate_per_minute is not None and rate_per_minute < 1:
        raise TokenError("A rate limit is at least 1 call per minute.")
    secret = PREFIX + secrets.token_urlsafe(32)
    with store.Session.begin() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is None:
            raise TokenError(f"There is no user {username!r}; add the user first.")
        if not user.active:
            raise TokenError(f"The user {username!r} is disabled.")
        expires = utcnow() + timedelta(days=expires_days) if expires_days is not None else None
        token = ApiToken(username=username, secret_sha256=hash_secret(secret), prefix=secret[:12],
                         label=label.strip()[:120], may_save_cases=may_save_cases, rate_per_minute=rate_per_minute,
                         created_by=actor.username, expires_at=expires)
        s.add(token)
        s.flush()
        token_id = token.id
        store.audit_in(s, actor.username, "token.create", f"token:{token_id}", user=username,
                       expires_at=expires.isoformat() if expires else None, may_save_cases=may_save_cases)
    return token_id, secret


def revoke_token(store: Database, admin: dict | Actor, token_id: int) -> datetime | None:
    """Revoke a token. Returns when it had been revoked already (nothing changed, nothing audited), else None."""
    actor = Actor.of(admin)
    require(actor.role, "admin")
    with store.Session.begin() as s:
        token = s.get(ApiToken, token_id)
        if token is None:
            raise TokenError(f"There is no token {token_id}.")
        if token.revoked_at is not None:
            return _aware(token.revoked_at)
        token.revoked_at = utcnow()
        store.audit_in(s, actor.username, "token.revoke", f"token:{token_id}", user=token.username)
    return None


def tokens_text(n: int) -> str:
    return f"{n} API token{'s' if n != 1 else ''}"


def revoke_user_tokens_in(store: Database, session, username: str, actor: str, reason: str) -> int:
    """Revoke every live token of `username` inside the caller's transaction (an account disabled): re-enabling the
    account revived its old tokens while its browser sessions stayed ended (a security review)."""
    tokens = session.scalars(select(ApiToken).where(ApiToken.username == username, ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = utcnow()
        store.audit_in(session, actor, "token.revoke", f"token:{token.id}", user=username, reason=reason)
    return len(tokens)


def list_tokens(store: Database) -> list[dict]:
    now = utcnow()
    with store.Session() as s:
        rows = s.scalars(select(ApiToken).order_by(ApiToken.id)).all()
        disabled = set(s.scalars(select(User.username).where(User.active.is_(False))))
    out = []
    for t in rows:
        expires, revoked = _aware(t.expires_at), _aware(t.revoked_at)
        # a disabled user's tokens are refused (authenticate_token) and listed so: they read "active"
        state = ("revoked" if revoked else "expired" if expires and expires <= now
                 else "user disabled" if t.username in disabled else "active")
        out.append({"id": t.id, "user": t.username, "prefix": t.prefix, "label": t.label, "state": state,
                    "may_save_cases": t.may_save_cases, "rate_per_minute": t.rate_per_minute,
                    "created_by": t.created_by, "created_at": _aware(t.created_at), "expires_at": expires,
                    "revoked_at": revoked})
    return out


def why_refused(store: Database, secret: str) -> dict[str, object]:
    """For the audit row of a refused call: which known token it was and why it no longer works ({"token": 5,
    "token_user": "cleo", "refused": "revoked"}), or {"refused": "unknown token"}. A refused known token was
    audited as anonymous, so support could not tell which integration broke, or why (an IT review)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return {"refused": "not a medapp token"}
    row = _presented(store, secret)
    if row is None:
        return {"refused": "unknown token"}
    token, _role, active = row
    return {"token": token.id, "token_user": token.username, "refused": _refusal(token, active) or "valid"}


def _presented(store: Database, secret: str):
    """(token, its user's role, whether the user is active) for a presented secret, or None when unknown."""
    with store.Session() as s:
        return s.execute(select(ApiToken, User.role, User.active).join(User, User.username == ApiToken.username)
                         .where(ApiToken.secret_sha256 == hash_secret(secret))).first()


def _refusal(token: ApiToken, active: bool) -> str | None:
    """Why a known token no longer works, or None when it does."""
    expires = _aware(token.expires_at)
    return ("revoked" if token.revoked_at is not None else "user disabled" if not active
            else "expired" if expires is not None and expires <= utcnow() else None)


def authenticate_token(store: Database, secret: str) -> Caller | None:
    """The caller for a presented secret, or None when unknown, revoked, expired or its user disabled."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    row = _presented(store, secret)
    if row is None or _refusal(row[0], row[2]) is not None:
        return None
    token, role, _active = row
    return Caller(token.id, token.username, role, token.may_save_cases, token.rate_per_minute)
