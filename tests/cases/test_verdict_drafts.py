"""Store: a reviewer's unrecorded verdict draft outlives their browser session (SQLite and PostgreSQL): kept, read
back only by them, ended by recording the verdict or by an erasure, and one row however many tabs write it at once."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from medapp.cases.drafts import DRAFT_TEXT_LIMIT
from medapp.cases.erasure import erase_analysis, erase_case, erase_verdict
from medapp.db.tables import VerdictDraft
from medapp.security.roles import PermissionDenied

CLIN = {"username": "carla", "role": "clinician"}
REV = {"username": "rui", "role": "reviewer"}
REV2 = {"username": "rosa", "role": "reviewer"}
ADMIN = {"username": "ada", "role": "admin"}
REASON = "relative's first name in the comment"


def _analyses(store, heart, reference="DR-1", count=2):
    card, pred, expl = heart
    case_id = store.create_case(reference, CLIN)
    return case_id, [store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl,
                                        input_bytes=b'{"age": %d}' % (60 + i), input_name="p.json")
                     for i in range(count)]


def _rows(store) -> int:
    with store.Session() as s:
        return s.scalar(select(func.count()).select_from(VerdictDraft))


def test_a_draft_is_kept_replaced_read_back_by_its_reviewer_only_and_ended_by_recording(store, heart):
    _, (a, b) = _analyses(store, heart)
    assert store.keep_draft(a, REV, (None, "", "consolidation right lower lobe?"), 0)
    assert store.keep_draft(a, REV, ("disagree", "pleural effusion", "blunted angle"), 0)  # replaced, not added
    assert store.keep_draft(b, REV, ("agree", "", ""), 0)
    assert store.keep_draft(a, REV2, ("agree", "", "mine"), 0)
    drafts = store.verdict_drafts(REV, [a, b])
    assert drafts[a].values == ("disagree", "pleural effusion", "blunted angle") and drafts[a].base_version == 0
    assert drafts[b].values == ("agree", "", "") and drafts[a].saved_at.tzinfo is not None
    assert store.verdict_drafts(REV2, [a, b])[a].values == ("agree", "", "mine")  # each reviewer their own
    assert store.verdict_drafts(REV, []) == {}

    version = store.set_verdict(a, REV, "disagree", "pleural effusion", "blunted angle", expected_version=0)
    assert a not in store.verdict_drafts(REV, [a, b]) and b in store.verdict_drafts(REV, [a, b])
    assert a in store.verdict_drafts(REV2, [a])  # another reviewer's draft is theirs to record
    store.keep_draft(a, REV, ("uncertain", "", ""), version)  # a change begun on the recorded verdict
    assert store.verdict_drafts(REV, [a])[a].base_version == version
    store.drop_draft(a, REV)  # the form put back as recorded
    assert a not in store.verdict_drafts(REV, [a])
    # a draft is not a record: nothing of it reaches the audit trail
    assert not [e for e in store.audit_events() if "draft" in e["action"]]


def test_a_draft_is_bounded_and_kept_only_by_reviewers(store, heart):
    _, (a, _) = _analyses(store, heart)
    store.keep_draft(a, REV, ("agree", "d" * (DRAFT_TEXT_LIMIT + 10), "c" * (DRAFT_TEXT_LIMIT * 3)), 0)
    kept = store.verdict_drafts(REV, [a])[a]
    assert (len(kept.final_diagnosis), len(kept.comment)) == (DRAFT_TEXT_LIMIT, DRAFT_TEXT_LIMIT)
    with pytest.raises(PermissionDenied):
        store.keep_draft(a, CLIN, ("agree", "", ""), 0)


def test_erasures_take_the_drafts_that_may_hold_what_they_erase(store, heart):
    case_id, (a, b) = _analyses(store, heart)
    store.set_verdict(a, REV, "disagree", "pleurisy", "the daughter said so", expected_version=0)
    store.keep_draft(a, REV, ("disagree", "pleurisy", "the daughter Mary said so"), 1)
    store.keep_draft(a, REV2, ("agree", "", "fine"), 0)
    erase_verdict(store, a, "rui", ADMIN, REASON)  # rui's draft goes with rui's verdict; rosa's stays
    assert a not in store.verdict_drafts(REV, [a]) and a in store.verdict_drafts(REV2, [a])
    store.keep_draft(b, REV, ("agree", "", ""), 0)
    erase_analysis(store, a, ADMIN, REASON)
    assert store.verdict_drafts(REV2, [a]) == {}
    assert not store.keep_draft(a, REV, ("agree", "", ""), 0)  # a form still open on the erased analysis
    erase_case(store, case_id, ADMIN, REASON)
    assert _rows(store) == 0


def test_an_administrator_erases_a_draft_alone_and_the_erase_tab_lists_it(store, heart):
    """A draft holds what its reviewer typed, unchecked ("husband Peter Jones on 07700 900123"), and an administrator
    could remove it only with the whole analysis: "rob has no verdict" (a privacy review)."""
    from medapp.ui.erasure import _choices

    case_id, (a, _) = _analyses(store, heart)
    store.keep_draft(a, REV, ("disagree", "", "husband Peter Jones on 07700 900123"), 0)
    store.set_verdict(a, REV2, "agree", expected_version=0)
    store.keep_draft(a, REV2, ("uncertain", "", ""), 1)
    assert store.draft_reviewers([a]) == {a: ["rosa", "rui"]}
    detail = store.case_detail(case_id, ADMIN, log_view=False)
    listed = _choices(detail, store.draft_reviewers([a]))
    # rui's draft alone is listed; rosa's goes with her recorded verdict, which is listed as before
    assert listed[f"rui's unrecorded verdict draft on analysis #{a}"] == ("verdict", a, "rui")
    assert not [w for w in listed if w.startswith("rosa's unrecorded")]
    done = erase_verdict(store, a, "rui", ADMIN, REASON)
    assert done.what == f"rui's unrecorded draft on analysis #{a}" and done.verdicts == 0
    assert store.verdict_drafts(REV, [a]) == {} and a in store.verdict_drafts(REV2, [a])
    [event] = store.audit_events(action="verdict.erase")
    assert event["detail"]["reviewer"] == "rui" and event["detail"]["draft_only"] is True


def test_one_reviewers_tabs_writing_at_once_keep_one_draft(store, heart):
    _, (a,) = _analyses(store, heart, count=1)

    def write(i: int) -> bool:
        return store.keep_draft(a, REV, ("uncertain", "", f"tab {i}"), 0)

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(write, range(16)))
    assert _rows(store) == 1
    assert store.verdict_drafts(REV, [a])[a].comment in {f"tab {i}" for i in range(16)}


def test_disabling_an_account_takes_its_unrecorded_drafts(store, heart):
    # a draft holds what its reviewer typed, unchecked: it stayed for an account nobody would sign in to again
    from medapp.security.accounts import create_user, update_user

    create_user(store, "rui", "a long enough password 1", "reviewer")
    _, (a, b) = _analyses(store, heart)
    store.keep_draft(a, REV, ("disagree", "", "Mrs Jones's daughter says"), 0)
    store.keep_draft(b, REV, ("agree", "", ""), 0)
    store.keep_draft(a, REV2, ("agree", "", "mine"), 0)
    update_user(store, ADMIN, "rui", active=False)
    assert store.verdict_drafts(REV, [a, b]) == {} and a in store.verdict_drafts(REV2, [a])
    [event] = store.audit_events(action="user.update")
    assert event["detail"]["active"] == [True, False] and event["detail"]["verdict_drafts_dropped"] == 2
