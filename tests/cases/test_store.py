"""Case store on SQLite and PostgreSQL: cases, analyses, verdicts, roles, audit, concurrency."""
from __future__ import annotations

import threading
from datetime import UTC

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from threads import run_together

from medapp.analysis import analyse
from medapp.cases.store import PermissionDenied, StoreError
from medapp.registry import load_model
from medapp.security.accounts import AccountError, authenticate, create_user, list_users, update_user

CLIN = {"username": "carla", "role": "clinician"}
REV = {"username": "rui", "role": "reviewer"}
REV2 = {"username": "rita", "role": "reviewer"}
ADMIN = {"username": "ada", "role": "admin"}



@pytest.fixture(scope="module")
def heart_analysis():
    model = load_model("heart-disease")
    x = model.example_input()
    result = analyse(model, x)
    return model.card, result.prediction, result.explanation


def _save(store, case_id, heart_analysis, user=CLIN, data=b'{"age": 55}'):
    card, pred, expl = heart_analysis
    return store.add_analysis(case_id, user, card=card, prediction=pred, explanation=expl, input_bytes=data,
                              input_name="patient.json")


def test_case_with_analysis_round_trips(store, heart_analysis):
    case_id = store.create_case("WARD7-0042", CLIN, "chest pain, 55 y")
    analysis_id = _save(store, case_id, heart_analysis)
    detail = store.case_detail(case_id, CLIN)
    assert detail["reference"] == "WARD7-0042" and detail["status"] == "open"
    [a] = detail["analyses"]
    card, pred, expl = heart_analysis
    assert a["id"] == analysis_id and a["model_id"] == "heart-disease" and a["model_version"] == card.version
    assert a["label"] == pred.label and a["author"] == "carla"
    np.testing.assert_allclose(a["prediction"].probabilities, pred.probabilities)
    np.testing.assert_allclose(a["explanation"].values, expl.values)
    assert a["explanation"].output_value == pytest.approx(expl.output_value)
    assert store.blobs.get(a["input_sha256"]) == b'{"age": 55}'


def test_identical_inputs_are_stored_once(store, heart_analysis):
    case_id = store.create_case("C-1", CLIN)
    _save(store, case_id, heart_analysis)
    _save(store, case_id, heart_analysis)
    assert len(list(store.blobs.root.rglob("*"))) == 2  # one folder, one file
    # owner only, the folders too: they were 0755, so other users of the machine listed the inputs' hashes
    assert all(p.stat().st_mode & 0o077 == 0 for p in [store.blobs.root, *store.blobs.root.rglob("*")])


def test_case_reference_rules(store):
    store.create_case("ICU-17", CLIN)
    with pytest.raises(StoreError, match="already exists"):
        store.create_case("ICU-17", CLIN)
    with pytest.raises(StoreError, match="pseudonymous"):
        store.create_case("<script>", CLIN)


def test_verdicts_status_and_disagreement_filter(store, heart_analysis):
    a_case, b_case = store.create_case("A-1", CLIN), store.create_case("B-2", CLIN)
    a1, b1 = _save(store, a_case, heart_analysis), _save(store, b_case, heart_analysis)
    store.set_verdict(a1, REV, "agree", "stable angina", "fits the angiogram")
    store.set_verdict(b1, REV, "agree")
    store.set_verdict(b1, REV2, "uncertain")
    store.set_verdict(a1, REV, "agree", "stable angina", "updated comment")  # one verdict per reviewer
    verdicts = store.case_detail(a_case, REV)["analyses"][0]["verdicts"]
    assert [(v["reviewer"], v["comment"]) for v in verdicts] == [("rui", "updated comment")]
    assert [c["reference"] for c in store.list_cases(disagreement=True)] == ["B-2"]
    assert [c["reference"] for c in store.list_cases(disagreement=False)] == ["A-1"]
    store.set_status(a_case, REV, "closed")
    assert [c["reference"] for c in store.list_cases(status="closed")] == ["A-1"]
    assert [c["reference"] for c in store.list_cases(model_id="heart-disease", status="open")] == ["B-2"]
    assert store.list_cases(modality="imaging") == []
    with pytest.raises(StoreError, match="closed"):
        _save(store, a_case, heart_analysis)
    with pytest.raises(StoreError, match="A-1 is closed; reopen it"):
        store.set_verdict(a1, REV, "disagree")
    assert store.case_detail(a_case, REV)["analyses"][0]["verdicts"][0]["verdict"] == "agree"
    store.set_status(a_case, REV, "in review")  # reopened, the verdict can change again
    store.set_verdict(a1, REV, "disagree")
    assert store.case_detail(a_case, REV)["analyses"][0]["verdicts"][0]["verdict"] == "disagree"


def test_clinician_cannot_record_verdicts_or_change_status(store, heart_analysis):
    case_id = store.create_case("R-9", CLIN)
    analysis_id = _save(store, case_id, heart_analysis)
    with pytest.raises(PermissionDenied, match="needs the reviewer role"):
        store.set_verdict(analysis_id, CLIN, "agree")
    with pytest.raises(PermissionDenied):
        store.set_status(case_id, CLIN, "closed")
    with pytest.raises(StoreError, match="one of agree, disagree, uncertain"):
        store.set_verdict(analysis_id, REV, "maybe")


def test_audit_trail_records_who_what_when_and_is_append_only(store, heart_analysis):
    case_id = store.create_case("AU-1", CLIN)
    analysis_id = _save(store, case_id, heart_analysis)
    store.case_detail(case_id, REV)
    store.set_verdict(analysis_id, REV, "disagree")
    actions = [(e["username"], e["action"]) for e in reversed(store.audit_events())]
    assert actions == [("carla", "case.create"), ("carla", "analysis.save"), ("rui", "case.view"), ("rui", "verdict")]
    assert all(e["at"] is not None for e in store.audit_events())
    with store.Session() as s, pytest.raises(DBAPIError, match="append-only"):
        s.execute(text("UPDATE audit_events SET action = 'x'"))
        s.commit()
    with store.Session() as s, pytest.raises(DBAPIError, match="append-only"):
        s.execute(text("DELETE FROM audit_events"))
        s.commit()


def test_accounts_hash_authenticate_and_audit(store):
    create_user(store, "Ada", "correct horse battery", "admin")
    assert authenticate(store, "ada", "correct horse battery") == {"username": "ada", "role": "admin"}
    assert authenticate(store, "ada", "wrong password!") is None
    assert authenticate(store, "nobody", "whatever12345") is None
    with store.Session() as s:
        stored = s.execute(text("SELECT password_hash FROM users")).scalar()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    with pytest.raises(AccountError, match="at least 10"):
        create_user(store, "bob", "short", "clinician")
    create_user(store, "bob", "long enough pw", "clinician")
    with pytest.raises(PermissionDenied):
        update_user(store, {"username": "bob", "role": "clinician"}, "bob", role="admin")
    update_user(store, ADMIN, "bob", active=False)
    assert authenticate(store, "bob", "long enough pw") is None
    assert [u["active"] for u in list_users(store)] == [True, False]
    actions = [e["action"] for e in store.audit_events()]
    assert actions.count("login.failed") == 3 and actions.count("login") == 1 and "user.update" in actions


def test_many_threads_saving_to_one_case_lose_nothing(store, heart_analysis):
    case_id = store.create_case("BUSY-1", CLIN)
    errors = []

    def worker(i: int) -> None:
        try:
            for j in range(5):
                _save(store, case_id, heart_analysis, data=f'{{"patient": {i}, "n": {j}}}'.encode())
        except Exception as exc:  # noqa: BLE001 - collected: an exception in a thread would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    detail = store.case_detail(case_id, CLIN)
    assert len(detail["analyses"]) == 60
    assert len({a["input_sha256"] for a in detail["analyses"]}) == 60
    assert len([e for e in store.audit_events(action="analysis.save")]) == 60


def test_the_same_input_saved_by_many_calls_at_once_is_stored_once(store, heart_analysis):
    """A review of the API: 4 identical calls at the same moment stored 4 copies on SQLite (each found none, then
    each inserted), where one is stored and the others are told it is there already."""
    card, pred, expl = heart_analysis
    case_id = store.create_case("RACE-1", CLIN)
    results, errors = run_together(lambda: store.save_analysis(
        case_id, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b'{"age": 61}',
        input_name="patient.json"), 8)
    assert errors == []
    assert len({analysis_id for analysis_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 7 + [True]
    assert len(store.case_detail(case_id, CLIN)["analyses"]) == 1
    assert len(store.audit_events(action="analysis.save")) == 1


def test_a_failed_login_with_any_typed_name_is_still_audited(store):
    # The name is whatever a visitor typed: longer than the column, and text a spreadsheet would run.
    typed = "=HYPERLINK(\"http://x\")" + "a" * 300
    assert authenticate(store, typed, "whatever12345") is None
    [event] = store.audit_events(action="login.failed")
    # no account can have this name (often a password typed into the name box): a digest, never the text itself
    assert event["username"].startswith("(not a possible user name ") and "hyperlink" not in event["target"]


def test_uploaded_inputs_are_deidentified_before_storage(store, heart_analysis):
    from dataclasses import replace

    card, pred, expl = heart_analysis
    note = b"Patient John Smith, MRN 1234567, seen on 03/04/2021. Chest pain on exertion."
    case_id = store.create_case("DEID-1", CLIN)
    analysis_id = store.add_analysis(case_id, CLIN, card=replace(card, modality="notes"), prediction=pred,
                                     explanation=expl, input_bytes=note, input_name="note.txt")
    [a] = store.case_detail(case_id, CLIN)["analyses"]
    stored = store.blobs.get(a["input_sha256"])
    assert a["id"] == analysis_id and b"John Smith" not in stored and b"1234567" not in stored
    assert b"Chest pain on exertion" in stored
    # records have no de-identifier: stored as they came
    store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=note,
                       input_name="record.txt")
    assert store.blobs.get(store.case_detail(case_id, CLIN)["analyses"][1]["input_sha256"]) == note


def test_the_original_file_name_is_never_stored(store, heart_analysis):
    card, pred, expl = heart_analysis
    case_id = store.create_case("NAME-1", CLIN)
    store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b"{}",
                       input_name="SMITH_JOHN_MRN1234567_1950-03-04.JSON")
    store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b"{ }",
                       input_name="Jane Doe.<script>")
    first, second = store.case_detail(case_id, CLIN)["analyses"]
    assert first["input_name"] == f"records-{first['input_sha256'][:10]}.json"
    assert second["input_name"] == f"records-{second['input_sha256'][:10]}"  # an odd suffix is dropped


def test_an_input_the_deidentifier_rejects_is_not_stored(store, heart_analysis):
    from dataclasses import replace

    card, pred, expl = heart_analysis
    case_id = store.create_case("DEID-2", CLIN)
    with pytest.raises(StoreError, match="could not be de-identified"):
        store.add_analysis(case_id, CLIN, card=replace(card, modality="imaging"), prediction=pred,
                           explanation=expl, input_bytes=b"not an image at all", input_name="x.png")
    assert list(store.blobs.root.rglob("*")) == [] and store.case_detail(case_id, CLIN)["analyses"] == []


def test_the_last_active_admin_cannot_be_demoted_or_disabled(store):
    create_user(store, "ada", "admin password 1", "admin")
    create_user(store, "sso.user@example.org", "long enough pw", "clinician")  # an e-mail (single sign-on) name
    with pytest.raises(AccountError, match="At least one active administrator"):
        update_user(store, {"username": "cli:root", "role": "admin"}, "ada", role="reviewer")
    with pytest.raises(AccountError, match="At least one active administrator"):
        update_user(store, {"username": "cli:root", "role": "admin"}, "ada", active=False)
    assert {u["username"]: u["role"] for u in list_users(store)}["ada"] == "admin"
    update_user(store, ADMIN, "SSO.User@example.org", role="admin")
    update_user(store, ADMIN, "ada", role="reviewer")  # another admin remains now
    roles = {u["username"]: u["role"] for u in list_users(store)}
    assert roles == {"ada": "reviewer", "sso.user@example.org": "admin"}
    changes = [e["detail"] for e in store.audit_events(action="user.update")]
    assert changes == [{"role": ["admin", "reviewer"]}, {"role": ["clinician", "admin"]}]


def test_case_list_filters_by_modality_and_date(store, heart_analysis):
    from datetime import datetime, timedelta

    case_id = store.create_case("DATE-1", CLIN)
    _save(store, case_id, heart_analysis)
    now = datetime.now(UTC)
    assert [c["reference"] for c in store.list_cases(modality="records", since=now - timedelta(hours=1),
                                                      until=now + timedelta(hours=1))] == ["DATE-1"]
    assert store.list_cases(since=now + timedelta(days=1)) == []
    assert store.list_cases(until=now - timedelta(days=1)) == []


def test_saving_to_a_new_case_is_one_step_that_leaves_nothing_behind_on_failure(store, heart_analysis):
    from dataclasses import replace

    card, pred, expl = heart_analysis
    analysis_id = store.add_analysis(None, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b"{}",
                                     input_name="p.json", new_case=("NEW-1", "first visit"))
    assert store.case_of(analysis_id)["reference"] == "NEW-1"
    with pytest.raises(StoreError, match="already exists"):
        store.add_analysis(None, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b"{}",
                           input_name="p.json", new_case=("NEW-1", ""))
    with pytest.raises(StoreError, match="could not be de-identified"):
        store.add_analysis(None, CLIN, card=replace(card, modality="imaging"), prediction=pred, explanation=expl,
                           input_bytes=b"not an image", input_name="x.png", new_case=("NEW-2", ""))
    assert [c["reference"] for c in store.list_cases()] == ["NEW-1"]
    assert [e["action"] for e in reversed(store.audit_events())] == ["case.create", "analysis.save"]


def test_repeated_failed_logins_lock_that_user_name_for_a_while(store):
    from medapp.security import accounts

    create_user(store, "carla", "clinician pw 1", "clinician")
    for _ in range(accounts.LOCKOUT_FAILURES):
        assert authenticate(store, "carla", "guess guess guess") is None
    assert authenticate(store, "carla", "clinician pw 1") is None  # even the right password, for now
    assert authenticate(store, "other", "whatever12345") is None and store.audit_events()[0]["action"] == "login.failed"
    assert [e["action"] for e in store.audit_events(username="carla")][0] == "login.locked"
    accounts.LOCKOUT_WINDOW, old = accounts.timedelta(0), accounts.LOCKOUT_WINDOW
    try:
        assert authenticate(store, "carla", "clinician pw 1") == {"username": "carla", "role": "clinician"}
    finally:
        accounts.LOCKOUT_WINDOW = old


def test_an_input_the_model_does_not_fit_is_on_record_as_not_assessed(store, heart_analysis):
    """A review: a lung recording saved from the heart-sound page was stored and audited as "mitral_valve_prolapse",
    though every page said "not assessed". The prediction keeps the model's label and probabilities, for reference."""
    import dataclasses

    from medapp.types import InputFit

    card, pred, expl = heart_analysis
    unfit = dataclasses.replace(pred, fit=InputFit(fits=False, message="A lung recording."))
    case_id = store.create_case("UNFIT-1", CLIN)
    analysis_id = store.add_analysis(case_id, CLIN, card=card, prediction=unfit, explanation=expl,
                                     input_bytes=b'{"age": 70}', input_name="patient.json")
    [a] = store.case_detail(case_id, CLIN)["analyses"]
    assert a["label"] == "not assessed" and a["prediction"].label == pred.label and not a["prediction"].fits
    [event] = [e for e in store.audit_events(action="analysis.save") if e["target"] == f"analysis:{analysis_id}"]
    assert event["detail"]["label"] == "not assessed"
