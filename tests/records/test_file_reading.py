"""Reading real EHR and laboratory exports: number conventions, Excel formulas, header names and rows, sheets,
encodings, missing-value markers (a data engineer's review of hospital exports, 2026-12-07)."""
from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from medapp.modalities.records import io as records_io
from medapp.registry import data_root, load_model
from medapp.types import InputError


@pytest.fixture(scope="module")
def gbsg2() -> pd.DataFrame:
    return pd.read_csv(data_root() / "records/survival/gbsg2.csv")


@pytest.fixture(scope="module")
def pima() -> pd.DataFrame:
    return pd.read_csv(data_root() / "records/pima_diabetes/pima_diabetes.csv")


@pytest.fixture(scope="module")
def failure() -> pd.DataFrame:
    return pd.read_csv(data_root() / "records/heart_failure/heart_failure.csv")


def _column(model, name: str) -> int:
    return [f.name for f in model.fields].index(name)


def _european(df: pd.DataFrame, grouped: tuple[str, ...] = ()) -> bytes:
    """The table as a European spreadsheet exports it: ';' between columns, a decimal comma, a dot for thousands."""
    def cell(column: str, v) -> str:
        if column in grouped:
            return f"{int(v):,}".replace(",", ".")
        return str(v).replace(".", ",") if isinstance(v, float) else str(v)
    lines = [";".join(df.columns)] + [";".join(cell(c, v) for c, v in zip(df.columns, row))
                                      for row in df.itertuples(index=False)]
    return ("\n".join(lines) + "\n").encode()


def test_a_semicolon_file_reads_a_dot_as_thousands_in_every_cell_and_says_so(gbsg2):
    """'1.144' (1144 days, fmol/mg) was read as 1.144: receptor values 1000 times too small, 4 labels flipped, and the
    observed curves drawn over two days."""
    model = load_model("breast-cancer-recurrence")
    clean = model.validate_cohort(gbsg2.to_csv(index=False).encode(), "gbsg2.csv")
    eu = model.validate_cohort(_european(gbsg2, ("progrec", "estrec", "time")), "gbsg2_eu.csv")
    assert eu.cohort.rows == clean.cohort.rows and not eu.cohort.errors
    assert np.array_equal(eu.cohort.X, clean.cohort.X, equal_nan=True)
    assert np.array_equal(eu.time, clean.time) and eu.time.max() == 2659  # "2.659" days, not 2.659
    row = int(np.flatnonzero(gbsg2["progrec"] >= 1000)[0])
    assert eu.cohort.X[row, _column(model, "progrec")] == gbsg2["progrec"][row] >= 1000
    assert eu.cohort.file_notes[0] == ("Numbers were read the European way (the file is separated by semicolons): a "
                                       "comma is the decimal mark and a dot groups thousands (1.144 is 1144).")


def test_a_dotted_thousand_in_a_file_that_never_shows_its_decimal_mark_is_refused_not_read_as_a_decimal(gbsg2):
    """A re-check: the same whole-number file tab-separated (or UTF-16, or '|') read "1.144" as 1.144: 8 patients
    changed, 4 labels flipped, the follow-up read as 1.8 days, with no word. Nothing in such a file says whether a
    point is a decimal point, so the cell is refused on its row, as "12,500" is."""
    model = load_model("breast-cancer-recurrence")
    grouped = gbsg2.copy()
    for column in ("progrec", "estrec"):
        grouped[column] = [f"{int(v):,}".replace(",", ".") for v in gbsg2[column]]
    cohort = model.validate_cohort(grouped.to_csv(sep="\t", index=False).encode(), "gbsg2.tsv").cohort
    dotted = [i + 1 for i, v in enumerate(gbsg2["progrec"]) if v >= 1000]
    assert dotted and set(dotted) <= set(cohort.errors) and len(cohort.errors) == 8 and len(cohort.rows) == 678
    assert cohort.errors[33] == ["Progesterone receptor: '1.490' is ambiguous (a decimal point or a thousands "
                                 "separator?): write 1490 or 1.490"]
    scored = np.asarray(cohort.X)[:, _column(model, "progrec")]
    assert np.nanmax(scored) < 1000 and np.all(scored[~np.isnan(scored)] == np.round(scored[~np.isnan(scored)]))
    # a file that shows its decimal point elsewhere reads "1.144" as a decimal, as before
    assert records_io.read_number("1.144", records_io.POINT) == 1.144 and records_io.read_number("7", None) == 7.0


def test_decimal_commas_and_coded_categories_are_read_not_refused(pima):
    """'0,627' was refused with "write 0627 or 0.627" (558 of 614 Pima rows) and a code '1,0' as not a code."""
    model = load_model("diabetes")
    clean = model.validate_cohort(pima.to_csv(index=False).encode(), "pima.csv").X
    eu = model.validate_cohort(_european(pima), "pima_eu.csv")
    assert np.array_equal(eu.X, clean, equal_nan=True) and len(eu.rows) == 613
    assert "a comma is the decimal mark ('33,6')" in eu.file_notes[0]
    heart = load_model("heart-disease")
    coded = heart.validate_cohort(b"age;sex;cp;trestbps;chol;oldpeak;thal\n67;1,0;4,0;160,0;286,0;1,5;3,0\n", "hd.csv")
    assert coded.rows == [1] and coded.X[0, _column(heart, "sex")] == 1 and coded.X[0, _column(heart, "cp")] == 4
    assert coded.X[0, _column(heart, "oldpeak")] == 1.5


def test_a_semicolon_file_with_decimal_points_refuses_what_reads_both_ways():
    """"7.800" white cells in a ';' file whose other cells are '1.02': 7800 or 7.8? Said, not guessed."""
    model = load_model("heart-failure")
    cohort = model.validate_cohort(b"age;sex;ejection_fraction;serum_creatinine;serum_sodium;platelets;smoking\n"
                                   b"55.0;1;38;1.1;136;263.358;0\n65;1;20;1.3;129;162000;1\n", "hf.csv").cohort
    assert cohort.rows == [2]
    assert cohort.errors[1] == ["Platelets: '263.358' could be 263358 or 263.358, as this file writes decimals both "
                                "ways: write it without a thousands separator"]
    assert cohort.file_notes[0].startswith("This file is separated by semicolons, as European exports are, but writes "
                                           "decimals with a point ('55.0')")


def _formula_workbook(path, pima: pd.DataFrame) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(pima.columns))
    for row in pima.head(20).itertuples(index=False):
        values = list(row)
        values[list(pima.columns).index("bmi")] = f"=ROUND({row.bmi},1)"  # openpyxl stores no result
        sheet.append(values)
    book.save(path)
    return path.read_bytes()


def test_excel_formulas_without_a_stored_result_refuse_the_file(tmp_path, pima):
    """'=ROUND(33.6,1)' with no stored value was read as BMI not measured for all 514 patients (35 labels flipped)."""
    data = _formula_workbook(tmp_path / "f.xlsx", pima)
    with pytest.raises(InputError) as refused:
        load_model("diabetes").validate_cohort(data, "pima.xlsx")
    assert refused.value.message == (
        "pima.xlsx: column F (bmi) holds formulas whose results were never stored (=ROUND(33.6,1) in row 2, and 19 more "
        "cells), so its values cannot be read: the program that wrote the file did not calculate them. Open the file "
        "in Excel and save it (or save it as CSV), then upload it again.")
    # a formula whose result was stored (as Excel saves it) is read as its value; one without, in any column, is said
    book = openpyxl.load_workbook(io.BytesIO(data))
    for cell in book.active["F"][1:]:
        cell.value = float(cell.value[7:-3])
    book.save(tmp_path / "g.xlsx")
    cohort = load_model("diabetes").validate_cohort((tmp_path / "g.xlsx").read_bytes(), "g.xlsx")
    assert len(cohort.rows) == 20 and cohort.X[0, _column(load_model("diabetes"), "bmi")] == pima["bmi"][0]
    book.active["J1"], book.active["J2"] = "check", "=A2"
    book.save(tmp_path / "h.xlsx")
    with pytest.raises(InputError, match=r"^h.xlsx: column J \(check\) holds formulas whose results were never stored "
                                         r"\(=A2 in row 2\), so"):
        load_model("diabetes").validate_cohort((tmp_path / "h.xlsx").read_bytes(), "h.xlsx")


def test_headers_match_whatever_their_case_spacing_and_unit(pima, failure):
    """Kaggle's 'BloodPressure', 'DiabetesPedigreeFunction', 'EJECTION FRACTION', 'Serum sodium (mmol/L)' were not
    matched and the file scored with those inputs dropped."""
    model = load_model("diabetes")
    clean = model.validate_cohort(pima.to_csv(index=False).encode(), "pima.csv").X
    kaggle = pima.rename(columns={"blood_pressure": "BloodPressure", "skin_thickness": "SkinThickness",
                                  "diabetes_pedigree": "DiabetesPedigreeFunction", "bmi": "BMI", "outcome": "Outcome"})
    cohort = model.validate_cohort(kaggle.to_csv(index=False).encode(), "kaggle.csv")
    assert np.array_equal(cohort.X, clean, equal_nan=True)
    assert cohort.file_warnings == ["Column Outcome is what the model predicts (the training file's label): not used "
                                    "as an input."]
    hf = load_model("heart-failure")
    readable = failure.rename(columns={"ejection_fraction": "EJECTION FRACTION", "serum_sodium": "Serum sodium (mmol/L)",
                                       "creatinine_phosphokinase": "CPK (mcg/L)", "platelets": "Platelets [/µL]",
                                       "DEATH_EVENT": "DEATH EVENT", "age": "Age (years)"})
    got = hf.validate_cohort(readable.to_csv(index=False).encode(), "hf.csv")
    want = hf.validate_cohort(failure.to_csv(index=False).encode(), "hf.csv")
    assert np.array_equal(got.cohort.X, want.cohort.X, equal_nan=True) and np.array_equal(got.event, want.event)
    with pytest.raises(InputError, match=r"^Column 'Age \(months\)' gives Age in months, but this model takes it in "
                                         r"years, and months is not a unit it converts: convert the column to years"):
        hf.validate_cohort(failure.rename(columns={"age": "Age (months)"}).to_csv(index=False).encode(), "hf.csv")
    with pytest.raises(InputError, match=r"^Columns 'age' and 'Age' both name Age \(age\): keep the one in the "
                                         r"model's unit \(years\)"):
        hf.validate_cohort(failure.assign(Age=failure["age"] * 12).to_csv(index=False).encode(), "hf.csv")


@pytest.mark.parametrize("column, header", [
    ("age", "Age (at admission)"), ("age", "Age (yrs.)"), ("ejection_fraction", "Ejection fraction (echo)"),
    ("creatinine_phosphokinase", "CPK (U/L)"), ("creatinine_phosphokinase", "CPK (IU/L)"),
    ("platelets", "Platelets (kiloplatelets/mL)"), ("platelets", "Platelets (/mm³)")])
def test_a_bracket_that_is_a_note_or_the_same_unit_keeps_the_column(failure, column, header):
    """A re-check: each of these refused the whole file ("gives Age in at admission"; "U/L is not a unit it converts",
    CPK's clinical unit, in which the dataset's values are written; its own kiloplatelets/mL is the model's /µL)."""
    model = load_model("heart-failure")
    clean = model.validate_cohort(failure.to_csv(index=False).encode(), "hf.csv").cohort
    renamed = model.validate_cohort(failure.rename(columns={column: header}).to_csv(index=False).encode(), "hf.csv")
    assert np.array_equal(renamed.cohort.X, clean.X, equal_nan=True) and renamed.cohort.rows == clean.rows
    with pytest.raises(InputError, match=r"gives Age in months, but this model takes it in years"):
        model.validate_cohort(failure.rename(columns={"age": "Age (months)"}).to_csv(index=False).encode(), "hf.csv")


def test_a_duplicated_column_refuses_the_file_once():
    """Every row read "Age: '['57' '57']' is not a number"."""
    with pytest.raises(InputError, match=r"^Column age appears twice \(columns 1 and 3\): keep one and upload the file "
                                         r"again. Nothing was scored.$"):
        load_model("heart-disease").validate_cohort(b"age,sex,age,cp,trestbps,chol,thalach,oldpeak\n57,1,57,4,140,"
                                                    b"241,123,0.2\n", "hd.csv")


def test_utf16_exports_other_sheets_and_title_rows_are_read_and_said(tmp_path, failure):
    """Excel's "Unicode text" export, a workbook whose first sheet is "Info" and a title row above the column names
    were each refused as "lacks 11 of 11 columns"."""
    model = load_model("heart-failure")
    want = model.validate_cohort(failure.to_csv(index=False).encode(), "hf.csv").cohort.X
    unicode_text = failure.to_csv(sep="\t", index=False).encode("utf-16")
    assert np.array_equal(model.validate_cohort(unicode_text, "hf.txt").cohort.X, want, equal_nan=True)

    path = tmp_path / "hf.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"About": ["Export of the heart failure clinic"]}).to_excel(writer, sheet_name="Info", index=False)
        failure.to_excel(writer, sheet_name="Data", index=False, startrow=2)  # two rows above the header
        writer.sheets["Data"]["A1"] = "Heart failure clinic, January"
    read = model.validate_cohort(path.read_bytes(), "hf.xlsx").cohort
    assert np.array_equal(read.X, want, equal_nan=True)
    assert read.file_notes[:2] == [
        "Sheet 'Data' was read: sheet 'Info', before it, does not name this model's columns.",
        "The column names were read from row 2: row 1 above them ('Heart failure clinic, January') was taken for a "
        "title."]  # the empty row 2 of the sheet is no row
    assert not any("was not read" in w for w in read.file_warnings)  # 'Info' names no column of the model
    # patients on two sheets (two years), or a one-row template before the data: the sheets left are said, with
    # every result (the first sheet's 300 patients were scored with no word of the other 314)
    with pd.ExcelWriter(path) as writer:
        failure.iloc[:100].to_excel(writer, sheet_name="2023", index=False)
        failure.iloc[100:].to_excel(writer, sheet_name="2024", index=False)
        pd.DataFrame({"Notes": ["checked"]}).to_excel(writer, sheet_name="Notes", index=False)
    split = model.validate_cohort(path.read_bytes(), "hf.xlsx").cohort
    assert len(split.rows) == 100 and "Only sheet '2023' of hf.xlsx was read; sheet '2024' also names this model's " \
        "columns and was not read. Put every patient on one sheet, or upload each sheet as a file of its own." \
        in split.file_warnings and split.file_warnings == [w for w in split.file_warnings if "'Notes'" not in w]
    titled = b"Heart failure clinic; export of 2026-12-07\n\n" + failure.to_csv(index=False).encode()
    csv = model.validate_cohort(titled, "hf.csv").cohort
    assert np.array_equal(csv.X, want, equal_nan=True) and csv.rows[:2] == [1, 2]
    assert csv.file_notes[0].startswith("The column names were read from row 2: row 1 above them ('Heart failure clinic")


@pytest.mark.parametrize("marker", ["n/a", "-", "NULL", "null", ".", "ND", "nd", "None"])
def test_missing_value_markers_are_not_measured(marker):
    model = load_model("heart-disease")
    cohort = model.validate_cohort(f"age,sex,cp,trestbps,chol,thalach,oldpeak\n57,1,4,140,{marker},123,0.2\n".encode(),
                                   "hd.csv")
    assert cohort.rows == [1] and np.isnan(cohort.X[0, _column(model, "chol")])


def test_two_way_categories_take_the_spellings_their_labels_make_certain():
    model = load_model("heart-failure")
    record = model.record({"age": 60, "sex": "M", "smoking": "Y", "diabetes": "FALSE", "anaemia": "true",
                           "ejection_fraction": 38, "serum_creatinine": 1.1, "serum_sodium": 137})
    values = dict(zip([f.name for f in model.fields], record.values))
    assert (values["sex"], values["smoking"], values["diabetes"], values["anaemia"]) == (1, 1, 0, 1)
    assert records_io.parse_value(model.fields[_column(model, "sex")], "f") == (0.0, None)
    heart = load_model("heart-disease")  # chest pain has four types: no letter spelling is safe there
    assert "is not one of" in records_io.parse_value(heart.fields[_column(heart, "cp")], "A")[1]


@pytest.mark.parametrize("model_id, renamed", [
    ("breast-cancer-recurrence", {"tsize": "Tumor size (mm)", "estrec": "Estrogen receptor", "horTh": "Hormone therapy"}),
    ("heart-disease", {"trestbps": "Resting BP", "chol": "Cholesterol", "thalach": "Max heart rate"}),
    ("diabetes", {"blood_pressure": "BP (mmHg)"}),
    ("kidney-disease", {"hemo": "Hemoglobin", "ane": "Anemia", "pe": "Pedal edema"}),
])
def test_the_names_clinical_exports_give_and_american_spellings_match(model_id, renamed):
    """A re-check: each of these was left unmatched and its inputs scored as not measured (56 of 686 labels flipped for
    the breast cancer file)."""
    model = load_model(model_id)
    data = {"breast-cancer-recurrence": "survival/gbsg2.csv", "heart-disease": "heart_disease_uci/cleveland.csv",
            "diabetes": "pima_diabetes/pima_diabetes.csv", "kidney-disease": "chronic_kidney_disease/chronic_kidney_disease.csv"}
    table = pd.read_csv(data_root() / "records" / data[model_id])
    table = table[[c for c in table.columns if c in renamed or c in [f.name for f in model.fields]]]

    def read(frame):
        got = model.validate_cohort(frame.to_csv(index=False).encode(), "export.csv")
        return getattr(got, "cohort", got)

    clean, exported = read(table), read(table.rename(columns=renamed))
    assert exported.rows == clean.rows and np.array_equal(exported.X, clean.X, equal_nan=True)
    assert not any("not measured" in w and "Missing" in w for w in exported.file_warnings)


def test_no_two_fields_of_a_model_share_a_column_name():
    """Matching names loosely must not make a column of one field read as another's."""
    from medapp.modalities.records.schema import fields_from_card
    from medapp.registry import list_cards

    for card in list_cards():
        features = card.input.get("features") if isinstance(card.input, dict) else None
        if not features:
            continue
        keys = [k for f in fields_from_card(features) for k in records_io._field_keys(f)]
        assert len(keys) == len(set(keys)), (card.id, sorted(k for k in keys if keys.count(k) > 1))


def test_a_laboratory_reporting_limit_is_scored_at_the_limit_and_said_on_its_row(failure):
    """Laboratory exports write a value beyond what the assay measures as "<0.5" or ">7000"; each was refused as
    "not a number", and the patient dropped."""
    hf = load_model("heart-failure")
    creatinine, cpk, sodium = (_column(hf, n) for n in ("serum_creatinine", "creatinine_phosphokinase", "serum_sodium"))
    table = failure.head(3).astype(str)
    table.loc[0, "serum_creatinine"] = "<0.5"
    table.loc[1, "creatinine_phosphokinase"] = "> 7000"
    table.loc[2, "serum_sodium"] = "\u2265 150"
    got = hf.validate_cohort(table.to_csv(index=False).encode(), "hf.csv").cohort
    assert got.rows == [1, 2, 3] and not got.errors
    assert (got.X[0, creatinine], got.X[1, cpk], got.X[2, sodium]) == (0.5, 7000, 150)
    assert ("Serum creatinine <0.5 is a reporting limit, not a measured value (the value is below it): scored as "
            "0.5 mg/dL.") in got.warnings[1]
    assert any(w.startswith("Creatine phosphokinase (CPK) > 7000 is a reporting limit") and "above it" in w
               for w in got.warnings[2])
    # one patient, as the API and the CLI send it in JSON
    record = hf.record({**failure.iloc[0].drop(["time", "DEATH_EVENT"]).to_dict(), "serum_creatinine": "<0.5"})
    assert record.values[creatinine] == 0.5
    assert any(w.startswith("Serum creatinine <0.5 is a reporting limit") for w in record.warnings)
    # what is not a number, or outside the field's range, is refused as it was written; a category takes no limit
    field = hf.fields[creatinine]
    assert records_io.parse_cell(field, "<abc")[1] == "Serum creatinine: '<abc' is not a number"
    assert records_io.parse_cell(field, "<0.01")[1].endswith("(written <0.01)")
    assert "is not one of" in records_io.parse_cell(hf.fields[_column(hf, "sex")], "<1")[1]
    assert records_io.parse_cell(field, "1.1") == (1.1, None, None)


def _with_units_row(df: pd.DataFrame, units: dict[str, str]) -> bytes:
    """The table as a laboratory export writes it: a row of units right under the column names."""
    return (",".join(df.columns) + "\n" + ",".join(units.get(c, "") for c in df.columns) + "\n"
            + df.to_csv(index=False, header=False)).encode()


HF_UNITS = {"age": "years", "creatinine_phosphokinase": "mcg/L", "ejection_fraction": "%",
            "platelets": "kiloplatelets/mL", "serum_creatinine": "mg/dL", "serum_sodium": "mEq/L", "time": "days"}


def test_a_row_of_units_under_the_column_names_is_read_as_their_units_not_as_a_patient(tmp_path, failure):
    """It was scored as a patient ("row 1: Age: 'years' is not a number; ..."), and a column in another unit than
    the model's, which the row said, was read as the model's."""
    hf = load_model("heart-failure")
    want = hf.validate_cohort(failure.to_csv(index=False).encode(), "hf.csv")
    got = hf.validate_cohort(_with_units_row(failure, HF_UNITS), "hf.csv")
    assert np.array_equal(got.cohort.X, want.cohort.X, equal_nan=True) and np.array_equal(got.time, want.time)
    assert got.cohort.rows[:2] == [2, 3] and not got.cohort.errors  # the patients keep their rows in the file
    assert any(n.startswith("Row 1 under the column names gives their units (age years, creatinine_phosphokinase "
                            "mcg/L") for n in got.cohort.file_notes)
    (tmp_path / "hf.csv").write_bytes(_with_units_row(failure.head(2), HF_UNITS))
    assert [name for name, _ in hf.read_inputs(tmp_path / "hf.csv")] == ["hf.csv#row2", "hf.csv#row3"]  # the CLI's
    # a unit the row gives that the card converts is converted and said once; one it does not refuses the file
    si = failure.assign(serum_creatinine=(failure["serum_creatinine"] / 0.011309658448314861).round(3))
    umol = hf.validate_cohort(_with_units_row(si, {**HF_UNITS, "serum_creatinine": "umol/L"}), "hf.csv")
    assert np.allclose(umol.cohort.X, want.cohort.X, equal_nan=True, rtol=1e-4)
    assert ("Column 'serum_creatinine (umol/L)' gives Serum creatinine in umol/L: its values were converted to mg/dL "
            "(times 0.01131) before scoring.") in umol.cohort.file_notes
    with pytest.raises(InputError, match=r"^Column 'serum_creatinine \(mmol/L\)' gives Serum creatinine in mmol/L"):
        hf.validate_cohort(_with_units_row(failure, {**HF_UNITS, "serum_creatinine": "mmol/L"}), "hf.csv")
    # the follow-up in months, as the row says, is converted to days
    months = hf.validate_cohort(_with_units_row(failure.assign(time=failure["time"] / 30), {**HF_UNITS,
                                                                                       "time": "months"}), "hf.csv")
    assert np.allclose(months.time, want.time / 30 * 30.44, rtol=1e-6)
    # a workbook the same
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(failure.columns))
    sheet.append([HF_UNITS.get(c, None) for c in failure.columns])
    for row in failure.itertuples(index=False):
        sheet.append(list(row))
    book.save(tmp_path / "hf.xlsx")
    xlsx = hf.validate_cohort((tmp_path / "hf.xlsx").read_bytes(), "hf.xlsx")
    assert np.array_equal(xlsx.cohort.X, want.cohort.X, equal_nan=True) and xlsx.cohort.rows[:2] == [2, 3]


def test_a_first_patient_with_only_words_is_a_patient_not_a_units_row():
    model = load_model("heart-disease")
    cohort = model.validate_cohort(b"age,sex,cp,trestbps,chol,thalach,oldpeak\n,male,asymptomatic,,,,\n"
                                   b"57,female,asymptomatic,140,240,123,0.2\n", "hd.csv")
    assert cohort.rows == [1, 2] and not cohort.file_notes


def test_a_value_with_its_unit_in_the_cell_is_read_when_the_unit_is_the_models(failure):
    """"35%", "1.1 mg/dL", "65 years": exports that write the unit beside each value were refused as not numbers."""
    hf = load_model("heart-failure")
    fields = {f.name: f for f in hf.fields}
    for name, raw, want in [("ejection_fraction", "35%", 35), ("ejection_fraction", "35 %", 35),
                            ("serum_creatinine", "1.1 mg/dL", 1.1), ("age", "65 years", 65), ("age", "65 yrs", 65),
                            ("serum_sodium", "137 mmol/L", 137), ("creatinine_phosphokinase", "582 U/L", 582)]:
        assert records_io.parse_cell(fields[name], raw) == (want, None, None), raw
    # a laboratory's abnormal flag after the value is its own reading of the range: the value is read
    for raw in ("1.9 H", "1.9H", "1.9 (H)", "1.9*", "1.9 \u2191"):
        assert records_io.parse_cell(fields["serum_creatinine"], raw) == (1.9, None, None), raw
    # a unit the card converts is converted and said on the row; another is refused; a word that is no unit too
    assert records_io.parse_cell(fields["serum_creatinine"], "97 umol/L") == (
        1.09704, None, "Serum creatinine 97 umol/L was read in umol/L and converted: 1.1 mg/dL.")
    assert records_io.parse_cell(fields["age"], "65 months")[1] == (
        "Age: '65 months' is in months, but this model takes Age in years, and months is not a unit it converts")
    assert records_io.parse_cell(fields["serum_creatinine"], "1.1 apples")[1] == (
        "Serum creatinine: '1.1 apples' is not a number")
    # with a limit, and through a whole file in the European style
    value, error, said = records_io.parse_cell(fields["ejection_fraction"], "<20%")
    assert (value, error) == (20, None) and said.startswith("Left ventricular ejection fraction <20% is a reporting")
    table = failure.head(2).astype(str)
    table["ejection_fraction"] = [f"{v} %" for v in failure.head(2)["ejection_fraction"]]
    table["serum_creatinine"] = [f"{v:g} mg/dL".replace(".", ",") for v in failure.head(2)["serum_creatinine"]]
    text = table.to_csv(index=False, sep=";").encode()
    got = hf.validate_cohort(text, "hf.csv").cohort
    want = hf.validate_cohort(failure.head(2).to_csv(index=False).encode(), "hf.csv").cohort
    assert not got.errors and np.array_equal(got.X, want.X, equal_nan=True)


def test_a_blind_review_of_laboratory_exports_long_format_systolic_pressure_and_common_names(failure, pima):
    """A blind review of laboratory exports (2026-12-07): a one-row-per-test file scored each test as a patient with its
    laboratory values missing; "Blood Pressure" holding systolic pressures was read as diastolic; common names (LVEF,
    Creatinine, Smoker ...) were dropped as "not inputs"."""
    hf = load_model("heart-failure")
    long = b"MRN,Age,Sex,Anaemia,Diabetes,Hypertension,Smoking,Test,Result,Units,Flag\n" \
           b"100003,50,M,Y,N,N,N,Creatinine,1.9,mg/dL,H\n100003,50,M,Y,N,N,N,Sodium,130,mmol/L,L\n"
    with pytest.raises(InputError, match=r"^This file has one row per test \(columns 'Test' and 'Result'\); the model "
                                         r"takes one row per patient"):
        hf.validate_cohort(long, "long.csv")
    diabetes = load_model("diabetes")
    systolic = pima.head(30).assign(blood_pressure=pima.head(30)["blood_pressure"] + 50)
    with pytest.raises(InputError, match=r"^Column 'Blood Pressure' reads as the systolic pressure \(median 1\d\d mmHg"):
        diabetes.validate_cohort(systolic.rename(columns={"blood_pressure": "Blood Pressure"}).to_csv(index=False)
                                 .encode(), "pima.csv")
    kaggle = diabetes.validate_cohort(pima.rename(columns={"blood_pressure": "BloodPressure"}).to_csv(index=False)
                                      .encode(), "pima.csv")  # Kaggle's name for the diastolic: read
    assert np.array_equal(kaggle.X, diabetes.validate_cohort(pima.to_csv(index=False).encode(), "pima.csv").X,
                          equal_nan=True)
    named = diabetes.validate_cohort(systolic.rename(columns={"blood_pressure": "Diastolic BP"}).to_csv(index=False)
                                     .encode(), "pima.csv")  # named diastolic: taken at its word
    assert len(named.rows) + len(named.errors) == 30
    renamed = failure.rename(columns={"ejection_fraction": "LVEF", "serum_creatinine": "Creatinine",
                                      "serum_sodium": "Sodium", "smoking": "Smoker"})
    got = hf.validate_cohort(renamed.to_csv(index=False).encode(), "hf.csv")
    want = hf.validate_cohort(failure.to_csv(index=False).encode(), "hf.csv")
    assert np.array_equal(got.cohort.X, want.cohort.X, equal_nan=True)
    # a value, its unit and the laboratory's flag in one cell; a dipstick's words are told the grade to give
    fields = {f.name: f for f in hf.fields}
    assert records_io.parse_cell(fields["serum_creatinine"], "1.3 mg/dL H") == (1.3, None, None)
    assert records_io.parse_cell(fields["serum_sodium"], "129 mmol/L L") == (129, None, None)
    kidney = {f.name: f for f in load_model("kidney-disease").fields}
    assert records_io.parse_cell(kidney["al"], "++")[1].endswith("is not a number (give the grade, 0-5)")


def test_one_code_just_outside_the_models_codes_queries_the_column_in_a_small_file():
    """Kaggle's chest pain 0-3 for Cleveland's 1-4: one row holding 0 refused, the others read one category off, with
    no word while fewer than three rows were refused (a blind review)."""
    model = load_model("heart-disease")
    cohort = model.validate_cohort(b"age,sex,cp,trestbps,chol,thalach,oldpeak\n57,1,0,140,240,123,0.2\n"
                                   b"60,1,2,130,250,140,1.0\n45,0,3,120,200,160,0\n", "hd.csv")
    assert cohort.rows == [2, 3]
    assert any(w.startswith("Chest pain type: 1 of 3 rows hold codes the model does not use ('0' (1 row))")
               and "The 2 rows scored may be coded the same way" in w for w in cohort.file_warnings)
    typo = model.validate_cohort(b"age,sex,cp,trestbps,chol,thalach,oldpeak\n57,1,9,140,240,123,0.2\n"
                                 b"60,1,2,130,250,140,1.0\n", "hd.csv")  # far from the codes: the row's own error
    assert not any(w.startswith("Chest pain type:") for w in typo.file_warnings)


def test_a_laboratory_layout_of_result_and_units_columns_reads_each_value_in_its_rows_unit():
    """"Serum creatinine Result", "Serum creatinine Units", "Serum creatinine Ref Range": the labs were dropped as
    not inputs and both patients flipped (a blind review)."""
    hf = load_model("heart-failure")
    head = ("Age,Sex,Anaemia,Diabetes,Hypertension,Smoking,Ejection fraction,Platelets,CPK,Serum creatinine Result,"
            "Serum creatinine Units,Serum creatinine Ref Range,Serum sodium Result,Serum sodium Units\n")
    triplet = hf.validate_cohort((head + "75,1,0,0,1,0,20,265000,582,1.9,mg/dL,0.6-1.2,130,mmol/L\n"
                                  "55,1,0,0,0,0,38,263358,7861,97,umol/L,53-106,136,mmol/L\n").encode(), "lab.csv")
    plain = hf.validate_cohort(b"age,sex,anaemia,diabetes,high_blood_pressure,smoking,ejection_fraction,platelets,"
                               b"creatinine_phosphokinase,serum_creatinine,serum_sodium\n"
                               b"75,1,0,0,1,0,20,265000,582,1.9,130\n", "plain.csv")
    assert triplet.cohort.rows == [1, 2] and np.array_equal(triplet.cohort.X[:1], plain.cohort.X, equal_nan=True)
    creatinine = [f.name for f in hf.fields].index("serum_creatinine")
    assert triplet.cohort.X[1, creatinine] == pytest.approx(1.097, abs=1e-3)  # 97 µmol/L, its row's unit
    assert "Serum creatinine 97 umol/L was read in umol/L and converted: 1.1 mg/dL." in triplet.cohort.warnings[2]
    # the units columns are used, so only the reference range is named as not an input
    assert triplet.cohort.file_notes == ["Not input of this model, so not used: Serum creatinine Ref Range."]


def test_a_bedside_blood_pressure_and_an_iso_coded_sex_are_read_or_told_what_to_write():
    """"120/80" was refused as "is in /80"; a sex coded 2 (ISO 5218's female) was refused without a word of why (a
    blind review). A date-like "12/10" in another field is still just not a number."""
    heart, diabetes, failure_model = (load_model(m) for m in ("heart-disease", "diabetes", "heart-failure"))
    systolic = {f.name: f for f in heart.fields}["trestbps"]
    diastolic = {f.name: f for f in diabetes.fields}["blood_pressure"]
    assert records_io.parse_cell(systolic, "120/80") == (
        120, None, "Resting blood pressure 120/80: the systolic (the first) pressure was read, 120 mmHg.")
    assert records_io.parse_cell(diastolic, "160/95 mmHg")[:2] == (95, None)
    fields = {f.name: f for f in failure_model.fields}
    assert records_io.parse_cell(fields["age"], "12/10")[1] == "Age: '12/10' is not a number"
    assert records_io.parse_cell(fields["sex"], "2")[1] == (
        "Sex: '2' is not one of female, male (or their codes 0, 1); ISO 5218 writes female as 2: write female or 0")
    assert records_io.parse_cell(fields["sex"], "3")[1] == "Sex: '3' is not one of female, male (or their codes 0, 1)"
