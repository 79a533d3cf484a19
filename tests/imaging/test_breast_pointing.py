"""The breast model's map points at the lesion: blurred-image baseline, sum-keeping smoothing, completeness."""
from __future__ import annotations

import numpy as np
import pytest

from medapp.modalities.imaging.datasets import busi_mask
from medapp.modalities.imaging.evaluate import point_and_share
from medapp.modalities.imaging.explain import blurred_copies, expected_gradients, smooth
from medapp.modalities.imaging.io import decode
from medapp.modalities.imaging.preprocess import to_model_input
from medapp.registry import data_root, load_model

BUSI = "imaging/busi"
# Validation images (never trained on) whose lesion outline holds the shipped map's maximum. The last three show
# the three-network ensemble (3.1.0): the single network of 3.0.0 missed their lesions, so reverting fails this test.
POINTS_AT_LESION = ["benign/benign (105).png", "benign/benign (101).png", "malignant/malignant (171).png",
                    "malignant/malignant (104).png", "malignant/malignant (117).png", "benign/benign (117).png"]


@pytest.fixture(scope="module")
def breast():
    return load_model("breast-ultrasound")


def test_smoothing_keeps_every_total_and_moves_the_peak_no_further_than_its_width():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(128, 128)).astype(np.float32)
    values[0, 0] = 40.0  # mass at a corner is mirrored back, not lost
    out = smooth(values, 1.0)
    assert out.shape == values.shape and out.dtype == np.float32
    assert float(out.sum()) == pytest.approx(float(values.sum()), rel=1e-5)
    assert np.unravel_index(np.argmax(out), out.shape) == (0, 0)
    assert float(out.std()) < float(values.std())  # it does smooth
    assert smooth(values, 0.0) is values


def test_blurred_copies_are_the_image_at_decreasing_detail():
    t = to_model_input(read("malignant/malignant (171).png"), 128)
    copies = blurred_copies(t, (4.0, 32.0))
    assert copies.shape == (2, 1, 128, 128)
    assert float(copies.mean()) == pytest.approx(float(t.mean()), abs=1e-3)  # blurring keeps the mean grey
    assert float(copies[0].std()) > float(copies[1].std())


def read(name: str):
    path = data_root() / BUSI / name
    return decode(path.read_bytes(), path.name)[0]


def test_breast_map_is_complete_with_the_blurred_baseline(breast):
    x = read("malignant/malignant (171).png")
    pred = breast.predict(x)
    expl = breast.explain(x, pred)
    assert "blurred" in expl.data["baseline"] and expl.data["smoothing_sigma"] == 1.0
    assert expl.target == pred.label and expl.values.shape == (128, 128)
    # completeness: base (mean log-probability of the blurred copies) + sum of the map = log p(label),
    # up to the 4-point path integral (validation mean error 0.06, max 0.40: card)
    assert expl.output_value == pytest.approx(np.log(pred.probability), abs=0.4)
    # the smoothing changed where the attribution sits, not how much there is
    raw, base = expected_gradients(breast.log_probabilities, blurred_copies(to_model_input(x, 128), breast.blur_sigmas),
                                   to_model_input(x, 128), breast.card.labels.index(pred.label), 4, breast.steps)
    assert base == pytest.approx(expl.base_value, abs=1e-6)
    assert float(np.sum(expl.values)) == pytest.approx(float(raw.sum()), rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("name", POINTS_AT_LESION)
def test_map_maximum_over_the_image_lies_in_the_lesion(breast, name):
    x = read(name)
    mask = busi_mask(data_root() / BUSI, name)
    assert name in breast.card.validation["names"]
    expl = breast.explain(x, breast.predict(x))
    full = breast.image_map(x, expl)  # what predict --maps writes
    r, c = np.unravel_index(int(np.argmax(full)), full.shape)
    assert mask[r, c], f"maximum at {(r, c)} is outside the lesion"
    figures = point_and_share(breast, x.grey, np.asarray(expl.values, dtype=np.float64), mask)
    assert figures["hit"] and not figures["max_on_marks"] and not figures["max_at_border"]
