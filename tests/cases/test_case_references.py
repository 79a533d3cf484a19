"""Store: a new case reference that looks like it identifies a patient is refused before anything is stored, normal
study and ward codes are not; a change to a case closed meanwhile is refused naming who closed it (SQLite and
PostgreSQL).

Before: "John Smith 12/03/1958" was stored as a case reference (only its characters were checked) and then shown on
Cases, in the audit trail and in report titles.
"""
from __future__ import annotations

import re

import pytest
from installed_database import database_at

from medapp.cases.references import identifying_parts, reference_problem
from medapp.cases.store import CaseClosedError, StoreError

CLIN = {"username": "carla", "role": "clinician"}
REV = {"username": "rui", "role": "reviewer"}
CHAIR = {"username": "chair", "role": "reviewer"}

NORMAL = ["MDT-2026-014", "REV-002", "LEAVE-3", "CHEST-12", "case 7", "Ward 3 review", "WARD7-0042", "ICU-17",
          "GP-0001", "E2E-CASE-1", "API-WARD-7", "Oncology MDT 14", "Victoria Ward 2", "MDT 2026-014-001",
          "TRIAL 14-22-001", "CT 12/2026", "TB-2026-11", "Q3 audit", "Bay 4 bed 2", "MDT 123-456-7890",
          "Grace review", "Heart Failure Clinic"]
IDENTIFYING = {  # reference: what the message must name
    "John Smith 12/03/1958": ["a person's name (John Smith)", "a date (12/03/1958)"],
    "john smith": ["a person's name (john smith)"],
    "JOHN SMITH": ["a person's name (JOHN SMITH)"],
    "Mary Jones 4": ["a person's name (Mary Jones)"],
    "Dr Patel review": ["a person's name (Patel)"],
    "DOB 1958-03-12": ["a date (1958-03-12)"],
    "MDT 12 March 1958": ["a date (12 March 1958)"],
    "REF 12031958": ["a date (12031958)"],
    "REF 1958/03/12": ["a date (1958/03/12)"],
    "MRN 1234567": ["a record number (1234567)"],
    # surname first, as EHR and DICOM exports write names, and an NHS number (a data-protection review)
    "smith john": ["a person's name (smith john)"],
    "SMITH JOHN review": ["a person's name (SMITH JOHN)"],
    "smith-john": ["a person's name (smith-john)"],
    "Smith_John": ["a person's name (Smith_John)"],
    "NHS 943 476 5919": ["a record number (943 476 5919)"],
    "943-476-5919": ["a record number (943-476-5919)"],
}




@pytest.mark.parametrize("reference", NORMAL)
def test_normal_study_and_ward_codes_are_not_taken_for_identifiers(reference):
    assert identifying_parts(reference) == {} and reference_problem(reference) is None


@pytest.mark.parametrize("reference, named", IDENTIFYING.items())
def test_a_reference_that_identifies_a_patient_is_explained(reference, named):
    problem = reference_problem(reference)
    assert problem is not None and problem.startswith(f"'{reference}' looks like it contains ")
    for part in named:
        assert part in problem
    assert problem.endswith("a case reference must be pseudonymous (a study or ward code, e.g. MDT-2026-014). "
                            "Nothing was saved.")


def test_a_name_and_date_of_birth_are_refused_on_every_path_and_nothing_is_stored(store, heart):
    card, pred, expl = heart
    message = re.escape("'John Smith 12/03/1958' looks like it contains a person's name (John Smith) and a date "
                        "(12/03/1958)")
    with pytest.raises(StoreError, match=message):
        store.create_case("John Smith 12/03/1958", CLIN)
    # Save to case -> New case (pages) and the HTTP API's save both come here
    with pytest.raises(StoreError, match=message):
        store.save_analysis(None, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b'{"age": 61}',
                            input_name="p.json", new_case=("John Smith 12/03/1958", "chest pain"))
    with pytest.raises(StoreError, match="a person's name"):
        store.add_analysis(None, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b'{"age": 62}',
                           input_name="p.json", new_case=("  john smith ", ""))
    assert store.list_cases() == []
    assert store.audit_events(action="case.create") == [] and store.audit_events(action="analysis.save") == []
    assert not store.blobs.root.exists() or not any(p.is_file() for p in store.blobs.root.rglob("*"))


@pytest.mark.parametrize("reference", ["MDT-2026-014", "REV-002", "LEAVE-3", "CHEST-12", "case 7", "Ward 3 review"])
def test_normal_references_are_stored(store, heart, reference):
    card, pred, expl = heart
    analysis_id, created = store.save_analysis(None, CLIN, card=card, prediction=pred, explanation=expl,
                                               input_bytes=b'{"age": 61}', input_name="p.json",
                                               new_case=(reference, ""))
    assert created and store.case_of(analysis_id)["reference"] == reference


def test_a_reference_in_other_capitals_is_the_existing_case_not_a_second_one(store, heart):
    """"mdt-multi" beside "MDT-MULTI" split one meeting's analyses between two cases (a multi-user review)."""
    card, pred, expl = heart
    store.create_case("MDT-MULTI", CLIN)
    said = re.escape("Case 'MDT-MULTI' differs from 'mdt-multi' only in capitals: choose MDT-MULTI from the list, "
                     "or give another reference.")
    with pytest.raises(StoreError, match=said):
        store.create_case("mdt-multi", CLIN)
    with pytest.raises(StoreError, match=said):
        store.save_analysis(None, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b'{"age": 63}',
                            input_name="p.json", new_case=(" mdt-multi", ""))
    assert [c["reference"] for c in store.list_cases()] == ["MDT-MULTI"]


def test_the_same_reference_in_two_spellings_at_the_same_moment_makes_one_case(store, heart, monkeypatch):
    """Two users creating "MDT-RACE" and "mdt-race" together both passed the store's check (neither case existed
    yet) and made two cases; the database's unique index on lower(reference) now refuses the second insert."""
    import threading

    from threads import run_together

    import medapp.cases.store as store_module

    both_checked = threading.Barrier(2)
    checked = store_module.title_problem  # runs after the store's own twin check, before the insert

    def title_problem_when_both_checked(title):
        both_checked.wait(timeout=10)
        return checked(title)

    monkeypatch.setattr(store_module, "title_problem", title_problem_when_both_checked)
    spellings = iter(["MDT-RACE", "mdt-race"])
    lock = threading.Lock()

    def create():
        with lock:
            reference = next(spellings)
        return store.create_case(reference, CLIN)

    made, refused = run_together(create, 2)
    assert len(made) == 1 and len(refused) == 1, (made, refused)
    [case] = store.list_cases()
    other = {"MDT-RACE": "mdt-race", "mdt-race": "MDT-RACE"}[case["reference"]]
    assert isinstance(refused[0], StoreError)
    assert str(refused[0]) == (f"Case {case['reference']!r} differs from {other!r} only in capitals: choose "
                               f"{case['reference']} from the list, or give another reference.")


def test_the_database_itself_refuses_a_reference_differing_only_in_capitals(store):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    store.create_case("MDT-FOLD", CLIN)
    with pytest.raises(IntegrityError), store.Session.begin() as s:
        s.execute(text("INSERT INTO cases (reference, title, status, created_by, created_at, updated_at, version) "
                       "VALUES ('mdt-fold', '', 'open', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))


def test_a_database_holding_twins_opens_with_a_warning_and_gets_the_index_once_one_is_renamed(tmp_path, caplog):
    """Twins made before the store's check must not stop the app from starting; the index follows the rename."""
    from sqlalchemy import create_engine, text

    from medapp.db import engine as engine_module
    from medapp.db import reference_index

    url = f"sqlite:///{tmp_path / 'old.db'}"
    raw = create_engine(url)
    engine_module.migrate(raw)
    with raw.begin() as c:  # as an older medapp left it: no index, two spellings of one reference
        c.execute(text(f"DROP INDEX {reference_index.INDEX}"))
        for ref in ("MDT-OLD", "mdt-old"):
            c.execute(text("INSERT INTO cases (reference, title, status, created_by, created_at, updated_at, "
                           "version) VALUES (:r, '', 'open', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"), {"r": ref})
    with caplog.at_level("WARNING", logger="medapp.db.reference_index"):
        engine_module.migrate(raw)
    assert "case references 'MDT-OLD' and 'mdt-old' differ only in capitals" in caplog.text
    assert caplog.text.count("differ only in capitals") == 1  # said once, not by the migration and the start
    from medapp.cases.blobs import BlobStore
    from medapp.cases.store import CaseStore

    twins_store = CaseStore(url, BlobStore(tmp_path / "blobs"))
    with pytest.raises(StoreError, match=re.escape("A case with reference 'mdt-old' already exists")):
        twins_store.create_case("mdt-old", CLIN)  # named as typed, not as its twin "MDT-OLD" (an IT review)
    with raw.connect() as c:
        assert not reference_index.present(c)
        c.execute(text("UPDATE cases SET reference = 'MDT-OLD-2' WHERE reference = 'mdt-old'"))
        c.commit()
    engine_module.migrate(raw)
    with raw.connect() as c:
        assert reference_index.present(c)
    raw.dispose()


_WORKER_START = """
import sys, time
from sqlalchemy import create_engine
from medapp.db.engine import migrate
engine = create_engine(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # every worker starts at the same moment
try:
    migrate(engine)
    print("ok")
except Exception as exc:
    print(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
"""


def _new_postgres_database(server: str, prefix: str) -> str:
    import time

    from sqlalchemy import create_engine, text

    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{int(time.time() * 1000) % 10**8}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def test_workers_starting_together_on_postgresql_create_the_index_once(postgres_server):
    """After a rename, every worker found the index missing and ran CREATE INDEX IF NOT EXISTS at once; on
    PostgreSQL that is not safe between sessions, and one of four died on a duplicate catalogue row in 2 of 5 rounds
    (an IT review). They now take an advisory lock in turn. Processes, as real workers are (Alembic's context is
    one per process)."""
    import subprocess
    import sys
    import time

    from sqlalchemy import create_engine, text

    from medapp.db import engine as engine_module
    from medapp.db import reference_index

    database_url = _new_postgres_database(postgres_server, "workers")  # SQLite serialises its writers itself
    first = create_engine(database_url)
    engine_module.migrate(first)
    for _ in range(3):  # without the lock: failed in 1 of 2 two-round runs here
        with first.begin() as c:
            c.execute(text(f"DROP INDEX {reference_index.INDEX}"))
        at = time.time() + 4  # after the four have imported SQLAlchemy and Alembic
        workers = [subprocess.Popen([sys.executable, "-c", _WORKER_START, database_url, str(at)],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for _ in range(4)]
        said = [w.communicate(timeout=120)[0].strip().splitlines()[-1:] for w in workers]
        assert said == [["ok"]] * 4
        with first.connect() as c:
            assert reference_index.present(c)
    first.dispose()


def test_processes_starting_together_on_an_empty_postgresql_database_migrate_it_in_turn(postgres_server):
    """An IT review: three `users list` started together on an empty database, twice; two of three died with
    tracebacks (UniqueViolation on pg_type, DuplicateTable "users"): Alembic's upgrade had no lock."""
    import subprocess
    import sys
    import time

    from sqlalchemy import create_engine, text

    for round_ in range(2):
        database_url = _new_postgres_database(postgres_server, f"empty{round_}")
        at = time.time() + 4
        workers = [subprocess.Popen([sys.executable, "-c", _WORKER_START, database_url, str(at)],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) for _ in range(3)]
        said = [w.communicate(timeout=120)[0].strip().splitlines()[-1:] for w in workers]
        assert said == [["ok"]] * 3
        engine = create_engine(database_url)
        with engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM alembic_version")).scalar() >= 1
        engine.dispose()


def test_two_installations_in_two_postgresql_schemas_each_get_the_index(postgres_server):
    """The catalogue check looked at every schema, so the second installation in one database never got it."""
    from sqlalchemy import create_engine, text

    from medapp.db import engine as engine_module
    from medapp.db import reference_index

    url = _new_postgres_database(postgres_server, "schemas")
    base = create_engine(url)
    with base.begin() as c:
        c.execute(text("CREATE SCHEMA site_a"))
        c.execute(text("CREATE SCHEMA site_b"))
    base.dispose()
    for schema in ("site_a", "site_b"):
        site = create_engine(f"{url}?options=-csearch_path%3D{schema}")
        engine_module.migrate(site)
        with site.connect() as c:
            assert reference_index.present(c), schema
            assert c.execute(text("SELECT count(*) FROM pg_indexes WHERE schemaname = :s AND indexname = :n"),
                             {"s": schema, "n": reference_index.INDEX}).scalar() == 1
        site.dispose()


def test_an_installation_at_the_previous_revision_upgrades_with_its_cases(tmp_path):
    """The path a running hospital takes: a database at 0003_patient holding cases is upgraded at the next start,
    keeps its cases, and then refuses a second spelling at the database."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from medapp.db import engine as engine_module
    from medapp.db import reference_index

    with database_at(tmp_path / "installed.db", "0003_patient") as (raw, c):
        for ref in ("MDT-1", "mdt-2", "Ward 3 review"):
            c.execute(text("INSERT INTO cases (reference, title, status, created_by, created_at, updated_at, "
                           "version) VALUES (:r, '', 'open', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"), {"r": ref})
        assert not reference_index.present(c)
    engine_module.migrate(raw)
    with raw.connect() as c:
        assert reference_index.present(c)
        assert c.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0008_provenance"
        assert sorted(c.execute(text("SELECT reference FROM cases")).scalars()) == ["MDT-1", "Ward 3 review", "mdt-2"]
    with pytest.raises(IntegrityError), raw.begin() as c:
        c.execute(text("INSERT INTO cases (reference, title, status, created_by, created_at, updated_at, version) "
                       "VALUES ('MDT-2', '', 'open', 'x', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"))
    raw.dispose()


def test_a_verdict_on_a_case_closed_meanwhile_is_refused_naming_who_closed_it(store, heart):
    card, pred, expl = heart
    case_id = store.create_case("REV-002", CLIN)
    aid = store.add_analysis(case_id, CLIN, card=card, prediction=pred, explanation=expl, input_bytes=b"{}",
                             input_name="p.json")
    store.set_status(case_id, CHAIR, "closed")
    with pytest.raises(CaseClosedError, match=r"Case REV-002 is closed; reopen it before changing a verdict "
                                              r"\(closed by chair at \d\d:\d\d UTC\)") as refused:
        store.set_verdict(aid, REV, "uncertain", comment="needs the echo", expected_version=0)
    assert (refused.value.reference, refused.value.closed_by) == ("REV-002", "chair")
    assert refused.value.closed_at is not None
    assert store.case_detail(case_id, REV, log_view=False)["analyses"][0]["verdicts"] == []
    assert store.audit_events(action="verdict") == []


def test_a_title_naming_the_patient_is_refused_and_a_clinical_one_kept(store):
    """'John Smith DOB 12/03/1958 MRN 1234567' was saved as a title (shown on Cases, in Meeting mode and in report
    headers) while the same text as a reference was refused (a security review)."""
    admin = {"username": "ada", "role": "admin"}
    with pytest.raises(StoreError) as refused:
        store.create_case("TITLE-PHI", admin, title="John Smith DOB 12/03/1958 MRN 1234567")
    assert str(refused.value).startswith("The case title looks like it contains a person's name (John Smith) and a "
                                         "date (12/03/1958) and a record number (1234567)")
    assert store.list_cases() == []  # nothing saved
    case_id = store.create_case("TITLE-OK", admin, title="Parkinson's disease review after Whipple procedure")
    assert store.case_detail(case_id, admin, log_view=False)["title"] == "Parkinson's disease review after Whipple procedure"
