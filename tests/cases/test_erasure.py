"""Erasure by an administrator (medapp/cases/erasure.py): what an identifier leaked into is removed, the audit trail
keeps who erased what and why and blanks only the text it quoted, and every other change to the audit trail is still
refused by the database (SQLite and PostgreSQL)."""
from __future__ import annotations

import json
import threading
import time

import pytest
from installed_database import database_at
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from medapp.cases.erasure import ERASED, erase_analysis, erase_case, erase_title, erase_verdict
from medapp.cases.store import VERDICTS, ConflictError, StoreError
from medapp.security.roles import PermissionDenied
from tests.cli_inprocess import run_medapp
from tests.stored_inputs import aged

CLIN = {"username": "carla", "role": "clinician"}
REV = {"username": "rui", "role": "reviewer"}
REV2 = {"username": "rosa", "role": "reviewer"}
ADMIN = {"username": "ada", "role": "admin"}
REASON = "relative's first name in the note text"


def _case(store, heart, reference="ER-1", inputs=(b'{"age": 61}', b'{"age": 62}')):
    card, pred, expl = heart
    case_id = store.create_case(reference, CLIN)
    ids = [store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=data,
                              input_name="p.json") for data in inputs]
    return case_id, ids


def _digest(store, case_id, analysis_id):
    return next(a["input_sha256"] for a in store.case_detail(case_id, ADMIN, log_view=False)["analyses"]
                if a["id"] == analysis_id)


def test_erasing_an_analysis_removes_it_its_verdicts_and_input_and_blanks_the_diagnoses_the_audit_quoted(store, heart):
    case_id, (gone, kept) = _case(store, heart)
    gone_digest, kept_digest = _digest(store, case_id, gone), _digest(store, case_id, kept)
    v = store.set_verdict(gone, REV, "disagree", "angina (first wording)", expected_version=0)
    store.set_verdict(gone, REV, "disagree", "stable angina", expected_version=v)
    store.set_verdict(kept, REV, "agree", "stable angina", expected_version=0)

    done = erase_analysis(aged(store), gone, ADMIN, REASON)

    assert (done.analyses, done.verdicts, done.inputs, done.audit_rows_blanked) == (1, 1, 1, 2)
    assert "Erased analysis #" in done.sentence() and "blanked in 2 earlier audit rows" in done.sentence()
    detail = store.case_detail(case_id, ADMIN, log_view=False)
    assert [a["id"] for a in detail["analyses"]] == [kept]
    assert store.input_bytes(gone_digest) is None and store.input_bytes(kept_digest) is not None
    [event] = store.audit_events(action="analysis.erase")
    assert (event["username"], event["target"], event["detail"]["reason"]) == ("ada", f"analysis:{gone}", REASON)
    verdict_rows = {r["id"]: r for r in store.audit_events(action="verdict")}
    quoted = [r for r in verdict_rows.values() if r["target"] == f"analysis:{gone}"]
    assert [r["detail"]["final_diagnosis"] for r in quoted] == [ERASED, ERASED]
    assert all(r["detail"]["erased"]["event"] == event["id"] and r["detail"]["verdict"] == "disagree" for r in quoted)
    [other] = [r for r in verdict_rows.values() if r["target"] == f"analysis:{kept}"]
    assert other["detail"]["final_diagnosis"] == "stable angina" and "erased" not in other["detail"]
    # a reviewer's form still open on it is told what happened, not "no such analysis"
    with pytest.raises(StoreError, match=r"Analysis #\d+ was erased by ada on .* UTC \(relative's first name in the "
                                         r"note text\); your verdict 'agree' was not stored"):
        store.set_verdict(gone, REV2, "agree", expected_version=0)


def test_erasing_a_case_removes_everything_and_blanks_its_reference_wherever_the_audit_quoted_it(store, heart):
    case_id, (a1, a2) = _case(store, heart, reference="WARD7-QUILL")
    digests = {_digest(store, case_id, a) for a in (a1, a2)}
    store.set_verdict(a1, REV, "agree", expected_version=0)
    store.audit("api:cleo", "api.infer", "model:heart-disease", case="WARD7-QUILL", status=200)
    store.audit("api:cleo", "api.infer", "model:heart-disease", case="WARD7-QUILL-2", status=200)  # another case

    done = erase_case(aged(store), case_id, ADMIN, "surname in the case reference")

    assert (done.what, done.analyses, done.verdicts, done.inputs) == ("case WARD7-QUILL", 2, 1, 2)
    assert all(store.input_bytes(d) is None for d in digests)
    assert [c["reference"] for c in store.list_cases()] == []
    everything = store.audit_events()
    assert not [r for r in everything if "'WARD7-QUILL'" in str(r["detail"])]
    [created] = [r for r in everything if r["action"] == "case.create"]
    assert created["detail"]["reference"] == ERASED and created["detail"]["erased"]["by"] == "ada"
    assert [r["detail"]["case"] for r in everything if r["action"] == "api.infer"] == ["WARD7-QUILL-2", ERASED]
    assert sorted(r["target"] for r in everything if r["action"] == "analysis.erase") == sorted(
        [f"analysis:{a1}", f"analysis:{a2}"])
    with pytest.raises(StoreError, match=r"Case #\d+ was erased by ada .*\(surname in the case reference\); it can "
                                         "no longer be opened"):
        store.case_detail(case_id, ADMIN)
    card, pred, expl = heart
    with pytest.raises(StoreError, match="was erased by ada.*the analysis was not saved"):
        store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b"{}",
                           input_name="p.json")
    with pytest.raises(StoreError, match="was erased by ada.*verdict 'agree' was not stored"):
        store.set_verdict(a2, REV, "agree")
    assert store.create_case("WARD7-01", CLIN)  # the store works on


def test_erasing_one_reviewers_verdict_keeps_the_others_and_their_open_form_is_refused(store, heart):
    case_id, (aid, _) = _case(store, heart)
    mine = store.set_verdict(aid, REV, "disagree", "pleurisy", "the daughter said so", expected_version=0)
    store.set_verdict(aid, REV2, "agree", expected_version=0)

    done = erase_verdict(store, aid, "rui", ADMIN, "a relative named in the comment")

    assert (done.analyses, done.verdicts, done.inputs, done.audit_rows_blanked) == (0, 1, 0, 1)
    [left] = store.case_detail(case_id, ADMIN, log_view=False)["analyses"][0]["verdicts"]
    assert left["reviewer"] == "rosa"
    with pytest.raises(ConflictError, match="stored now: no verdict"):  # rui's form drawn before the erasure
        store.set_verdict(aid, REV, "disagree", expected_version=mine)
    assert store.set_verdict(aid, REV, "disagree", "pleurisy", expected_version=0) == 1  # recorded again, afresh
    with pytest.raises(StoreError, match="carla has no verdict or draft on analysis"):
        erase_verdict(store, aid, "carla", ADMIN, REASON)


@pytest.mark.parametrize("user, reason, error", [
    (REV, REASON, PermissionDenied),
    (ADMIN, "typo", StoreError),
    (ADMIN, "the name John Smith was in the note", StoreError),  # the reason would keep the identifier for good
])
def test_an_erasure_is_refused_without_the_admin_role_or_a_clean_reason(store, heart, user, reason, error):
    case_id, (aid, _) = _case(store, heart)
    with pytest.raises(error):
        erase_analysis(store, aid, user, reason)
    assert len(store.case_detail(case_id, ADMIN, log_view=False)["analyses"]) == 2
    with pytest.raises(StoreError, match="There is no analysis 9999"):
        erase_analysis(store, 9999, ADMIN, REASON)


def test_the_database_still_refuses_every_other_change_to_the_audit_trail(store, heart):
    _case(store, heart)
    created = store.audit_events(action="case.create")[0]
    row = created["id"]
    store.audit("ada", "case.erase", "case:1", reason="a name in the reference")  # the erasure the mark names
    mark = {"by": "ada", "event": store.audit_events(action="case.erase")[0]["id"]}
    marked = json.dumps({**created["detail"], "reference": "[erased]", "erased": mark})
    refused = [
        ("UPDATE audit_events SET detail = :d WHERE id = :i", {"d": '{"reference": "changed"}', "i": row}),
        ("UPDATE audit_events SET username = 'mallory', detail = :d WHERE id = :i", {"d": marked, "i": row}),
        ("UPDATE audit_events SET action = 'login', detail = :d WHERE id = :i", {"d": marked, "i": row}),
        ("DELETE FROM audit_events WHERE id = :i", {"i": row}),
    ]
    for statement, values in refused:
        with pytest.raises(DBAPIError, match="append-only"), store.Session.begin() as s:
            s.execute(text(statement), values)
    with store.Session.begin() as s:  # the one change allowed: the detail, carrying the erasure's mark
        s.execute(text("UPDATE audit_events SET detail = :d WHERE id = :i"), {"d": marked, "i": row})
    assert store.audit_events(action="case.create")[0]["detail"]["reference"] == ERASED


def test_verdicts_racing_an_erasure_are_either_erased_with_it_or_refused_never_lost(store, heart):
    """Reviewers press Record verdict again and again while an administrator erases the analysis: every verdict the
    store said it stored was there when the erasure ran (and went with it); every later press is refused with the
    reason, and nothing is left behind."""
    _, (aid, _) = _case(store, heart)
    stored, last, start = dict.fromkeys(range(8), 0), {}, threading.Barrier(9)  # every key made before the threads

    def review(n):
        start.wait()
        for i in range(400):  # until the erasure reaches this reviewer
            try:
                store.set_verdict(aid, {"username": f"rev{n}", "role": "reviewer"}, VERDICTS[i % 3])
                stored[n] += 1
            except StoreError as exc:
                last[n] = str(exc)
                return

    threads = [threading.Thread(target=review, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    start.wait()
    deadline = time.monotonic() + 30
    while sum(stored.values()) < 8 and time.monotonic() < deadline:  # some verdicts stored first, then erase
        time.sleep(0.005)  # while the reviewers go on pressing
    done = erase_analysis(store, aid, ADMIN, REASON)
    for t in threads:
        t.join(60)
    assert len(last) == 8 and all("was erased by ada" in m and "was not stored" in m for m in last.values()), last
    assert done.verdicts == sum(1 for n in stored.values() if n) and done.verdicts > 0
    with store.Session() as s:
        assert s.scalar(text("SELECT count(*) FROM verdicts")) == 0


def test_the_command_line_erases_a_case_by_reference_and_says_what_it_removed(store, heart, tmp_path):
    env = {"MEDAPP_DATABASE_URL": store.Session.kw["bind"].url.render_as_string(hide_password=False),
           "MEDAPP_VAR_DIR": str(tmp_path)}  # the fixture's blobs are under tmp_path/blobs, as the command's
    _case(store, heart, reference="CLI-ERASE")
    aged(store)
    done = run_medapp("erase", "--case", "cli-erase", "--reason", "wrong patient's images", env=env)
    assert done.returncode == 0 and done.stdout.startswith(
        "Erased case CLI-ERASE: 2 analyses, 2 stored inputs removed"), (done.stdout, done.stderr)
    assert store.audit_events(action="case.erase")[0]["username"].startswith("cli:")
    again = run_medapp("erase", "--case", "CLI-ERASE", "--reason", "again and again", env=env)
    assert again.returncode == 1 and "There is no case with the reference 'CLI-ERASE'" in again.stderr
    unclear = run_medapp("erase", "--case", "X", "--reviewer", "rui", "--reason", REASON, env=env)
    assert unclear.returncode == 2 and "--reviewer names whose verdict" in unclear.stderr
    unclear = run_medapp("erase", "--analysis", "1", "--title", "--reason", REASON, env=env)
    assert unclear.returncode == 2 and "--title erases the title of one --case" in unclear.stderr
    titled = store.create_case("CLI-TITLE", CLIN, title="ward 7 review")
    done = run_medapp("erase", "--case", "CLI-TITLE", "--title", "--reason", "surname in the title", env=env)
    assert done.returncode == 0 and done.stdout.startswith("Erased the title of case CLI-TITLE;"), done.stderr
    assert store.case_detail(titled, ADMIN, log_view=False)["title"] == ""


def test_an_erased_newest_case_or_analysis_never_lends_its_number_to_the_next(store, heart):
    """SQLite gave a new row the largest id plus one: the next save took an erased analysis's number, and a reviewer's
    form, a link or the audit rows of the erased one reached it."""
    card, pred, expl = heart
    case_id, (_, newest) = _case(store, heart)
    erase_analysis(store, newest, ADMIN, REASON)
    again = store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b"{}",
                               input_name="p.json")
    assert again > newest
    with pytest.raises(StoreError, match="was erased by ada"):
        store.set_verdict(newest, REV, "agree", expected_version=0)
    last_case, _ = _case(store, heart, reference="ER-2", inputs=(b"2",))
    erase_case(store, last_case, ADMIN, REASON)
    assert store.create_case("ER-3", CLIN) > last_case


def test_an_installed_database_is_rebuilt_with_its_rows_and_ids(tmp_path):
    """The upgrade a running hospital takes: cases, analyses and verdicts written before erasure existed keep their
    ids and links, and the numbers go on from the largest."""
    from medapp.db import engine as engine_module

    now = "2026-12-01 10:00:00"
    with database_at(tmp_path / "installed.db", "0004_reference_folded") as (raw, c):
        c.execute(text("INSERT INTO cases (id, reference, title, status, created_by, created_at, updated_at, version) "
                       "VALUES (4, 'MDT-4', 't', 'open', 'x', :t, :t, 3)"), {"t": now})
        c.execute(text("INSERT INTO analyses (id, case_id, modality, model_id, model_version, input_sha256, "
                       "input_name, label, prediction, author, created_at) VALUES (9, 4, 'records', 'heart-disease', "
                       "'1.2.0', 'ab', 'records-ab.json', 'absent', '{}', 'x', :t)"), {"t": now})
        c.execute(text("INSERT INTO verdicts (analysis_id, reviewer, verdict, updated_at, version) "
                       "VALUES (9, 'rui', 'agree', :t, 2)"), {"t": now})
    engine_module.migrate(raw)
    with raw.begin() as c:
        assert c.execute(text("SELECT id, reference, version FROM cases")).all() == [(4, "MDT-4", 3)]
        assert c.execute(text("SELECT analysis_id, reviewer, version FROM verdicts")).all() == [(9, "rui", 2)]
        c.execute(text("DELETE FROM verdicts"))
        c.execute(text("DELETE FROM analyses WHERE id = 9"))
        c.execute(text("INSERT INTO analyses (case_id, modality, model_id, model_version, input_sha256, input_name, "
                       "label, prediction, author, created_at) VALUES (4, 'records', 'm', '1', 'cd', 'n', 'l', '{}', "
                       "'x', :t)"), {"t": now})
        assert c.execute(text("SELECT id FROM analyses")).scalar() == 10  # not 9 again
        # the links are still declared (the app's connections enforce them: PRAGMA foreign_keys=ON)
        assert [tuple(r)[2:4] for r in c.execute(text("PRAGMA foreign_key_list(verdicts)"))] == [("analyses", "analysis_id")]
        assert [tuple(r)[2:4] for r in c.execute(text("PRAGMA foreign_key_list(analyses)"))] == [("cases", "case_id")]
    raw.dispose()


def test_an_input_another_save_has_just_written_is_kept(store, heart):
    """A save writes its input, then its row: the same file saved to another case at the moment of an erasure would
    have lost its input. One written in the last seconds is left for `blobs collect`."""
    case_id, (aid, _) = _case(store, heart)
    digest = _digest(store, case_id, aid)
    aged(store)
    store.blobs.put(store.input_bytes(digest))  # the same file, stored again by a save whose row is not committed yet
    done = erase_analysis(store, aid, ADMIN, REASON)
    assert done.inputs == 0 and store.input_bytes(digest) is not None


def test_erasing_a_title_keeps_the_case_and_blanks_the_title_where_the_audit_quoted_it(store, heart):
    case_id, _ = _case(store, heart)
    with store.Session.begin() as s:  # a surname the title check missed
        s.execute(text("UPDATE cases SET title = 'Quill family review' WHERE id = :i"), {"i": case_id})
    store.audit("ada", "export", f"case:{case_id}", title="Quill family review")
    done = erase_title(store, case_id, ADMIN, "surname in the case title")
    assert done.sentence() == ("Erased the title of case ER-1; its text blanked in 1 earlier audit row that quoted "
                               "it.")
    detail = store.case_detail(case_id, ADMIN, log_view=False)
    assert detail["title"] == "" and len(detail["analyses"]) == 2
    assert store.audit_events(action="export")[0]["detail"]["title"] == ERASED
    assert store.audit_events(action="title.erase")[0]["detail"]["reason"] == "surname in the case title"
    with pytest.raises(StoreError, match="Case ER-1 has no title; nothing was erased"):
        erase_title(store, case_id, ADMIN, REASON)
