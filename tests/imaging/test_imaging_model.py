"""Imaging models: calibrated output, SHAP additivity, out-of-distribution warnings, training path."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from medapp.modalities.imaging.io import load
from medapp.registry import list_cards, load_model
from medapp.training import train

IMAGING = ["chest-xray-pneumonia", "breast-ultrasound"]


def png(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    return buf.getvalue()


def test_cards_report_validation_metrics_beside_the_published_baseline():
    cards = {c.id: c for c in list_cards() if c.modality == "imaging"}
    assert set(cards) == set(IMAGING)
    for card in cards.values():
        summary = card.metrics["summary"]
        assert {"auroc", "accuracy", "sensitivity", "specificity", "brier"} <= set(summary)
        assert card.metrics["baseline"]["auroc"] > 0.85
        assert "28x28" in card.input["resolution_note"]
    assert cards["chest-xray-pneumonia"].labels == ("normal", "pneumonia")
    assert cards["breast-ultrasound"].labels == ("malignant", "normal_or_benign")


@pytest.mark.parametrize("model_id", IMAGING)
def test_shap_values_add_up_to_the_log_probability(model_id):
    model = load_model(model_id)
    x = model.example_input()
    pred = model.predict(x)
    expl = model.explain(x, pred)
    assert pred.probabilities.sum() == pytest.approx(1.0)
    assert expl.values.shape == (28, 28)
    # expected gradients are additive up to the path-integral approximation
    assert expl.output_value == pytest.approx(np.log(pred.probability), abs=0.05)
    assert expl.target == pred.label and len(expl.top_contributions(3)) == 3


def test_full_resolution_dicom_is_analysed():
    model = load_model("breast-ultrasound")
    x = load(Path(get_testdata_file("CT_small.dcm", download=False)).read_bytes(), "ct.dcm")[0]
    pred = model.predict(x)
    assert any("modality is CT" in w and "US images only" in w for w in pred.warnings)
    assert model.explain(x, pred).data["image_shape"] == [128, 128]


def test_colour_photograph_and_blank_image_warn():
    model = load_model("chest-xray-pneumonia")
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    photo[..., 1] //= 3
    pred = model.predict(load(png(photo), "holiday.png")[0])
    assert any("colour picture" in w for w in pred.warnings)
    assert any("out-of-distribution score" in w for w in pred.warnings)
    blank = model.predict(load(png(np.full((200, 200), 128, np.uint8)), "blank.png")[0])
    assert any("blank or has almost no contrast" in w for w in blank.warnings)


def test_ct_slice_given_to_the_chest_xray_model_warns():
    from medapp.registry import data_root

    model = load_model("chest-xray-pneumonia")
    x = load((data_root() / "dicom/CT-MONO2-16-ankle.dcm").read_bytes(), "ankle.dcm")[0]
    pred = model.predict(x)
    assert any("modality is CT" in w and "CR/DX" in w for w in pred.warnings)
    assert pred.details["ood_score"] > 0


def test_training_on_a_small_sample(tmp_path, monkeypatch):
    card = train("breast-ultrasound", out_dir=tmp_path / "breast-ultrasound", quick=True)
    assert card.metrics["n_train"] == 256 and card.training["epochs"] == 2
    assert (tmp_path / "breast-ultrasound" / "model.safetensors").is_file()
    monkeypatch.setenv("MEDAPP_MODELS_DIR", str(tmp_path))
    model = load_model("breast-ultrasound")
    x = model.example_input()
    assert model.predict(x).label in card.labels


def test_cli_predicts_images_and_reports_unreadable_ones(tmp_path):
    import json
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    bad = tmp_path / "note.dcm"
    bad.write_text("not an image at all\n")
    dcm = get_testdata_file("CT_small.dcm", download=False)
    out = subprocess.run([sys.executable, "-m", "medapp", "predict", "--model", "breast-ultrasound", "--json", dcm,
                          str(bad)], cwd=repo, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert out.returncode == 1, out.stderr
    first, second = [json.loads(line) for line in out.stdout.splitlines()]
    assert first["input"] == "CT_small.dcm" and first["label"] in ("malignant", "normal_or_benign")
    assert any("modality is CT" in w for w in first["warnings"])
    assert first["explanation"]["top_contributions"][0]["feature"].endswith("of the image")
    assert second == {"input": "note.dcm", "error": "note.dcm looks like a text file, not an image. Upload a PNG, "
                                                      "JPEG, TIFF, BMP or DICOM image, or a ZIP of them."}
