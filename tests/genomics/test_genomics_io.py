"""Expression files: orientation from the gene identifiers, and a specific message for every bad input."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from medapp.modalities.genomics.deid import deidentify_bytes
from medapp.modalities.genomics.io import profile_csv
from medapp.modalities.genomics.train import read_khan
from medapp.registry import data_root, load_model
from medapp.types import InputError


@pytest.fixture(scope="module")
def model():
    return load_model("srbct-tumour")


@pytest.fixture(scope="module")
def khan():
    genes, X, y = read_khan(data_root())
    return pd.DataFrame(X, columns=genes, index=[f"T{i}" for i in range(len(y))]), y


def csv(frame: pd.DataFrame, **kw) -> bytes:
    return frame.to_csv(**kw).encode()


def test_samples_as_rows_or_columns_tsv_and_excel_give_the_same_result(model, khan):
    X, _ = khan
    cohort = X.iloc[:5]
    rows = model.read_file(csv(cohort), "rows.csv")
    cols = model.read_file(csv(cohort.T), "cols.csv")
    tsv = model.read_file(csv(cohort.T, sep="\t"), "cols.tsv")
    xlsx = io.BytesIO()
    cohort.to_excel(xlsx)
    excel = model.read_file(xlsx.getvalue(), "rows.xlsx")
    assert rows.orientation == "samples as rows" and cols.orientation == "samples as columns"
    assert [p.sample for p in rows.profiles] == [p.sample for p in cols.profiles] == list(cohort.index)
    for other in (cols, tsv, excel):
        assert np.allclose(np.vstack([p.values for p in rows.profiles]), np.vstack([p.values for p in other.profiles]))
    assert not rows.errors and not rows.file_warnings


def test_a_file_past_the_cell_limit_stops_being_read_at_it(model, khan, monkeypatch):
    """A 50 MB file of one-digit cells is 25 million strings (about 2 GB) read before anything was checked."""
    from medapp.modalities.genomics import io as genomics_io

    X, _ = khan
    monkeypatch.setattr(genomics_io, "MAX_CELLS", 3 * 2309)  # two samples and a header row
    xlsx = io.BytesIO()
    X.iloc[:3].to_excel(xlsx)
    with pytest.raises(InputError, match=r"^three.csv holds more than 6,927 values; the limit is 6,927"):
        model.read_file(csv(X.iloc[:3]), "three.csv")
    with pytest.raises(InputError, match=r"^three.xlsx holds more than 6,927 cells; the limit for an Excel file is "):
        model.read_file(xlsx.getvalue(), "three.xlsx")
    assert len(model.read_file(csv(X.iloc[:2]), "two.csv").profiles) == 2


def test_one_sample_as_a_gene_value_column(model, khan):
    X, _ = khan
    one = X.iloc[[7]].T
    one.index.name = "gene"
    parsed = model.read_file(csv(one), "one.csv")
    assert len(parsed.profiles) == 1 and parsed.profiles[0].sample == "T7"
    # headed by what the column holds, not by a sample's name: "sample 1" (it was called "value" everywhere)
    one.columns = ["value"]
    assert model.read_file(csv(one), "one.csv").profiles[0].sample == "sample 1"


def test_few_missing_genes_are_scored_with_a_warning_many_are_refused(model, khan):
    X, _ = khan
    needed = model.model_genes
    few = X.iloc[:2].drop(columns=needed[:2])
    parsed = model.read_file(csv(few), "few.csv")
    assert len(parsed.profiles) == 2
    warning = parsed.profiles[0].warnings[0]
    assert f"2 of the {len(needed)} genes the model needs are missing" in warning
    assert needed[0] in warning and needed[1] in warning
    many = X.iloc[:2].drop(columns=needed[: len(needed) // 2])
    parsed = model.read_file(csv(many), "many.csv")
    assert not parsed.profiles
    assert f"{len(needed) // 2} of the {len(needed)} genes the model needs are missing" in parsed.errors["T0"]
    assert needed[0] in parsed.errors["T0"]
    one = model.read_file(csv(X.iloc[:1].drop(columns=needed[:1])), "one.csv").profiles[0].warnings[0]
    assert one.startswith(f"1 of the {len(needed)} genes the model needs is missing and was set")  # "are" (a review)


def test_a_blank_cell_is_a_missing_gene_for_that_sample_only(model, khan):
    X, _ = khan
    frame = X.iloc[:2].astype(object)
    frame.loc["T1", model.model_genes[0]] = ""
    parsed = model.read_file(csv(frame), "blank.csv")
    assert parsed.profiles[0].missing == () and parsed.profiles[1].missing == (model.model_genes[0],)


def test_duplicated_genes_are_refused_by_name(model, khan):
    X, _ = khan
    gene = model.model_genes[3]
    frame = pd.concat([X.iloc[:2], X.iloc[:2][[gene]]], axis=1)
    with pytest.raises(InputError, match=rf"1 gene identifier\(s\) appear more than once: {gene} \(2 times\)"):
        model.read_file(csv(frame), "dup.csv")


def test_non_numeric_cells_refuse_that_sample_and_name_the_cell(model, khan):
    X, _ = khan
    frame = X.iloc[:3].astype(object)
    gene = model.model_genes[0]
    frame.loc["T1", gene] = "1,5"
    parsed = model.read_file(csv(frame), "text.csv")
    assert [p.sample for p in parsed.profiles] == ["T0", "T2"]
    assert parsed.errors["T1"].startswith(f"1 non-numeric value(s): {gene} = '1,5'")
    assert parsed.sample_order == ["T0", "T1", "T2"]


def test_an_annotation_column_of_text_is_ignored_not_refused_as_a_sample(model, khan):
    """A review: a GEO-style 'Description' column beside the samples was read as a sample of 100 non-numeric values
    and refused (and the command's exit status with it)."""
    X, _ = khan
    table = X.iloc[:3].T
    table.insert(0, "Description", [f"gene {g} annotation" for g in table.index])
    table.index.name = "ID_REF"
    parsed = model.read_file(csv(table), "geo.csv")
    assert [p.sample for p in parsed.profiles] == ["T0", "T1", "T2"] and not parsed.errors
    assert parsed.sample_order == ["T0", "T1", "T2"]
    assert "Description holds text, not expression values: ignored as annotation." in parsed.file_warnings


@pytest.mark.parametrize("factor", [0.5, 0.3, 2.0])
def test_values_spread_unlike_the_training_profiles_are_refused_as_another_scale(model, khan, factor):
    """A review: the Khan profiles halved (as log ratios to another base look) passed the scale check, and half of
    them were classified."""
    X, _ = khan
    with pytest.raises(InputError, match=r"spread \d\.\d\d times as widely as the training profiles'.*another log base"):
        model.read_file(csv(X * factor), "rescaled.csv")
    assert not model.read_file(csv(X), "training.csv").errors  # the training profiles themselves pass


@pytest.mark.parametrize("factor, word", [(np.log(2), "0.69"), (1.35, "1.35")])
def test_a_cohort_spread_unlike_every_training_cohort_of_its_size_is_said(model, khan, factor, word):
    """Natural logs of base-2 ratios (0.69 of the spread) pass the refusal, which one profile's own spread sets (the
    training profiles' lie within 0.67-1.40 of their median); a cohort of 8 or more is said, beside each result."""
    X, _ = khan
    parsed = model.read_file(csv(X * factor), "rescaled.csv")
    assert len(parsed.profiles) == 63 and not parsed.errors
    note = next(w for w in parsed.file_warnings if "spread" in w)
    assert note.startswith(f"These 63 profiles are spread {word} times as widely as the training profiles")
    assert "from base 2 to natural logs multiplies the spread by 0.69" in note
    eight = model.read_file(csv(X.iloc[::8] * factor), "eight.csv")  # 8 profiles, one or two of each class
    assert any("These 8 profiles are spread" in w for w in eight.file_warnings)
    seven = model.read_file(csv(X.iloc[:7] * factor), "seven.csv")
    assert not any("spread" in w for w in seven.file_warnings)  # too few to tell from real tumours
    rng = np.random.default_rng(0)  # training cohorts of 8 or more are not said (1 of 5,000 draws of 8 would be)
    for n in (8, 12, 20, 63):
        for _ in range(5):
            picked = X.iloc[rng.choice(len(X), n, replace=False)]
            assert not any("spread" in w for w in model.read_file(csv(picked), "real.csv").file_warnings)


def test_one_sample_of_counts_in_a_log_scale_cohort_is_refused_alone(model, khan):
    X, _ = khan
    frame = X.iloc[:12].copy()
    frame.iloc[3] = np.round(2 ** (frame.iloc[3] + 10))
    parsed = model.read_file(csv(frame), "mixed.csv")
    assert len(parsed.profiles) == 11
    assert "looks like it is on another scale" in parsed.errors["T3"]


def test_raw_counts_are_refused_as_another_scale(model, khan):
    X, _ = khan
    counts = np.round(2 ** (X.iloc[:3] + 10)).astype(int)
    with pytest.raises(InputError, match="look like raw counts .* trained on log expression ratios"):
        model.read_file(csv(counts), "counts.csv")
    log2_intensity = X.iloc[:3] + 9.0  # log-scale, but intensities rather than ratios
    with pytest.raises(InputError, match="another scale than the training data"):
        model.read_file(csv(log2_intensity), "log2.csv")


@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"\n \n", "is empty"),
    (b"sample,V1\nS1,0.5\n", "holds only one gene (V1)"),
    (b"sample,TP53,MYC\nS1,0.5,0.2\n", "no gene identifiers of this model were found"),
    (b"sample,V1,V2\n", "no expression values"),
    (b"\x00\x01binary" * 20, "looks like a binary file of no known type, not an expression table"),
])
def test_unusable_files_get_a_specific_message(model, data, message):
    with pytest.raises(InputError) as info:
        model.read_file(data, "bad.csv")
    assert message in str(info.value)


def test_unknown_identifiers_are_ignored_with_a_note(model, khan):
    X, _ = khan
    frame = X.iloc[:1].assign(age=[7])
    parsed = model.read_file(csv(frame), "extra.csv")
    assert len(parsed.profiles) == 1
    assert parsed.file_warnings == ["1 column(s) or row(s) not among the model's genes were ignored: AGE."]


def test_saved_profile_keeps_genes_and_values_but_not_the_sample_name(model, khan):
    X, _ = khan
    profile = model.read_file(csv(X.iloc[:1].rename(index={"T0": "Smith, J MRN123"})), "p.csv").profiles[0]
    stored = deidentify_bytes(profile_csv(profile, model.model_genes)).decode()
    assert "Smith" not in stored and "MRN123" not in stored
    lines = stored.splitlines()
    assert lines[0] == "gene,value" and len(lines) == len(model.model_genes) + 1
    assert float(lines[1].split(",")[1]) == pytest.approx(profile.values[0])


def test_a_profile_from_a_mapping_follows_the_same_rules(model, khan):
    X, _ = khan
    values = {g: X.iloc[0][g] for g in model.model_genes[1:]}
    profile = model.profile(values, "api")
    assert profile.missing == (model.model_genes[0],) and "1 of the 100 genes" in profile.warnings[0]
    with pytest.raises(InputError, match=f"{model.model_genes[1]} = 'high'"):
        model.profile({**values, model.model_genes[1]: "high"}, "api")
    with pytest.raises(InputError, match="50 of the 100 genes the model needs are missing"):
        model.profile({g: X.iloc[0][g] for g in model.model_genes[50:]}, "api")


def test_copies_of_one_profile_in_a_file_are_said_to_be_copies():
    """A clinical-safety review: ten copies of one profile were ten confident calls with no word."""
    from medapp.registry import load_model

    model = load_model("srbct-tumour")
    one = model.example_input()
    genes = model.model_genes
    row = ",".join(f"{v:.5f}" for v in one.values)
    table = ("sample," + ",".join(genes) + "\n" + "".join(f"S{i}," + row + "\n" for i in range(3))).encode()
    parsed = model.read_file(table, "copies.csv")
    assert len(parsed.profiles) == 3
    [said] = [w for w in parsed.file_warnings if w.startswith("Some samples have identical values")]
    assert "S0, S1 and S2" in said or "S0, S1, S2" in said
    # a file of different profiles says nothing of the kind
    rows = "".join(f"S{i}," + ",".join(f"{v + 0.05 * i:.5f}" for v in one.values) + "\n" for i in range(3))
    different = ("sample," + ",".join(genes) + "\n" + rows).encode()
    assert not any("identical" in w for w in model.read_file(different, "ok.csv").file_warnings)
