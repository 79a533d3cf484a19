"""A cohort in another coding or unit, which no single value shows (records/cohort_checks.py).

An EHR review (2026-12-07) fed the training files recoded as real exports are: Cleveland in Kaggle's heart.csv coding
(25 of 59 labels flipped, no word), insulin in pmol/L (205 of 514 changed), tumour size in cm and urea in mmol/L
(scored as mm and mg/dL), heart-failure follow-up in months (drawn as days). Each is said or refused here, and the
training files themselves, and random subsets of them, get none of it."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from medapp.modalities.records import cohort_checks
from medapp.modalities.records.schema import DATASETS as RECORDS
from medapp.modalities.records.schema import read_dataset
from medapp.modalities.records.train import encode_training
from medapp.modalities.survival.schema import DATASETS as SURVIVAL
from medapp.registry import data_root, load_model
from medapp.types import InputError

CP_NOTE = ("Chest pain type: none of these 59 patients has 'asymptomatic' (code 4), which 48% of the training patients "
           "have; patients like them would lack it by chance less than once in a million cohorts of this size. Check "
           "the coding of the column (the model's codes are 1 typical angina, 2 atypical angina, 3 non-anginal pain, 4 "
           "asymptomatic): a column in another coding (such as 0-3 for 1-4) is read wrongly without an error wherever "
           "its codes happen to be valid. If these patients truly lack it, read their results knowing the model saw "
           "few like them.")
NEW = ("column reads as", "codes the model does not use", "none of these", "follow-up time reaches only",
       "may mix units")


def _csv(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue().encode()


def _cleveland() -> pd.DataFrame:
    return pd.read_csv(data_root() / RECORDS["heart-disease"].path, dtype=str)


def _kaggle(frame: pd.DataFrame) -> pd.DataFrame:
    """Cleveland coded as Kaggle's heart.csv: chest pain 0-3, slope 0-2, thallium 1/2/3 for 6/3/7."""
    out = frame.copy()
    out["cp"] = (out["cp"].astype(float).astype(int) - 1).astype(str)
    out["slope"] = (out["slope"].astype(float).astype(int) - 1).astype(str)
    out["thal"] = out["thal"].map({"3.0": "2", "6.0": "1", "7.0": "3", "3": "2", "6": "1", "7": "3"}).fillna("")
    return out


def test_a_cohort_in_another_coding_whose_codes_are_all_valid_is_said_on_every_row():
    """The review's 59 rows whose Kaggle codes happen to be valid UCI codes: all scored, 25 labels flipped, no word."""
    kaggle = _kaggle(_cleveland())
    subset = kaggle[kaggle.cp.isin(["1", "2", "3"]) & kaggle.slope.isin(["1", "2"]) & (kaggle.thal == "3")]
    assert len(subset) == 59
    model = load_model("heart-disease")
    cases = model.inputs_from_bytes(_csv(subset), "kaggle.csv")  # the CLI's path; the API and the page read the same
    assert len(cases) == 59 and all(not isinstance(r, InputError) for _, r in cases)
    for _, record in cases:
        assert CP_NOTE in record.warnings
        assert any(w.startswith("Thallium stress test: none of these 59 patients has 'reversible defect' (code 7), "
                                "which 40% of the training patients have") for w in record.warnings)


def test_codes_refused_in_many_rows_are_linked_to_the_rows_scored():
    """The full recoded file: 182 rows refused, 60 scored, and nothing said the 60 may be coded the same way."""
    cohort = load_model("heart-disease").validate_cohort(_csv(_kaggle(_cleveland())), "kaggle.csv")
    assert len(cohort.rows) == 60 and len(cohort.errors) == 182
    assert ("Thallium stress test: 144 of 240 rows hold codes the model does not use ('2' (129 rows), '1' (15 rows)), "
            "so they were not scored; its codes are 3 normal, 6 fixed defect, 7 reversible defect. The column holds 1, "
            "2, 3. The column is likely in another coding (such as 0-3 for 1-4, or 1/2 for 0/1). The 60 rows scored "
            "may be coded the same way, and then their Thallium stress test was read wrongly without an error: check "
            "the column's coding before using their results.") in cohort.file_warnings
    # chest pain 0 (Cleveland's 1) is 8% of the rows: said too
    assert any(w.startswith("Chest pain type: 20 of 242 rows hold codes the model does not use ('0' (20 rows))")
               for w in cohort.file_warnings)


def test_sex_coded_1_2_is_said_and_a_cohort_of_men_only_is_not():
    frame = _cleveland()
    twelve = frame.assign(sex=frame.sex.astype(float).astype(int).map({0: "2", 1: "1"}))
    model = load_model("heart-disease")
    cohort = model.validate_cohort(_csv(twelve), "sex12.csv")
    assert (f"Sex: 78 of 242 rows hold codes the model does not use ('2' (78 rows)), so they were not scored; its "
            f"codes are 0 female, 1 male. The column holds 1, 2. The column is likely in another coding (such as 0-3 "
            f"for 1-4, or 1/2 for 0/1). The {len(cohort.rows)} rows scored may be coded the same way, and then their "
            "Sex was read wrongly without an error: check the column's coding before using their results."
            ) in cohort.file_warnings
    # a binary field's absent value is a real group (164 men): nothing said
    men = frame[frame.sex.astype(float) == 1]
    assert not any(k in w for w in model.validate_cohort(_csv(men), "men.csv").file_warnings for k in NEW)
    # one typo is its row's own error, not a column in another coding
    typo = frame.copy()
    typo.loc[3, "cp"] = "5"
    assert not any(k in w for w in model.validate_cohort(_csv(typo), "typo.csv").file_warnings for k in NEW)


def _pima() -> pd.DataFrame:
    return pd.read_csv(data_root() / RECORDS["diabetes"].path, dtype=str)


def test_insulin_in_picomoles_is_not_scored_and_a_single_value_names_the_unit():
    """pmol/L (the SI unit) read as µU/mL: 6 times too high, 205 of 514 patients changed, 21 labels flipped."""
    frame = _pima()
    frame["insulin"] = (frame.insulin.astype(float) * 6).round().astype(int).astype(str)
    model = load_model("diabetes")
    cohort = model.validate_cohort(_csv(frame), "pmol.csv")
    said = ("2-h serum insulin: the column reads as pmol/L, not µU/mL: its median, 690, read as pmol/L is 115 µU/mL, "
            "near the training patients' median of 115 µU/mL; 158 of its 305 values fit only pmol/L. Scored as "
            "µU/mL, every value would be wrong, so the rows with a value in it were not scored: convert the column "
            "to µU/mL (divide by 6) and upload the file again.")
    assert said in cohort.file_warnings
    insulin = frame.insulin.astype(float).to_numpy()  # 0 is "not measured" in this file
    assert cohort.rows == [int(i) + 1 for i in np.flatnonzero(insulin == 0)] and len(cohort.rows) == 309
    assert all(said in cohort.errors[int(i) + 1] for i in np.flatnonzero((insulin > 0) & (insulin <= 1000)))
    # above 1,000 (the valid range) each says the unit it fits
    assert cohort.errors[int(np.flatnonzero(insulin == 1080)[0]) + 1][0] == (
        "2-h serum insulin: 1080 is outside the valid range 10-1000 µU/mL. In pmol/L? 1080 pmol/L is 180 µU/mL: enter "
        "that")
    with pytest.raises(InputError, match=r"In pmol/L\? 1080 pmol/L is 180 µU/mL: enter that$"):
        model.record({"insulin": 1080, "age": 40})


def test_tumour_size_in_centimetres_and_urea_in_millimoles_are_not_scored():
    """The tool said "389 of 676 values read as cm, not mm" and scored all of them in mm (114 labels flipped)."""
    gbsg = pd.read_csv(data_root() / SURVIVAL["breast-cancer-recurrence"].path)
    gbsg["tsize"] = gbsg["tsize"] / 10
    cohort = load_model("breast-cancer-recurrence").validate_cohort(_csv(gbsg), "cm.csv").cohort
    assert cohort.rows == [] and len(cohort.errors) == 686
    assert cohort.errors[1][-1].startswith("Tumour size: the column reads as cm, not mm: its median, 2.5, read as cm is "
                                           "25 mm, near the training patients' median of 25 mm; ")
    kidney = pd.read_csv(data_root() / RECORDS["kidney-disease"].path, dtype=str)
    kidney["bu"] = pd.to_numeric(kidney.bu, errors="coerce").div(6.006).round(1).astype(str).replace("nan", "")
    cohort = load_model("kidney-disease").validate_cohort(_csv(kidney), "mmol.csv")
    assert any(w.startswith("Blood urea: the column reads as mmol/L, not mg/dL") and "(multiply by 6.006)" in w
               for w in cohort.file_warnings)
    assert len(cohort.rows) == 16  # the rows without a urea (and nothing else wrong) are scored


def test_follow_up_in_months_is_queried_beside_the_observed_curves():
    frame = pd.read_csv(data_root() / SURVIVAL["heart-failure"].path)
    model = load_model("heart-failure")
    assert model.validate_cohort(_csv(frame), "days.csv").time_query is None
    months = frame.assign(time=(frame.time / 30.44).round(1))
    survival = model.validate_cohort(_csv(months), "months.csv")
    assert survival.time_query == (
        "The follow-up time reaches only 9.4, where the training patients were followed for up to 285 days, and the "
        "observed curves are drawn in days. Is time in months? Then multiply it by 30.44 and upload the file again: "
        "read as days, the curves put every event in the first days.")
    assert any(n.endswith(survival.time_query) for n in survival.cohort.file_notes)  # with the outcome note
    # weeks too (a re-check: 40.7 "days" was under no query)
    weeks = model.validate_cohort(_csv(frame.assign(time=(frame.time / 7).round(1))), "weeks.csv")
    assert "Is time in weeks? Then multiply it by 7 " in weeks.time_query
    # a unit in the column's name is read and converted, and said (it was no outcome column: no curves were drawn)
    for header, factor in (("time (months)", 30.44), ("Time [weeks]", 7.0), ("time (days)", 1.0)):
        named = model.validate_cohort(_csv(frame.assign(time=frame.time / factor).rename(columns={"time": header})),
                                      "named.csv")
        assert named.time_query is None
        assert np.allclose(named.time, frame.time.to_numpy()[np.asarray(named.cohort.rows) - 1], rtol=1e-9)
        said = f"The follow-up column '{header}' was read in"
        assert any(said in n for n in named.cohort.file_notes) == (factor != 1.0)
    # a short follow-up under the file's own word that it is in days is not asked whether it is in weeks (a browser
    # check: the first 30 patients of the time-sorted file, with a row of units saying days, were asked)
    first = frame.head(30)
    assert model.validate_cohort(_csv(first), "first.csv").time_query is not None  # unnamed: asked
    assert model.validate_cohort(_csv(first.rename(columns={"time": "time (days)"})), "first.csv").time_query is None
    # a follow-up cell that names its own unit is read in it ("6 days", "3 months"), and not queried
    worded = first.astype({"time": str})
    worded["time"] = [f"{t / 30.44:.6f} months" if i % 2 else f"{t} days" for i, t in enumerate(first.time)]
    said = model.validate_cohort(_csv(worded), "worded.csv")
    assert said.time_query is None and np.allclose(said.time, first.time.to_numpy()[np.asarray(said.cohort.rows) - 1])
    hours = model.validate_cohort(_csv(frame.rename(columns={"time": "time (hours)"})), "hours.csv")
    assert hours.time is None and any("its follow-up column 'time (hours)' is in hours, where days, weeks, months or "
                                      "years are read" in n for n in hours.cohort.file_notes)


@pytest.mark.parametrize("model_id", [*RECORDS, *SURVIVAL])
def test_no_training_cohort_nor_random_subset_of_it_is_said(model_id):
    """False alarms, measured on the training files: the whole file, and random subsets (30+ rows; 20 for the unit
    check, which needs 20 values). 2,000 subsets of 20, 30, 50, 100 rows and half the file per model: none said
    (docs/records.md); here 200 of each, so the test stays quick."""
    model = load_model(model_id)
    ref = model.card.input
    data = (data_root() / model.card.data["source_path"]).read_bytes()
    validated = model.validate_cohort(data, "training.csv")
    said = getattr(validated, "cohort", validated).file_warnings
    assert not [w for w in said if any(k in w for k in NEW)]
    if model_id in RECORDS:
        dataset = RECORDS[model_id]
        X, time = encode_training(dataset, read_dataset(dataset, data_root()).features), None
    else:
        dataset = SURVIVAL[model_id]
        frame, time, _ = dataset.read(data_root())
        X = frame.to_numpy(dtype=float)
    rng = np.random.default_rng(0)
    for size in (20, 30, 50, 100, len(X) // 2):
        for _ in range(200):
            idx = rng.choice(len(X), size=size, replace=False)
            for j, f in enumerate(dataset.fields):
                col = X[idx, j][~np.isnan(X[idx, j])]
                assert cohort_checks.other_unit(f, col, ref["typical"].get(f.name),
                                                ref["training_range"].get(f.name)) is None
                assert cohort_checks.absent_code_note(f, col, ref["category_shares"].get(f.name)) is None
                assert cohort_checks.mixed_units_note(f, col, f.usual or ref["training_range"].get(f.name)) is None
            if time is not None:
                assert cohort_checks.follow_up_note(time[idx], ref["max_follow_up_days"]) is None


def test_a_column_partly_in_another_unit_is_said_with_every_row():
    """A re-check: insulin in pmol/L on every other row (two laboratories merged) changed 111 of 514 results, with a
    hint on 5 rows only and nothing for the column; the median stays the field's unit, so the column is scored."""
    frame = pd.read_csv(data_root() / RECORDS["diabetes"].path)
    mixed = frame.copy()
    mixed.loc[::2, "insulin"] = mixed.loc[::2, "insulin"] * 6
    cohort = load_model("diabetes").validate_cohort(_csv(mixed), "mixed.csv")
    [note] = [w for w in cohort.file_warnings if "may mix units" in w]
    assert note.startswith("2-h serum insulin: 75 of the column's 305 values lie where only pmol/L reads them (such "
                           "as 4080, which read as pmol/L is 680 µU/mL): the column may mix units")
    assert not [w for w in load_model("diabetes").validate_cohort(_csv(frame), "clean.csv").file_warnings
                if "may mix units" in w]


def test_a_few_values_in_another_unit_are_said_not_refused():
    """A blind review: three tumour sizes in cm (3 to 4.5) were scored as millimetres with no word, every value
    fitting the mm range, and the column check needing 20 values. From 3 values the column is said, and scored."""
    model = load_model("breast-cancer-recurrence")
    said = model.validate_cohort(b"horTh,age,menostat,tsize,tgrade,pnodes,progrec,estrec\n"
                                 b"yes,58,Post,3.5,II,9,52,271\nno,70,Post,3.0,II,3,48,66\nyes,59,Post,4.5,II,4,60,29\n",
                                 "cm.csv").cohort
    assert said.rows == [1, 2, 3]
    assert ("Tumour size: the column may be in cm, not mm: its median, 3.5, read as cm is 35 mm, near the training "
            "patients' median of 25 mm. With 3 values this is not certain, so they were scored as mm: check the "
            "column's unit before relying on any of its rows.") in said.file_warnings
    # false alarms: small random groups of the training patients (2,000 per size measured: none for tumour size; insulin
    # 4, 5 and 2 of 2,000 groups of 3, 5 and 10, docs/records.md)
    dataset = SURVIVAL["breast-cancer-recurrence"]
    frame, _, _ = dataset.read(data_root())
    X, ref, rng = frame.to_numpy(dtype=float), model.card.input, np.random.default_rng(0)
    tsize = [f.name for f in dataset.fields].index("tsize")
    for size in (3, 5, 10):
        for _ in range(300):
            col = X[rng.choice(len(X), size=size, replace=False), tsize]
            assert cohort_checks.other_unit(dataset.fields[tsize], col, ref["typical"]["tsize"],
                                            ref["training_range"]["tsize"], cohort_checks.FEW_UNIT_VALUES) is None
