"""The results CSVs the records, survival and gene-expression pages offer for download name the model, its version
and the code that made them in every row (a labelling audit: a downloaded file carried none of them, and it outlives
the page that says which model scored it)."""
from __future__ import annotations

import io

import pandas as pd
import pytest
import streamlit as st
from apptest_helpers import CLIN, open_page, records_page

from medapp.build import build_id
from medapp.registry import data_root, get_card, load_model

LABELLED = ["model", "model_version", "medapp"]


@pytest.fixture
def offered(monkeypatch) -> dict[str, str]:
    """What each download button offers, by its label: the data the page hands to st.download_button."""
    got: dict[str, str] = {}
    real = st.download_button

    def spy(label, data, *args, **kwargs):
        got[label] = data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    return got


def _labelled(data: str, model_id: str, rows: int) -> pd.DataFrame:
    table = pd.read_csv(io.StringIO(data), dtype=str, keep_default_na=False)
    assert list(table.columns[-3:]) == LABELLED and len(table) == rows
    version = get_card(model_id).version
    assert table[LABELLED].drop_duplicates().values.tolist() == [[model_id, version, build_id()]]
    return table


def test_the_records_cohort_csv_names_the_model_and_still_reads_back_as_a_cohort_file(offered):
    at = records_page("Heart disease (UCI Cleveland)")
    csv = ("id,age,sex,cp,trestbps,chol,fbs,restecg,thalach,exang,oldpeak,slope,ca,thal\n"
           "P1,63,1,4,145,233,1,2,150,0,2.3,3,0,6\n"
           "P2,41,0,2,130,204,0,2,172,0,1.4,1,0,3\n")
    at.file_uploader(key="cohort_heart-disease").set_value(("cohort.csv", csv.encode(), "text/csv")).run()
    assert not at.exception
    data = offered["Download results with per-feature contributions (CSV)"]
    table = _labelled(data, "heart-disease", 2)
    assert table.columns[0] == "row" and "probability" in table.columns  # the columns before them as they were
    back = load_model("heart-disease").validate_cohort(data.encode(), "back.csv")  # the extra columns are not inputs
    assert back.errors == {} and len(back.rows) == 2


def test_the_survival_cohort_csv_names_the_model(offered, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    at = records_page("Heart failure survival")
    rows = (data_root() / "records/heart_failure/heart_failure.csv").read_text().splitlines()[:4]
    at.file_uploader(key="scohort_heart-failure").set_value([("hf.csv", "\n".join(rows).encode(), "text/csv")]).run()
    assert not at.exception
    table = _labelled(offered["Download results with per-feature contributions (CSV)"], "heart-failure", 3)
    assert any(c.startswith("P(death by ") for c in table.columns)


def test_the_gene_expression_csv_names_the_model(offered):
    at = open_page("pages/genomics.py", CLIN)
    at.button(key="genomics_example").click().run()
    assert not at.exception
    table = _labelled(offered["Download results (CSV)"], "srbct-tumour", 5)
    assert table["sample"].tolist()[0] == "class average BL"

