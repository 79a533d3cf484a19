"""A saved analysis names the code that made it: medapp's version and a digest of its sources (a quality auditor
could tell the model's version only, while the checks and wording a result passed through changed under 0.2.0)."""
from __future__ import annotations

from installed_database import database_at
from sqlalchemy import text

from medapp import build
from medapp.build import build_id, build_words
from medapp.security.roles import Actor

CLIN = Actor("cleo", "clinician")


def test_a_save_records_the_build_on_the_analysis_and_its_audit_row(store, heart):
    card, pred, expl = heart
    case_id = store.create_case("BUILD-1", CLIN)
    aid = store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl,
                                input_bytes=b'{"age": 61}', input_name="p.json")
    stored = store.case_detail(case_id, CLIN, log_view=False)["analyses"][0]
    assert stored["app_version"] == build_id()
    version, digest = build_id().split("+")
    assert version == __import__("medapp").__version__ and len(digest) == 12
    saved = [e for e in store.audit_events(action="analysis.save") if e["target"] == f"analysis:{aid}"]
    assert [e["detail"]["app"] for e in saved] == [build_id()]


def test_the_digest_follows_every_source_file_page_and_pin(tmp_path):
    package = tmp_path / "medapp"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.py").write_text("y = 2\n")
    first = build.digest_of(package)
    (package / "sub" / "b.py").write_text("y = 3\n")  # one character of the checks changed
    assert build.digest_of(package) != first
    (package / "sub" / "b.py").write_text("y = 2\n")
    (tmp_path / "notes.txt").write_text("not code")
    assert build.digest_of(package) == first
    for beside in ("app.py", "requirements.txt", "pages/records.py"):  # the pages and the pinned libraries too
        (tmp_path / beside).parent.mkdir(exist_ok=True)
        (tmp_path / beside).write_text("z = 1\n")
        assert build.digest_of(package) != first
        first = build.digest_of(package)
    assert build.code_digest() == build.digest_of(build.PACKAGE)  # this tree's, read as the process started


def test_analyses_saved_before_builds_were_recorded_say_so(tmp_path):
    """The upgrade a running hospital takes: an analysis saved at 0007 keeps no build, and is not given today's."""
    from medapp.db import engine as engine_module

    now = "2026-12-01 10:00:00"
    with database_at(tmp_path / "installed.db", "0007_verdict_draft") as (raw, c):
        c.execute(text("INSERT INTO cases (id, reference, title, status, created_by, created_at, updated_at, version) "
                       "VALUES (4, 'MDT-4', 't', 'open', 'x', :t, :t, 1)"), {"t": now})
        c.execute(text("INSERT INTO analyses (id, case_id, modality, model_id, model_version, input_sha256, "
                       "input_name, label, prediction, author, created_at) VALUES (9, 4, 'records', 'heart-disease', "
                       "'1.2.0', 'ab', 'records-ab.json', 'absent', '{}', 'x', :t)"), {"t": now})
    engine_module.migrate(raw)
    with raw.begin() as c:
        assert c.execute(text("SELECT id, app_version FROM analyses")).all() == [(9, None)]
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0008_provenance"
    raw.dispose()
    assert build_words(None) == "medapp version not recorded (saved before 2026-12-07)"
    assert build_words("0.2.0+1f3c5a7e9b2d") == "medapp 0.2.0 (code 1f3c5a7e9b2d)"


def _save(store, heart, reference="PROV-1", data=b'{"age": 61}'):
    card, pred, expl = heart
    case_id = store.case_named(reference) or store.create_case(reference, CLIN)
    return case_id, store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl,
                                       input_bytes=data, input_name="p.json")


def test_an_analysis_is_worded_from_the_card_it_was_made_with_and_says_the_card_changed(store, heart, tmp_path,
                                                                                          monkeypatch):
    """A quality auditor's review: a report of an analysis saved with diabetes v1.2.0 read the renamed model, its new
    intended use and bands after the card changed, under the heading "v1.2.0"."""
    import shutil

    from medapp.build import card_digest
    from medapp.registry import models_dir
    from medapp.reports import case_html
    from medapp.reports.content import analysis_heading, card_change_note, intended_use_line

    card = heart[0]
    case_id, _ = _save(store, heart)
    [saved] = store.case_detail(case_id, CLIN, log_view=False)["analyses"]
    assert saved["card_sha256"] == card_digest(card) and saved["card"].text() == card.text()
    assert card_change_note(saved) is None  # today's card is the one it was made with
    # today's card changes: renamed, re-versioned, another intended use
    shutil.copytree(models_dir() / card.id, tmp_path / "models" / card.id)
    path = tmp_path / "models" / card.id / "card.json"
    path.write_text(card.text().replace(f'"version": "{card.version}"', '"version": "9.9.9"')
                    .replace(f'"name": "{card.name}"', '"name": "Renamed model"')
                    .replace(card.intended_use, "Another intended use."), encoding="utf-8")
    monkeypatch.setenv("MEDAPP_MODELS_DIR", str(tmp_path / "models"))
    [saved] = store.case_detail(case_id, CLIN, log_view=False)["analyses"]
    assert analysis_heading(saved).startswith(f"{card.name} · {card.id} v{card.version}")
    assert intended_use_line(saved)[1] == card.intended_use
    note = f"This model is v9.9.9 now; this analysis is shown as it was made, with the card of v{card.version}."
    assert card_change_note(saved) == note
    html = case_html(store.case_detail(case_id, CLIN, log_view=False), by="cleo")
    assert note in html and "Renamed model" not in html and "Another intended use." not in html
    # an analysis saved before cards were kept is drawn with today's card, and says so
    old = {**saved, "card": None, "card_sha256": None}
    assert analysis_heading(old).startswith("Renamed model")
    assert card_change_note(old) == (f"Saved with v{card.version}; the card of then was not kept, so the names, "
                                     "bands and intended use shown here are today's v9.9.9.")


def test_a_saved_analysis_and_a_kept_card_cannot_be_changed_and_the_audit_trail_only_blanked(store, heart):
    """The database refused changes to the audit trail unless its detail held an "erased" key, whatever else the
    detail then said (a row's label, version and input hash were rewritten); analyses had no protection; a re-check
    then blanked a save row's label with an empty mark, wrote a key twice, and used REPLACE INTO on SQLite."""
    import json

    import pytest
    from sqlalchemy.exc import DBAPIError

    case_id, aid = _save(store, heart)
    [row] = [e for e in store.audit_events(action="analysis.save") if e["target"] == f"analysis:{aid}"]
    [created] = [e for e in store.audit_events(action="case.create") if e["target"] == f"case:{case_id}"]
    store.audit("ada", "title.erase", f"case:{case_id}", reason="surname in the title")
    store.audit("ada", "case.view", f"case:{case_id}")
    erasure, other = (store.audit_events(action=a, limit=1)[0]["id"] for a in ("title.erase", "case.view"))
    mark = {"by": "ada", "at": "2026-12-07T21:00:00", "event": erasure}
    sqlite = store.Session().get_bind().dialect.name == "sqlite"
    update = "UPDATE audit_events SET detail = :d WHERE id = :i"
    attempts = [
        ("UPDATE analyses SET label = 'absent' WHERE id = :i", {"i": aid}),
        ("UPDATE analyses SET prediction = prediction WHERE id = :i", {"i": aid}),
        ("UPDATE model_cards SET version = '0'", {}),
        ("DELETE FROM model_cards", {}),
        (update, {"i": row["id"], "d": '{"erased": null}'}),
        (update, {"i": row["id"], "d": json.dumps({**row["detail"], "label": "tampered", "erased": mark})}),
        (update, {"i": row["id"], "d": json.dumps({"erased": mark})}),  # keys dropped
        (update, {"i": row["id"], "d": json.dumps({**row["detail"], "label": "[erased]", "erased": mark})}),  # not free text
        (update, {"i": created["id"], "d": json.dumps({**created["detail"], "reference": "[erased]", "erased": {}})}),
        (update, {"i": created["id"], "d": json.dumps({**created["detail"], "reference": "[erased]",
                                                        "erased": {**mark, "event": other}})}),  # not an erasure
        (update, {"i": row["id"], "d": json.dumps({**row["detail"], "erased": mark})[:-1] + ', "label": "x"}'}),  # twice
    ]
    if sqlite:  # its implicit delete meets the DELETE triggers (recursive_triggers)
        attempts += [("REPLACE INTO model_cards SELECT sha256, model_id, version, 'FORGED', first_saved_at "
                      "FROM model_cards", {}),
                     ("REPLACE INTO audit_events (id, at, username, action, target, detail) SELECT id, at, username, "
                      "action, target, '{}' FROM audit_events WHERE id = :i", {"i": row["id"]})]
    else:
        attempts += [("TRUNCATE audit_events CASCADE", {}), ("TRUNCATE model_cards", {})]
    for sql, params in attempts:
        with pytest.raises(DBAPIError, match="not changed once saved|append-only"), store.Session.begin() as s:
            s.execute(text(sql), params)
    # what an erasure does is still taken: a free-text value blanked, with the mark naming a later erasure
    blanked = {**created["detail"], "reference": "[erased]", "erased": mark}
    with store.Session.begin() as s:
        s.execute(text(update), {"i": created["id"], "d": json.dumps(blanked)})
    [after] = [e for e in store.audit_events(action="case.create") if e["target"] == f"case:{case_id}"]
    assert after["detail"] == blanked


def test_a_save_under_another_build_is_a_new_record(store, heart, monkeypatch):
    """The same input saved again under changed code returned the old record, made by the old code."""
    from medapp.cases import store as store_module

    case_id, first = _save(store, heart)
    assert _save(store, heart)[1] == first  # a repeated save (a double click) is the same record
    monkeypatch.setattr(store_module, "build_id", lambda: "0.2.0+000000000000")
    second = _save(store, heart)[1]
    assert second != first
    versions = [a["app_version"] for a in store.case_detail(case_id, CLIN, log_view=False)["analyses"]]
    assert versions == [build_id(), "0.2.0+000000000000"]


def test_model_files_that_differ_from_their_card_are_refused_at_load(tmp_path, monkeypatch):
    """A version named two sets of weights once; the card now names its files by SHA-256, checked at load. (Each copy
    is its own models folder, so the process's cache keeps the models other tests and pages hold.)"""
    import shutil

    import pytest

    from medapp import registry

    for copy in ("released", "tampered"):
        shutil.copytree(registry.models_dir() / "srbct-tumour", tmp_path / copy / "srbct-tumour")
    monkeypatch.setenv("MEDAPP_MODELS_DIR", str(tmp_path / "released"))
    assert registry.load_model("srbct-tumour").card.weights_sha256  # as released: loads
    weights = tmp_path / "tampered" / "srbct-tumour" / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-1] + b"\x00")
    monkeypatch.setenv("MEDAPP_MODELS_DIR", str(tmp_path / "tampered"))
    with pytest.raises(registry.ModelFilesChanged, match=r"^srbct-tumour v[\d.]+: model.safetensors in .* does not "
                       r"match the SHA-256 its card names; restore the model folder as released, or retrain"):
        registry.load_model("srbct-tumour")
    from cli_inprocess import run_medapp  # the command says it and exits 2 (it printed a traceback)

    out = run_medapp("predict", "--model", "srbct-tumour", str(tmp_path / "none.csv"))
    assert out.returncode == 2 and out.stderr.startswith("error: srbct-tumour v") and "Traceback" not in out.stderr


def test_a_card_replaced_under_a_running_process_loads_its_model_again(tmp_path, monkeypatch):
    """A re-check: new weights and card deployed without a restart, and the API kept answering with the old model under
    the new card's version, saving a record that named weights which had not made it."""
    import shutil

    from medapp import registry

    shutil.copytree(registry.models_dir() / "srbct-tumour", tmp_path / "srbct-tumour")
    monkeypatch.setenv("MEDAPP_MODELS_DIR", str(tmp_path))
    first = registry.load_model("srbct-tumour")
    assert registry.load_model("srbct-tumour") is first  # unchanged: the same instance
    card = tmp_path / "srbct-tumour" / "card.json"
    card.write_text(card.read_text().replace(f'"version": "{first.card.version}"', '"version": "9.9.9"'))
    second = registry.load_model("srbct-tumour")
    assert second is not first and second.card.version == "9.9.9" and first.card.version != "9.9.9"


def test_audit_verify_finds_a_result_rewritten_past_the_triggers(store, heart, database_url):
    """An analysis deleted and inserted again under its own id with another result, and a kept card rewritten by
    whoever can drop the triggers: no trigger sees either (a re-check); `audit --verify` says both, exit 1."""
    import json

    from cli_inprocess import run_medapp

    from medapp.build import card_digest

    case_id, aid = _save(store, heart)
    _save(store, heart, data=b'{"age": 70}')
    env = {"MEDAPP_DATABASE_URL": database_url}
    out = run_medapp("audit", "--verify", env=env)
    assert out.returncode == 0 and out.stdout == ""
    assert "2 saved analyses and 1 kept model cards checked: each agrees with its audit row" in out.stderr
    with store.Session.begin() as s:
        row = dict(s.execute(text("SELECT * FROM analyses WHERE id = :i"), {"i": aid}).mappings().one())
        forged = json.loads(row["prediction"]) if isinstance(row["prediction"], str) else row["prediction"]
        forged["probabilities"] = list(reversed(forged["probabilities"]))
        s.execute(text("DELETE FROM analyses WHERE id = :i"), {"i": aid})
        s.execute(text(f"INSERT INTO analyses ({', '.join(row)}) VALUES ({', '.join(':' + k for k in row)})"),
                  {**row, "prediction": json.dumps(forged),
                   "explanation": row["explanation"] if isinstance(row["explanation"], str | None)
                   else json.dumps(row["explanation"])})
        on = " ON model_cards" if s.get_bind().dialect.name == "postgresql" else ""
        s.execute(text(f"DROP TRIGGER model_cards_no_update{on}"))  # what the database's owner can do
        s.execute(text("UPDATE model_cards SET card = replace(card, 'Probability', 'FORGED probability')"))
    out = run_medapp("audit", "--verify", env=env)
    assert out.returncode == 1
    assert out.stdout.splitlines() == [
        f"analysis #{aid}: its stored prediction or explanation is not the one saved",
        f"kept card {card_digest(heart[0])[:12]} "
        f"({heart[0].id} v{heart[0].version}): its text is not the one named by its SHA-256"]
    assert "2 disagreements" in out.stderr
    assert store.audit_events(action="audit.verify", limit=1)[0]["detail"]["problems"] == 2
