"""Store: a conflicting verdict or status change is refused (never silently dropped or merged), a save is
stored once, and browser sessions resume, lapse and are revoked (SQLite and PostgreSQL)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from medapp.cases.store import ConflictError, StoreError
from medapp.security import sessions
from medapp.security.accounts import create_user, update_user

CLIN = {"username": "carla", "role": "clinician"}
REV = {"username": "rui", "role": "reviewer"}
ADMIN = {"username": "ada", "role": "admin"}




def _analysis(store, heart):
    card, pred, expl = heart
    case_id = store.create_case("C-1", CLIN)
    return case_id, store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl,
                                       input_bytes=b'{"age": 61}', input_name="p.json")


def test_a_stale_verdict_is_refused_with_what_is_stored_now(store, heart):
    case_id, aid = _analysis(store, heart)
    v1 = store.set_verdict(aid, REV, "agree", expected_version=0)  # first verdict: the form saw none
    v2 = store.set_verdict(aid, REV, "disagree", "angina", expected_version=v1)  # same window, next change
    assert (v1, v2) == (1, 2)
    with pytest.raises(ConflictError, match="stored now: 'disagree'.*'uncertain' was not stored"):
        store.set_verdict(aid, REV, "uncertain", expected_version=v1)  # another window, drawn before v2
    with pytest.raises(ConflictError):
        store.set_verdict(aid, REV, "agree", expected_version=0)  # a second "first" verdict
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    assert (verdict["verdict"], verdict["final_diagnosis"], verdict["version"]) == ("disagree", "angina", 2)
    assert len(store.audit_events(action="verdict")) == 2  # refused writes leave no record of a change


def test_a_comment_only_change_is_seen_in_the_audit_without_quoting_it(store, heart):
    """A review meeting's test: a verdict's audit row named verdict and diagnosis, so a change to the comment alone
    left a row identical to the one before."""
    _, aid = _analysis(store, heart)
    v1 = store.set_verdict(aid, REV, "agree", "angina", "first thought", expected_version=0)
    v2 = store.set_verdict(aid, REV, "agree", "angina", "on reflection, stable", expected_version=v1)
    store.set_verdict(aid, REV, "disagree", "angina", "on reflection, stable", expected_version=v2)
    third, newest, first = store.audit_events(action="verdict")
    assert first["detail"]["comment_changed"] and first["detail"]["comment_chars"] == len("first thought")
    assert newest["detail"]["comment_changed"] and newest["detail"]["version"] == 2
    assert "comment_changed" not in third["detail"]  # the comment as it was: nothing said of it
    assert "stable" not in str(newest["detail"]) and "first thought" not in str(first["detail"])


def test_a_stale_status_change_is_refused(store, heart):
    case_id, _ = _analysis(store, heart)
    seen = store.case_detail(case_id, REV, log_view=False)["version"]
    store.set_status(case_id, REV, "in review", expected_version=seen)
    # the refusal names who changed it and when (from the audit trail)
    with pytest.raises(ConflictError, match=r"set to 'in review' by rui at \d\d:\d\d UTC after this page was drawn.*"
                                            r"'closed' was not stored"):
        store.set_status(case_id, {"username": "rita", "role": "reviewer"}, "closed", expected_version=seen)
    assert store.case_detail(case_id, REV, log_view=False)["status"] == "in review"


def test_setting_the_status_a_case_already_has_writes_nothing(store, heart):
    """A control sending back the status it showed wrote "closed -> closed" in the name of a reviewer who never
    touched it, and every page then said the case was closed by that reviewer (a browser re-check)."""
    case_id, _ = _analysis(store, heart)
    seen = store.case_detail(case_id, REV, log_view=False)["version"]
    closed = store.set_status(case_id, {"username": "chair", "role": "admin"}, "closed", expected_version=seen)
    assert store.set_status(case_id, REV, "closed", expected_version=closed) == closed  # no change, same version
    detail = store.case_detail(case_id, REV, log_view=False)
    assert (detail["status"], detail["version"]) == ("closed", closed)
    assert [(e["username"], e["detail"]["new"]) for e in store.audit_events(action="case.status")] == [
        ("chair", "closed")]
    assert detail["closed_how"].startswith("closed by chair")


def test_the_same_save_twice_is_stored_once(store, heart):
    card, pred, expl = heart
    case_id, aid = _analysis(store, heart)
    again, created = store.save_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl,
                                         input_bytes=b'{"age": 61}', input_name="p.json")
    assert (again, created) == (aid, False)
    other, created = store.save_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl,
                                         input_bytes=b'{"age": 62}', input_name="p.json")
    assert created and other != aid
    assert len(store.case_detail(case_id, CLIN, log_view=False)["analyses"]) == 2


def test_browser_sessions_resume_lapse_and_are_revoked(store):
    create_user(store, "carla", "clinician pw 1", "clinician")
    token = sessions.create(store, "carla")
    assert sessions.resume(store, token, timeout_s=60) == {"username": "carla", "role": "clinician"}
    assert sessions.resume(store, token + "x", timeout_s=60) is None
    assert sessions.revoke(store, token, "carla") is True
    assert sessions.resume(store, token, timeout_s=60) is None  # signed out: a reload stays signed out
    idle = sessions.create(store, "carla")
    time.sleep(1.2)
    assert sessions.resume(store, idle, timeout_s=1) is None  # idle past the timeout
    assert sessions.resume(store, idle, timeout_s=3600) is None  # and it does not come back later
    live = sessions.create(store, "carla")
    create_user(store, "ada", "admin password 1", "admin")
    update_user(store, ADMIN, "carla", active=False)
    assert sessions.resume(store, live, timeout_s=3600) is None  # a disabled account's sessions end
    update_user(store, ADMIN, "carla", active=True)
    assert sessions.resume(store, live, timeout_s=3600) is None  # ... for good: re-enabling does not revive them
    actions = [e["action"] for e in store.audit_events() if e["action"].startswith("session.")]
    assert sorted(set(actions)) == ["session.expired", "session.resume", "session.revoke"]


def test_a_password_change_ends_every_session_of_that_user_open_tabs_included(store):
    create_user(store, "carla", "clinician pw 1", "clinician")
    create_user(store, "ada", "admin password 1", "admin")
    tab, other_browser, admins_own = (sessions.create(store, "carla"), sessions.create(store, "carla"),
                                      sessions.create(store, "ada"))
    assert sessions.touch(store, tab) and sessions.touch(store, other_browser)
    update_user(store, ADMIN, "carla", role="reviewer")  # a role change keeps the sessions (read at each click)
    assert sessions.touch(store, tab)
    update_user(store, ADMIN, "carla", password="a new password 2")
    assert not sessions.touch(store, tab) and not sessions.touch(store, other_browser)  # the open tab ends too
    assert sessions.resume(store, other_browser, timeout_s=3600) is None
    assert sessions.touch(store, admins_own)  # other users' sessions are untouched
    [event] = [e for e in store.audit_events(action="session.revoke")]
    assert event["target"] == "user:carla" and "password changed" in str(event["detail"])
    fresh = sessions.create(store, "carla")  # signing in again with the new password works as before
    assert sessions.resume(store, fresh, timeout_s=3600) == {"username": "carla", "role": "reviewer"}


def test_the_fingerprint_a_followed_page_polls_changes_with_every_change_it_shows(store, heart):
    """ui/review.follow_case redraws a case page when `case_fingerprint` differs from what the page drew: each
    change another user can make must change it, and reading the case as drawn must give the same value."""
    card, pred, expl = heart
    case_id, aid = _analysis(store, heart)
    seen = []

    def step() -> None:
        now = store.case_fingerprint(case_id)
        assert now == store.fingerprint_of(store.case_detail(case_id, REV, log_view=False))
        assert now not in seen  # changed by the step before
        seen.append(now)

    step()
    store.set_verdict(aid, REV, "agree", expected_version=0)  # a first verdict
    step()
    store.set_verdict(aid, REV, "agree", "stable angina", expected_version=1)  # the same verdict, a diagnosis added
    step()
    store.set_verdict(aid, {"username": "rita", "role": "reviewer"}, "disagree")  # a second reviewer
    step()
    store.set_status(case_id, REV, "in review")
    step()
    newest = store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl,
                                input_bytes=b'{"age": 70}', input_name="q.json")
    step()
    from medapp.cases.erasure import erase_analysis, erase_title, erase_verdict

    admin = {"username": "ada", "role": "admin"}
    erase_verdict(store, aid, "rita", admin, "a relative named in the comment")  # what an administrator erases
    step()
    erase_analysis(store, newest, admin, "saved to the wrong patient's case")
    step()
    with store.Session.begin() as s:  # a title to erase (the store's own check refuses most identifiers)
        s.execute(text("UPDATE cases SET title = 'Quill family' WHERE id = :i"), {"i": case_id})
    seen.append(store.case_fingerprint(case_id))
    erase_title(store, case_id, admin, "surname in the title")
    step()
    assert store.case_fingerprint(10_000) is None  # no such case: the page's own run then says so


def test_bench_measures_the_follow_check_and_the_case_it_saves_drawing():
    from medapp.bench import extras_for
    from medapp.cases.bench import bench_case_follow

    assert "medapp.cases.bench:bench_case_follow" in extras_for(None)  # in `python -m medapp bench`
    row = bench_case_follow(repeats=3, listed_cases=4)
    assert set(row) == {"analysis_save_ms_p50", "case_follow_check_ms_p50", "case_detail_ms_p50", "meeting_list_check_ms_p50",
                        "meeting_list_cases", "meeting_lead_move_ms_p50", "meeting_lead_check_ms_p50",
                        "verdict_draft_keep_ms_p50", "verdict_drafts_read_ms_p50"} \
        and all(v > 0 for v in row.values())
    assert row["meeting_list_cases"] == 5


def test_a_reviewer_demoted_or_disabled_after_the_page_was_drawn_cannot_record(store, heart):
    """The verdict form kept the role it was drawn with: a reviewer demoted a second earlier was stored and audited
    as a normal verdict (a security review)."""
    from medapp.cases.store import PermissionDenied

    create_user(store, "rhea", "reviewer pw 12", "reviewer")
    drawn_as = {"username": "rhea", "role": "reviewer"}  # what the page holds
    case_id, analysis_id = _analysis(store, heart)
    assert store.set_verdict(analysis_id, drawn_as, "agree") == 1  # allowed while a reviewer
    update_user(store, ADMIN, "rhea", role="clinician")
    with pytest.raises(PermissionDenied, match="The clinician role cannot review"):
        store.set_verdict(analysis_id, drawn_as, "disagree")
    with pytest.raises(PermissionDenied):
        store.set_status(case_id, drawn_as, "closed")
    update_user(store, ADMIN, "rhea", role="reviewer", active=False)
    with pytest.raises(PermissionDenied, match="The account rhea is disabled"):
        store.set_verdict(analysis_id, drawn_as, "disagree")
    verdicts = store.case_detail(case_id, ADMIN, log_view=False)["analyses"][0]["verdicts"]
    assert [v["verdict"] for v in verdicts] == ["agree"]


def test_the_command_lines_audit_csv_names_the_case_as_the_admin_page_does(store, heart, database_url, tmp_path):
    # a review: `audit --format csv` said "analysis:1" and "case id: 1" beside each verdict; the page said the case
    import csv
    import io

    from cli_inprocess import run_medapp

    case_id, aid = _analysis(store, heart)
    store.set_verdict(aid, REV, "agree", "stable angina", expected_version=0)
    out = run_medapp("audit", "--format", "csv", "--action", "verdict",
                     env={"MEDAPP_DATABASE_URL": database_url, "MEDAPP_VAR_DIR": str(tmp_path)})
    [row] = list(csv.DictReader(io.StringIO(out.stdout)))
    assert out.returncode == 0
    assert row["target"] == f"analysis #{aid} (case C-1)"
    assert row["detail"] == "verdict: agree · final diagnosis: stable angina · version: 1"


def test_a_verdict_naming_the_patient_is_refused_and_nothing_reaches_the_audit(store, heart):
    """A data-protection review: "Pneumonia - Mary Smith DOB 04/03/1962" was stored, projected in Meeting mode, put in
    both reports and kept for good in the append-only audit trail."""
    case_id, aid = _analysis(store, heart)
    with pytest.raises(StoreError, match=r"^The final diagnosis looks like it contains a person's name \(Mary Smith\) "
                                         r"and a date \(04/03/1962\).*Nothing was stored\.$"):
        store.set_verdict(aid, REV, "disagree", "Pneumonia - Mary Smith DOB 04/03/1962")
    with pytest.raises(StoreError, match=r"^The comment looks like it contains a record number \(1234567\)"):
        store.set_verdict(aid, REV, "agree", "pneumonia", "MRN 1234567 seen in clinic")
    # a patient's phone number was stored as a comment (a review); a bleep or an extension reaches staff, not the patient
    with pytest.raises(StoreError, match=r"^The comment looks like it contains a phone number \(07700 900461\)"):
        store.set_verdict(aid, REV, "agree", "pneumonia", "ring the daughter on 07700 900461 with the result")
    assert store.audit_events(action="verdict") == []
    assert store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"] == []
    # eponyms and ordinary clinical prose are not names (a re-check found these refused)
    comment = ("Addison crisis excluded; CRP 180, repeat CXR. Austin Flint murmur, Marcus Gunn pupil, Ludwig angina "
               "excluded; nurse to chase bloods; SALT to assess swallow; bleep the registrar on 2784, ext. 4432")
    store.set_verdict(aid, REV, "disagree", "Mallory-Weiss tear", comment)
    [verdict] = store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"]
    assert (verdict["final_diagnosis"], verdict["comment"]) == ("Mallory-Weiss tear", comment)
