"""Verdict drafts: what a reviewer chose and typed in a verdict form and has not recorded, kept in the database.

The form's fields live in the browser session, which keeps them across pages (medapp/ui/state.py) but not across a
reload, a closed tab or a connection the browser could not resume: each starts a new session, and a comment typed in
a review meeting came back as an empty form. The page writes a form's draft here when its values change (a few
writes per verdict, never per keystroke: the browser sends a text box's value when it loses focus) and a new session
fills the form in from it. A draft is not a record: it is not audited, only its reviewer sees it, and it goes when
the verdict is recorded (in the same transaction) or the analysis is erased (medapp/cases/erasure.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..db.tables import Case, SavedAnalysis, VerdictDraft, utcnow
from ..security.roles import Actor, require

# A draft is at most this long (a pasted document in the comment box); what the box holds beyond it is not kept.
DRAFT_TEXT_LIMIT = 20_000


@dataclass(frozen=True)
class Draft:
    verdict: str | None
    final_diagnosis: str
    comment: str
    base_version: int  # the version of the recorded verdict the form was drawn with (0: none)
    saved_at: datetime

    @property
    def values(self) -> tuple:
        """(verdict, final diagnosis, comment), as a verdict form holds them."""
        return self.verdict, self.final_diagnosis, self.comment


def _draft(row: VerdictDraft) -> Draft:
    saved = row.saved_at if row.saved_at.tzinfo else row.saved_at.replace(tzinfo=UTC)  # SQLite: naive
    return Draft(row.verdict, row.final_diagnosis, row.comment, row.base_version, saved)


class VerdictDrafts:
    """Mixed into CaseStore: needs its `Session`."""

    def keep_draft(self, analysis_id: int, user, values: tuple, base_version: int) -> bool:
        """Keep `values` (verdict or None, final diagnosis, comment) as `user`'s draft on the analysis; False when the
        analysis is gone (erased meanwhile): there is nothing to record it on."""
        actor = Actor.of(user)
        require(actor.role, "review")
        verdict, diagnosis, comment = values
        fields = {"verdict": verdict, "final_diagnosis": (diagnosis or "")[:DRAFT_TEXT_LIMIT],
                  "comment": (comment or "")[:DRAFT_TEXT_LIMIT], "base_version": base_version}
        for attempt in range(2):  # the same reviewer's two tabs may insert at once: the second updates
            try:
                with self.Session.begin() as s:
                    if s.get(SavedAnalysis, analysis_id) is None:
                        return False
                    row = s.get(VerdictDraft, (analysis_id, actor.username))
                    if row is None:
                        s.add(VerdictDraft(analysis_id=analysis_id, reviewer=actor.username, saved_at=utcnow(),
                                           **fields))
                    else:
                        for name, value in fields.items():
                            setattr(row, name, value)
                        row.saved_at = utcnow()
                return True
            except IntegrityError:  # the other insert, or the analysis erased between the check and the insert
                if attempt:
                    with self.Session() as s:
                        if s.get(SavedAnalysis, analysis_id) is None:
                            return False
                    raise
        return False  # not reached

    def verdict_drafts(self, user, analysis_ids) -> dict[int, Draft]:
        """`user`'s drafts on these analyses, by analysis id."""
        ids = list(analysis_ids)
        if not ids:
            return {}
        with self.Session() as s:
            rows = s.scalars(select(VerdictDraft).where(VerdictDraft.reviewer == Actor.of(user).username,
                                                        VerdictDraft.analysis_id.in_(ids)))
            return {row.analysis_id: _draft(row) for row in rows}

    def drafts_elsewhere(self, user, case_id: int) -> list[tuple[int, str, int]]:
        """(case id, case reference, analysis id) of `user`'s drafts on cases other than `case_id`, oldest case first:
        a reloaded screen that had been held on a draft jumped to the presenter's case without a word of it (a
        review meeting's test)."""
        with self.Session() as s:
            rows = s.execute(select(Case.id, Case.reference, VerdictDraft.analysis_id)
                             .join(SavedAnalysis, SavedAnalysis.id == VerdictDraft.analysis_id)
                             .join(Case, Case.id == SavedAnalysis.case_id)
                             .where(VerdictDraft.reviewer == Actor.of(user).username, Case.id != case_id)
                             .order_by(Case.id, VerdictDraft.analysis_id))
            return [(c, ref, a) for c, ref, a in rows]

    def draft_reviewers(self, analysis_ids) -> dict[int, list[str]]:
        """Who has an unrecorded draft on each of these analyses (the Admin page's Erase tab lists them; their text
        is never shown to anyone else)."""
        with self.Session() as s:
            rows = s.execute(select(VerdictDraft.analysis_id, VerdictDraft.reviewer)
                             .where(VerdictDraft.analysis_id.in_(list(analysis_ids))).order_by(VerdictDraft.reviewer))
            out: dict[int, list[str]] = {}
            for analysis_id, reviewer in rows:
                out.setdefault(analysis_id, []).append(reviewer)
            return out

    def drop_draft(self, analysis_id: int, user) -> None:
        """The reviewer put the form back as it was drawn: no draft left."""
        with self.Session.begin() as s:
            self.drop_draft_in(s, analysis_id, Actor.of(user).username)

    @staticmethod
    def drop_draft_in(s, analysis_id: int, reviewer: str) -> None:
        """Inside the caller's transaction (a recorded verdict ends its draft as it is written)."""
        s.execute(delete(VerdictDraft).where(VerdictDraft.analysis_id == analysis_id,
                                             VerdictDraft.reviewer == reviewer))
