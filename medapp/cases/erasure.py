"""Erasure by an administrator: a case, its title, an analysis or one reviewer's verdict that holds an identifier the
checks missed (a relative's name in a note, a surname in a comment), or that was entered in error.

De-identification and the text checks are rules and miss some identifiers (docs/notes.md), so what they let through
must be removable without a database administrator. An erasure deletes the rows and the stored input no other
analysis uses, and blanks the free text that earlier audit rows quoted from them (a final diagnosis, a case
reference), leaving an "erased" mark there; who erased what, when and why is a new audit row. The audit trail
otherwise stays append-only: the database refuses any other change (migration 0005_erasure).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, delete, select

from ..db.tables import AuditEvent, Case, SavedAnalysis, Verdict, VerdictDraft, utcnow
from ..security.roles import Actor, require
from .references import identifying_parts
from .store import CaseStore, StoreError

ERASED = "[erased]"
# detail keys whose values are text someone typed (everything else is ids, labels, counts and model names)
_TYPED = ("final_diagnosis", "reference", "title", "comment", "case")


@dataclass(frozen=True)
class Erased:
    """What one erasure removed, for the confirmation on screen and the command line."""

    what: str  # "case MDT-7", "analysis #12", "rui's verdict on analysis #12"
    analyses: int
    verdicts: int
    inputs: int  # stored inputs deleted (an input another analysis still uses is kept)
    audit_rows_blanked: int

    def sentence(self) -> str:
        parts = [f"{self.analyses} analys{'is' if self.analyses == 1 else 'es'}" if self.analyses else "",
                 f"{self.verdicts} verdict{'' if self.verdicts == 1 else 's'}" if self.verdicts else "",
                 f"{self.inputs} stored input{'' if self.inputs == 1 else 's'}" if self.inputs else ""]
        removed = ", ".join(p for p in parts if p)
        return (f"Erased {self.what}" + (f": {removed} removed" if removed else "") + f"; its text blanked in "
                f"{self.audit_rows_blanked} earlier audit row{'' if self.audit_rows_blanked == 1 else 's'} that quoted it.")


def reason_problem(reason: str) -> str | None:
    """Why `reason` cannot be an erasure's reason; None when it can. The reason stays in the audit trail for good, so
    it must not repeat the identifier being erased."""
    reason = reason.strip()
    if len(reason) < 5:
        return "Say why this is erased (at least 5 characters, e.g. 'relative's name in the note'). Nothing was erased."
    if len(reason) > 300:
        return "The reason is at most 300 characters. Nothing was erased."
    parts = identifying_parts(reason, prose=True, phones=True)
    if parts:
        found = "; ".join(", ".join(texts) for texts in parts.values())
        return (f"The reason looks like it repeats an identifier ({found}); it stays in the audit trail for good, so "
                "say what kind of identifier it was, not the identifier itself. Nothing was erased.")
    return None


def _checked(user: dict | Actor, reason: str) -> tuple[Actor, str]:
    actor = Actor.of(user)
    require(actor.role, "admin")
    if (problem := reason_problem(reason)) is not None:
        raise StoreError(problem)
    return actor, reason.strip()


def _blank(s, rows: list[AuditEvent], texts: set[str], mark: dict) -> int:
    """Replace, in these audit rows, every typed value that is one of `texts` with ERASED; how many rows changed.
    Only the detail changes, with the mark the database's trigger asks for. Whole values only: a case "MDT-1" is not
    the "MDT-17" another row names."""
    changed = 0
    texts = {t.strip().lower() for t in texts if t and t.strip()}
    for row in rows:
        detail = dict(row.detail or {})
        hit = [k for k in _TYPED if isinstance(detail.get(k), str) and detail[k] != ERASED
               and detail[k].strip().lower() in texts]
        if hit:
            row.detail = {**detail, **{k: ERASED for k in hit}, "erased": mark}
            changed += 1
    return changed


def _remove_analyses(s, analyses: list[SavedAnalysis], mark: dict,
                     reviewer: str | None = None) -> tuple[int, int]:
    """Delete these analyses' verdicts (only `reviewer`'s when given) and, without a reviewer, the analyses; blank
    the verdicts' diagnoses where the audit quoted them. (verdicts removed, audit rows blanked)."""
    ids = [a.id for a in analyses]
    # PostgreSQL: a verdict being inserted holds a key-share lock on its analysis, which this waits for (so its row is
    # seen and removed below); one inserted after it waits here, then fails its foreign key and is told of the erasure
    s.execute(select(SavedAnalysis.id).where(SavedAnalysis.id.in_(ids)).with_for_update())
    query = select(Verdict).where(Verdict.analysis_id.in_(ids))
    if reviewer is not None:
        query = query.where(Verdict.reviewer == reviewer)
    verdicts = list(s.scalars(query))
    rows = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "verdict",
                                                   AuditEvent.target.in_([f"analysis:{i}" for i in ids]))))
    if reviewer is not None:
        rows = [r for r in rows if r.username == reviewer]
    # every diagnosis the audit quoted, not only the current one: an earlier wording may be the one that named
    blanked = _blank(s, rows, {(r.detail or {}).get("final_diagnosis", "") for r in rows}
                     | {v.final_diagnosis for v in verdicts}, mark)
    drafts = delete(VerdictDraft).where(VerdictDraft.analysis_id.in_(ids))  # may hold what the erasure is for
    s.execute(drafts.where(VerdictDraft.reviewer == reviewer) if reviewer is not None else drafts)
    if verdicts:
        s.execute(delete(Verdict).where(Verdict.id.in_([v.id for v in verdicts])).execution_options(
            synchronize_session=False))
    if reviewer is None and ids:
        s.execute(delete(SavedAnalysis).where(SavedAnalysis.id.in_(ids)).execution_options(synchronize_session=False))
    return len(verdicts), blanked


# A save stores its input, then commits its row: an input written or touched this recently may be another save's
# of the same file, whose row is not committed yet. It is kept (`blobs collect` takes it later if it was not).
_SAVE_IN_PROGRESS_S = 5.0


def _delete_inputs(store: CaseStore, digests: set[str]) -> int:
    """Delete the erased analyses' stored inputs that no remaining analysis refers to; how many."""
    with store.Session() as s:
        used = set(s.scalars(select(SavedAnalysis.input_sha256).where(SavedAnalysis.input_sha256.in_(digests))))
    return sum(store.blobs.delete_if_untouched(d, _SAVE_IN_PROGRESS_S) for d in digests - used)


def _event(s, actor: Actor, action: str, target: str, **detail) -> dict:
    """Write the erasure's own audit row first: the blanked rows point at it."""
    event = AuditEvent(username=actor.username, action=action, target=target, detail=detail)
    s.add(event)
    s.flush()
    return {"by": actor.username, "at": utcnow().isoformat(timespec="seconds"), "event": event.id}


def _erasing_case(store: CaseStore, s, actor: Actor, case_id: int) -> Case:
    """The case to erase from, held until the erasure commits (a save or another erasure of it waits)."""
    store._still_allowed(s, actor, "admin")
    case = store._locked_case(s, case_id) if s.get(Case, case_id) is not None else None
    if case is None:
        raise store._gone(s, "case", case_id, "nothing was erased")
    return case


def _erasing_analysis(store: CaseStore, s, actor: Actor, analysis_id: int) -> tuple[SavedAnalysis, Case]:
    """The analysis to erase from and its case, the case held until the erasure commits; the analysis is read again
    under that hold (another erasure may have taken it meanwhile)."""
    store._still_allowed(s, actor, "admin")
    found = s.get(SavedAnalysis, analysis_id)
    case = store._locked_case(s, found.case_id) if found is not None else None
    analysis = s.get(SavedAnalysis, analysis_id, populate_existing=True) if case is not None else None
    if analysis is None:
        raise store._gone(s, "analysis", analysis_id, "nothing was erased")
    return analysis, case


def _quoting(s, text: str, mark: dict) -> list[AuditEvent]:
    """Earlier audit rows whose detail holds `text` anywhere (`_blank` then replaces only whole values)."""
    return list(s.scalars(select(AuditEvent).where(
        AuditEvent.id != mark["event"], cast(AuditEvent.detail, String).contains(text, autoescape=True))))


def erase_analysis(store: CaseStore, analysis_id: int, user: dict | Actor, reason: str) -> Erased:
    """Delete one analysis, its verdicts and (when no other analysis uses it) its stored input."""
    actor, reason = _checked(user, reason)
    with store.Session.begin() as s:
        analysis, case = _erasing_analysis(store, s, actor, analysis_id)
        digest = analysis.input_sha256
        mark = _event(s, actor, "analysis.erase", f"analysis:{analysis_id}", case_id=case.id,
                      model=analysis.model_id, reason=reason)
        verdicts, blanked = _remove_analyses(s, [analysis], mark)
        case.updated_at = utcnow()
    return Erased(f"analysis #{analysis_id}", 1, verdicts, _delete_inputs(store, {digest}), blanked)


def erase_verdict(store: CaseStore, analysis_id: int, reviewer: str, user: dict | Actor, reason: str) -> Erased:
    """Delete one reviewer's verdict on an analysis, and their unrecorded draft of it (they may record it again,
    without the identifier); a draft alone too: it holds what they typed, unchecked (a privacy review)."""
    actor, reason = _checked(user, reason)
    with store.Session.begin() as s:
        analysis, _ = _erasing_analysis(store, s, actor, analysis_id)
        mine = (Verdict.analysis_id == analysis_id, Verdict.reviewer == reviewer)
        has_verdict = s.scalar(select(Verdict.id).where(*mine)) is not None
        has_draft = s.scalar(select(VerdictDraft.analysis_id).where(VerdictDraft.analysis_id == analysis_id,
                                                                    VerdictDraft.reviewer == reviewer)) is not None
        if not (has_verdict or has_draft):
            raise StoreError(f"{reviewer} has no verdict or draft on analysis #{analysis_id}; nothing was erased.")
        mark = _event(s, actor, "verdict.erase", f"analysis:{analysis_id}", reviewer=reviewer,
                      case_id=analysis.case_id, reason=reason, **({} if has_verdict else {"draft_only": True}))
        verdicts, blanked = _remove_analyses(s, [analysis], mark, reviewer=reviewer)
    what = "verdict" if has_verdict else "unrecorded draft"
    return Erased(f"{reviewer}'s {what} on analysis #{analysis_id}", 0, verdicts, 0, blanked)


def erase_title(store: CaseStore, case_id: int, user: dict | Actor, reason: str) -> Erased:
    """Blank a case's title (a surname typed as a title), keeping the case and everything in it."""
    actor, reason = _checked(user, reason)
    with store.Session.begin() as s:
        case = _erasing_case(store, s, actor, case_id)
        if not case.title:
            raise StoreError(f"Case {case.reference} has no title; nothing was erased.")
        title = case.title
        mark = _event(s, actor, "title.erase", f"case:{case_id}", reason=reason)
        blanked = _blank(s, _quoting(s, title, mark), {title}, mark)
        case.title, case.updated_at = "", utcnow()
    return Erased(f"the title of case {case.reference}", 0, 0, 0, blanked)


def erase_case(store: CaseStore, case_id: int, user: dict | Actor, reason: str) -> Erased:
    """Delete a case with all its analyses, verdicts and stored inputs; its reference is blanked wherever the audit
    quoted it (the case's creation, API calls that saved to it)."""
    actor, reason = _checked(user, reason)
    with store.Session.begin() as s:
        case = _erasing_case(store, s, actor, case_id)
        analyses = list(s.scalars(select(SavedAnalysis).where(SavedAnalysis.case_id == case_id)))
        digests = {a.input_sha256 for a in analyses}
        reference, title = case.reference, case.title
        mark = _event(s, actor, "case.erase", f"case:{case_id}", analyses=len(analyses), reason=reason)
        for a in analyses:  # each analysis says it was erased, so a verdict sent to it later is told why
            s.add(AuditEvent(username=actor.username, action="analysis.erase", target=f"analysis:{a.id}",
                             detail={"case_id": case_id, "model": a.model_id, "reason": reason, "with_case": True}))
        verdicts, blanked = _remove_analyses(s, analyses, mark)
        blanked += _blank(s, _quoting(s, reference, mark), {reference, title}, mark)
        s.execute(delete(Case).where(Case.id == case_id).execution_options(synchronize_session=False))
    return Erased(f"case {reference}", len(analyses), verdicts, _delete_inputs(store, digests), blanked)
