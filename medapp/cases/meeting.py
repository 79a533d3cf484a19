"""Who leads a review meeting and which case they show: the screens that follow a presenter move with them.

A presenter's screen writes the case it shows (and "Case 2 of 4" as it counts it) each time it moves, and says it
still leads every few seconds while it is open; a screen following them reads that every few seconds
(medapp/ui/meeting_lead.py). A lead not heard from for LEAD_LAPSES_AFTER has lapsed: a presenter who closed the tab
without stopping left their followers on a dead lead that looked live (a review). Browsers slow a hidden tab's timers
to one a minute, hence minutes, not seconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..db.tables import MeetingLead, utcnow
from ..security.roles import Actor, require

LEAD_LAPSES_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class Lead:
    presenter: str
    case_id: int
    position: int  # 1-based, on the presenter's list
    count: int
    since: datetime
    moved_at: datetime
    seen_at: datetime

    def live(self, now: datetime | None = None) -> bool:
        """Heard from within LEAD_LAPSES_AFTER: a closed tab's lead is not."""
        return self.seen_at >= (now or datetime.now(UTC)) - LEAD_LAPSES_AFTER


def _lead(row: MeetingLead) -> Lead:
    def aware(t: datetime) -> datetime:  # SQLite gives naive datetimes back
        return t if t.tzinfo else t.replace(tzinfo=UTC)
    return Lead(row.presenter, row.case_id, row.position, row.count, aware(row.since), aware(row.moved_at),
                aware(row.seen_at))


class MeetingLeads:
    """Mixed into CaseStore: needs its `Session` and `audit_in`."""

    def lead_meeting(self, user, case_id: int, position: int, count: int) -> None:
        """Show `case_id` to the screens following `user` (starts leading when they were not)."""
        actor = Actor.of(user)
        require(actor.role, "analyse")  # as viewing a case in Meeting mode
        for attempt in range(2):  # the same presenter in two tabs may insert at once: the second updates
            try:
                with self.Session.begin() as s:
                    row = s.get(MeetingLead, actor.username)
                    now = utcnow()
                    if row is None:
                        s.add(MeetingLead(presenter=actor.username, case_id=case_id, position=position, count=count,
                                          since=now, moved_at=now, seen_at=now))
                        self.audit_in(s, actor.username, "meeting.lead", f"case:{case_id}")
                    elif not _lead(row).live(now):  # left behind by a closed tab: a new lead
                        row.case_id, row.position, row.count, row.since, row.moved_at, row.seen_at = (
                            case_id, position, count, now, now, now)
                        self.audit_in(s, actor.username, "meeting.lead", f"case:{case_id}")
                    else:
                        if (row.case_id, row.position, row.count) != (case_id, position, count):
                            row.case_id, row.position, row.count, row.moved_at = case_id, position, count, now
                        row.seen_at = now
                return
            except IntegrityError:
                if attempt:
                    raise

    def keep_leading(self, user) -> bool:
        """The presenter's open page, every few seconds: still leading. False when their lead has ended or lapsed
        (then the page leads anew on its next run)."""
        actor = Actor.of(user)
        now = utcnow()
        with self.Session.begin() as s:
            row = s.get(MeetingLead, actor.username)
            if row is None or not _lead(row).live(now):
                return False
            row.seen_at = now
            return True

    def stop_leading(self, user) -> None:
        actor = Actor.of(user)
        with self.Session.begin() as s:
            row = s.get(MeetingLead, actor.username)
            if row is not None:
                s.delete(row)
                self.audit_in(s, actor.username, "meeting.stop_lead", f"case:{row.case_id}")

    def meeting_leads(self) -> list[Lead]:
        """The presenters leading now, longest-leading first."""
        with self.Session() as s:
            rows = s.scalars(select(MeetingLead).order_by(MeetingLead.since, MeetingLead.presenter)).all()
            leads = [_lead(r) for r in rows]
        return [lead for lead in leads if lead.live()]

    def meeting_lead(self, presenter: str) -> Lead | None:
        """What `presenter` shows now; None when they stopped leading or their lead lapsed."""
        with self.Session() as s:
            row = s.get(MeetingLead, presenter)
            lead = _lead(row) if row is not None else None
        return lead if lead is not None and lead.live() else None
