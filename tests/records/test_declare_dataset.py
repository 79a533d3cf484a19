"""A records model is made from its Dataset declaration alone (docs/records.md, "Adding a records model"): a new
declaration with a text target, empty target cells, its own threshold and risk bands trains, predicts and explains
through the command line with no other change, and its card carries what the pages read."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from medapp.modalities.records import schema
from medapp.modalities.records.schema import DATASETS, Dataset, read_dataset, text_is
from medapp.registry import data_root, load_model
from medapp.training import trainer_of
from tests.cli_inprocess import run_medapp

KIDNEY = DATASETS["kidney-disease"]
# Hypertension from the kidney file's other findings: a yes/no column with two empty cells (a first-day engineer's model)
HYPERTENSION = Dataset(
    model_id="kidney-hypertension", version="1.0.0", name="Hypertension (UCI kidney file)", path=KIDNEY.path,
    target="htn", labels=("no", "yes"), positive=text_is("yes"), threshold=0.4,
    risk_bands=((0.3, "low"), (0.6, "raised"), (1.01, "high")),
    fields=tuple(f for f in KIDNEY.fields if f.name not in ("htn", "dm", "cad")),
    citation=KIDNEY.citation, licence=KIDNEY.licence, url=KIDNEY.url, task="Probability of hypertension.",
    positive_meaning="hypertension")


def test_targets_are_read_by_the_declared_rule():
    table = read_dataset(HYPERTENSION, data_root())
    assert table.without_target == 2  # the two empty htn cells are left out, not read as "no"
    assert len(table.y) == len(table.features) == 318 and int(table.y.sum()) == 112
    heart = read_dataset(DATASETS["heart-disease"], data_root())
    assert set(np.unique(heart.y)) == {0, 1} and int(heart.y.sum()) == 111  # num 1-4 is disease present
    assert int(read_dataset(KIDNEY, data_root()).y.sum()) == 200


def test_a_declaration_lacking_a_column_is_refused_by_name():
    broken = replace(HYPERTENSION, target="hypertension")
    with pytest.raises(ValueError, match="has no column 'hypertension', the target of kidney-hypertension"):
        read_dataset(broken, data_root())


@pytest.mark.slow  # trains a model on a small sample
def test_a_new_declaration_trains_predicts_and_explains_with_nothing_else_changed(tmp_path, monkeypatch):
    monkeypatch.setitem(DATASETS, HYPERTENSION.model_id, HYPERTENSION)
    assert trainer_of("kidney-hypertension") == "medapp.modalities.records.train"
    out = run_medapp("train", "kidney-hypertension", "--quick", "--out", str(tmp_path / "kidney-hypertension"))
    assert out.returncode == 0, out.stderr
    card = json.loads((tmp_path / "kidney-hypertension" / "card.json").read_text())
    assert card["version"] == "1.0.0" and card["data"]["target"] == "htn"
    assert card["metrics"]["threshold"] == 0.4
    assert card["input"]["risk_bands"] == [[0.3, "low"], [0.6, "raised"], [1.01, "high"]]
    assert "2 rows with no htn left out" in card["metrics"]["protocol"]

    monkeypatch.setenv("MEDAPP_MODELS_DIR", str(tmp_path))
    model = load_model("kidney-hypertension")
    x = model.example_input()
    pred = model.predict(x)
    assert pred.threshold == 0.4 and pred.risk_band in ("low", "raised", "high")
    assert pred.label == ("yes" if pred.probability_of("yes") >= 0.4 else "no")
    explanation = model.explain(x, pred)
    assert explanation.base_value + explanation.values.sum() == pytest.approx(explanation.output_value, abs=1e-6)

    cohort = tmp_path / "patients.csv"  # the target column in an upload is what the model predicts: said, not used
    rows = (data_root() / KIDNEY.path).read_text().splitlines()[:3]  # header and two patients, htn among the columns
    cohort.write_text("\n".join(rows) + "\n")
    out = run_medapp("predict", "--model", "kidney-hypertension", str(cohort), "--json", env={"MEDAPP_MODELS_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stdout + out.stderr
    results = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["input"] for r in results] == ["patients.csv#row1", "patients.csv#row2"]
    assert "Column htn is what the model predicts (the training file's label): not used as an input." in results[0]["warnings"]


def test_every_declared_dataset_has_a_version_and_a_rule_for_its_target():
    for dataset in DATASETS.values():
        assert dataset.version and callable(dataset.positive)
        assert dataset.risk_bands[-1][0] > 1 and 0 < dataset.threshold < 1
    assert schema.coded_0_1.__doc__ and text_is("ckd").__doc__ == "positive where the cell reads 'ckd'"
