"""Nested cross-validation of the heart-failure families: the selection logic, the feature designs it
compares, and the figures the card keeps (no refitting of the 48 candidates here: that takes ~25 min)."""
from __future__ import annotations

import json

import numpy as np

from medapp.modalities.survival.nested_cv import (
    CURRENT,
    DATASET,
    TRAIN_POOL,
    _Design,
    candidates,
    summarise,
)
from medapp.modalities.survival.nested_record import previous_nested, protocol_note
from medapp.registry import load_model

NAMES = [f.name for f in DATASET.fields]
CONTINUOUS = np.array([f.kind == "number" for f in DATASET.fields])


def _rows(outer_by_name, inner_by_name, repeats=3):
    return [{"repeat": r, "fold": k, "outer": {n: v[r * 5 + k] for n, v in outer_by_name.items()},
             "inner": {n: v[r * 5 + k] for n, v in inner_by_name.items()}}
            for r in range(repeats) for k in range(5)]


def test_nested_estimate_is_the_outer_score_of_the_inner_pick_not_the_best_outer_score():
    names = [CURRENT, "cox_log_a1", "cox_log_a10", "cox_spline4_a10", "rsf_leaf5"]
    outer = {n: np.full(15, 0.70) for n in names}
    inner = {n: np.full(15, 0.60) for n in names}
    outer["cox_spline4_a10"] = np.full(15, 0.90)  # best on the outer folds, but never picked inside
    inner["cox_log_a10"] = np.full(15, 0.80)  # picked inside every fold
    outer["cox_log_a10"] = np.r_[np.full(10, 0.65), np.full(5, 0.68)]
    s = summarise(_rows(outer, inner))
    pick = s["nested"]["additive (deployable)"]
    assert pick["picked"] == ["cox_log_a10"]
    assert pick["c_index"]["mean"] == round((10 * 0.65 + 5 * 0.68) / 15, 4)
    assert pick["minus_current"]["mean"] == round((10 * 0.65 + 5 * 0.68) / 15 - 0.70, 4)
    assert s["nested"]["train.py's three (the deployed procedure)"]["pool_size"] == len(TRAIN_POOL)
    assert s["nested"]["all, with random survival forests"]["pool_size"] == 5
    assert next(iter(s["single_candidates_outer_cv"])) == "cox_spline4_a10"  # reported, labelled optimistic
    assert s["on_card_folds"]["current"]["mean"] == 0.70
    assert "no better family found" in protocol_note(s)
    inner["cox_spline4_a10"] = np.full(15, 0.85)  # now the wider pool picks the spline model inside too
    wider = summarise(_rows(outer, inner))
    assert wider["nested"]["additive (deployable)"]["c_index"]["mean"] == 0.90
    assert "the wider search ranks better by 0.240" in protocol_note(wider)


def test_designs_are_additive_per_feature_and_hinges_sit_at_their_knots():
    X = np.array([[60, 1, 25, 1.2, 130, 250, 260000, 0, 0, 1, 0],
                  [80, 0, 50, 2.0, 140, 100, 200000, 1, 1, 0, 1]], dtype=float)
    pwl = _Design(NAMES, CONTINUOUS, ("ejection_fraction", "serum_creatinine", "age"), "pwl")(X)
    # ejection fraction, its hinges at 30 and 45; log(1 + creatinine); age and its hinge at 70
    assert np.allclose(pwl, [[25, 0, 0, np.log1p(1.2), 60, 0], [50, 20, 5, np.log1p(2.0), 80, 10]])
    rng = np.random.default_rng(0)
    train = np.column_stack([rng.uniform(f.min or 0, f.max or 1, 50) if f.kind == "number" else rng.integers(0, 2, 50)
                             for f in DATASET.fields]).astype(float)
    spline = _Design(NAMES, CONTINUOUS, None, "spline4")
    base = spline(train, fitting=True)
    moved = train.copy()
    moved[:, NAMES.index("serum_sodium")] += 3.0  # one feature changes: only its own basis columns change
    changed = np.flatnonzero(np.any(spline(moved) != base, axis=0))
    assert 1 <= len(changed) <= 6 and changed.max() - changed.min() == len(changed) - 1


def test_candidates_never_see_the_follow_up_time_and_include_the_deployed_family():
    pool = candidates(NAMES, CONTINUOUS)
    assert "time" not in NAMES and CURRENT in pool and set(TRAIN_POOL) <= set(pool)
    assert len(pool) >= 40


def test_the_card_keeps_the_nested_figures_and_train_carries_them_over(tmp_path):
    card = load_model("heart-failure").card
    nested = card.metrics["nested_cv"]
    own = nested["nested"]["train.py's three (the deployed procedure)"]["c_index"]
    assert 0.5 < own["mean"] < 1 and own["sd"] > 0
    assert "Repeated nested CV" in card.metrics["protocol"]
    path = tmp_path / "card.json"
    path.write_text(json.dumps({"metrics": {"n": card.metrics["n"], "nested_cv": nested}}))
    assert previous_nested(path, card.metrics["n"]) == nested
    assert previous_nested(path, card.metrics["n"] - 1) is None  # other data: the figures do not apply
    assert previous_nested(tmp_path / "absent.json", card.metrics["n"]) is None
