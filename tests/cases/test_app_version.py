"""A saved analysis names the code that made it: medapp's version and a digest of its sources (a quality auditor
could tell the model's version only, while the checks and wording a result passed through changed under 0.2.0)."""
from __future__ import annotations

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


def test_the_digest_follows_every_source_file(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("y = 2\n")
    first = build.digest_of(tmp_path)
    (tmp_path / "sub" / "b.py").write_text("y = 3\n")  # one character of the checks changed
    assert build.digest_of(tmp_path) != first
    (tmp_path / "sub" / "b.py").write_text("y = 2\n")
    (tmp_path / "notes.txt").write_text("not code")
    assert build.digest_of(tmp_path) == first
    assert build.code_digest() == build.digest_of(build.PACKAGE)  # this tree's, read as the process started


def test_analyses_saved_before_builds_were_recorded_say_so(tmp_path):
    """The upgrade a running hospital takes: an analysis saved at 0007 keeps no build, and is not given today's."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    from medapp.db import engine as engine_module

    raw = create_engine(f"sqlite:///{tmp_path / 'installed.db'}")
    cfg = Config()
    cfg.set_main_option("script_location", str(engine_module.MIGRATIONS))
    now = "2026-12-01 10:00:00"
    with raw.begin() as c:
        cfg.attributes["connection"] = c
        command.upgrade(cfg, "0007_verdict_draft")
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
