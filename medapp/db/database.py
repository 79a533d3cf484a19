"""A handle on the database: sessions and the append-only audit trail, shared by security and cases.

`CaseStore` (medapp.cases.store) is a Database with cases, analyses and verdicts added; accounts,
browser sessions and API tokens need only this.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..types import to_jsonable
from .engine import session_factory
from .tables import ApiToken, AuditEvent


def audit_event(username: str, action: str, target: str = "", detail: dict | None = None,
                at: datetime | None = None) -> AuditEvent:
    """An audit row cut to its column sizes: a failed login can carry any text the visitor typed. `at`: when it
    happened, where the row is written later (the API's batches); else the time of writing."""
    return AuditEvent(username=(username or "(blank)")[:80], action=action[:40], target=(target or "")[:200],
                      detail=to_jsonable(detail or {}), **({"at": at} if at is not None else {}))


AUDIT_VIEW_LIMIT = 10_000  # events a view of the trail shows, the newest; it says when more match


class Database:
    def __init__(self, url: str | None = None):
        self.Session = session_factory(url)

    def audit(self, username: str, action: str, target: str = "", **detail: Any) -> None:
        with self.Session.begin() as s:
            s.add(audit_event(username, action, target, detail))

    @staticmethod
    def audit_in(session: Session, username: str, action: str, target: str = "", **detail: Any) -> None:
        """Audit inside the caller's transaction: the change and its record commit together or not at all."""
        session.add(audit_event(username, action, target, detail))

    def audit_events(self, *, username: str | None = None, action: str | None = None,
                     since: datetime | None = None, until: datetime | None = None, limit: int | None = AUDIT_VIEW_LIMIT,
                     about_account: bool = False, before_id: int | None = None) -> list[dict]:
        """Newest first. `about_account`: the user's own events and those done to their account (`user:NAME`) or
        to their API tokens (`token:ID`: created or revoked by an administrator; a re-check), and API calls refused
        with one of their tokens (written by "api:anonymous", the token's owner in the detail's `token_user`).
        `before_id`: the page of events older than that one (an export reads the whole trail page by page)."""
        q = self._audit_query(select(AuditEvent), username, action, since, until, about_account)
        if before_id is not None:
            q = q.where(AuditEvent.id < before_id)
        q = q.order_by(AuditEvent.id.desc()).limit(limit)
        with self.Session() as s:
            return [{"id": e.id, "at": e.at, "username": e.username, "action": e.action, "target": e.target,
                     "detail": e.detail} for e in s.scalars(q)]

    def audit_count(self, *, username: str | None = None, action: str | None = None, since: datetime | None = None,
                    until: datetime | None = None, about_account: bool = False) -> int:
        """How many events `audit_events` would give without a limit: a view of the newest says what it leaves out."""
        q = self._audit_query(select(func.count()).select_from(AuditEvent), username, action, since, until,
                              about_account)
        with self.Session() as s:
            return int(s.scalar(q))

    def _audit_query(self, q, username, action, since, until, about_account):
        if username and about_account:
            tokens = select(ApiToken.id).where(ApiToken.username == username)
            with self.Session() as s:
                owned = [f"token:{i}" for i in s.scalars(tokens)]
            q = q.where(or_(AuditEvent.username == username, AuditEvent.target == f"user:{username}",
                            AuditEvent.target.in_(owned), AuditEvent.detail["token_user"].as_string() == username))
        elif username:
            q = q.where(AuditEvent.username == username)
        if action:
            q = q.where(AuditEvent.action == action)
        if since:
            q = q.where(AuditEvent.at >= since)
        if until:
            q = q.where(AuditEvent.at <= until)
        return q

    def audit_vocabulary(self) -> tuple[list[str], list[str]]:
        """The user names and actions that occur in the trail (for filter menus)."""
        with self.Session() as s:
            names = s.scalars(select(AuditEvent.username).distinct().order_by(AuditEvent.username)).all()
            actions = s.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
        return list(names), list(actions)
