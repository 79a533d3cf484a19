"""The partial MAGGIC score (medapp/modalities/survival/maggic.py): its points by the published table, and its
concordance on the training patients, the outside check of the heart-failure model's ceiling (docs/survival.md)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from medapp.modalities.survival.maggic import maggic_points, main
from medapp.registry import data_root

REPO = Path(__file__).resolve().parents[2]
DATA = data_root() if data_root().is_dir() else REPO.parents[1] / "shared" / "data"


def test_points_follow_the_published_table():
    frame = pd.DataFrame([
        # EF 20-24 (6), age 75-79 with EF < 30 (8), creatinine 1.1 mg/dL = 97 umol/L (1), man (1), smoker (1)
        {"ejection_fraction": 20, "age": 75, "serum_creatinine": 1.1, "sex": 1, "smoking": 1, "diabetes": 0},
        # EF >= 40 (0), age >= 80 with EF >= 40 (15), creatinine 3.0 = 265 umol/L (8), woman, diabetes (3)
        {"ejection_fraction": 60, "age": 85, "serum_creatinine": 3.0, "sex": 0, "smoking": 0, "diabetes": 1},
        # EF 35-39 (2), age 60-64 with EF 30-39 (4), creatinine 0.9 = 80 umol/L (0)
        {"ejection_fraction": 38, "age": 62, "serum_creatinine": 0.9, "sex": 0, "smoking": 0, "diabetes": 0},
    ])
    assert maggic_points(frame).tolist() == [17.0, 26.0, 6.0]


def test_the_score_fitted_on_nothing_here_ranks_like_the_fitted_models(capsys):
    assert main(["--data", str(DATA)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["patients"] == 239 and result["deaths"] == 77
    assert result["c_index_partial_maggic"] == pytest.approx(0.720, abs=0.005)
