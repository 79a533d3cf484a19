"""The three-class breast study is measured on the shipped model's validation images, with its label rule."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from medapp.modalities.imaging.datasets import ImageSet, group_split
from medapp.modalities.imaging.model import ImagingModel


def _set(labels: np.ndarray, strata: np.ndarray | None) -> ImageSet:
    n = len(labels)
    groups = np.arange(n) // 2  # pairs of near-duplicates
    return ImageSet(np.zeros((n, 2, 2), np.float32), labels, [f"i{i}" for i in range(n)], groups, strata=strata)


def test_split_stratified_by_malignancy_is_the_same_whatever_the_label_set():
    rng = np.random.default_rng(3)
    malignant = np.repeat(rng.random(60) < 0.3, 2)  # one label per near-duplicate pair
    benign_or_normal = np.repeat(rng.random(60) < 0.8, 2)
    two = np.where(malignant, 0, 1)
    three = np.where(malignant, 2, np.where(benign_or_normal, 1, 0))
    tr2, va2 = group_split(_set(two, None), 0.2, 0)
    tr3, va3 = group_split(_set(three, two), 0.2, 0)
    assert np.array_equal(va2, va3) and np.array_equal(tr2, tr3)
    # without the malignancy strata the three-class split is a different one
    assert not np.array_equal(group_split(_set(three, None), 0.2, 0)[1], va2)
    assert set(va2 // 2).isdisjoint(set(tr2 // 2))  # near-duplicate pairs stay on one side


def _rule(labels: tuple[str, ...], threshold: float) -> SimpleNamespace:
    return SimpleNamespace(card=SimpleNamespace(labels=labels), positive="malignant", threshold=threshold)


def test_malignant_at_the_threshold_otherwise_the_more_probable_other_label():
    three = _rule(("normal", "benign", "malignant"), 0.27)
    assert ImagingModel.label_for(three, np.array([0.1, 0.6, 0.3])) == "malignant"  # below argmax, above threshold
    assert ImagingModel.label_for(three, np.array([0.5, 0.3, 0.2])) == "normal"
    assert ImagingModel.label_for(three, np.array([0.2, 0.55, 0.25])) == "benign"
    two = _rule(("malignant", "normal_or_benign"), 0.144)
    assert ImagingModel.label_for(two, np.array([0.15, 0.85])) == "malignant"
    assert ImagingModel.label_for(two, np.array([0.14, 0.86])) == "normal_or_benign"
