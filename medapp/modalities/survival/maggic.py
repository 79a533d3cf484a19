"""An outside check of the heart-failure model's ceiling: the MAGGIC risk score, fitted on nothing here.

Pocock et al. 2013 (Eur Heart J 34:1404) derived an integer score from 39,372 patients of 30 studies. This dataset has
six of its thirteen items (ejection fraction, age by ejection fraction, creatinine, sex, smoking, diabetes; not systolic
pressure, BMI, NYHA class, COPD, duration of heart failure, beta-blocker, ACE inhibitor), so the score here is partial.
Its Harrell C-index on the training patients says how far the features, rather than the fitting, carry (docs/survival.md).

    python -m medapp.modalities.survival.maggic [--data ../shared/data]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ...registry import data_root
from .schema import DATASETS
from .train import c_index

# (upper bound of the band, points); the last band has no upper bound
_EJECTION_FRACTION = ((20, 7), (25, 6), (30, 5), (35, 3), (40, 2), (np.inf, 0))
_CREATININE_UMOL_L = ((90, 0), (110, 1), (130, 2), (150, 3), (170, 4), (210, 5), (250, 6), (np.inf, 8))
_AGE_BANDS = (56, 60, 65, 70, 75, 80)  # <56, 56-59, 60-64, 65-69, 70-74, 75-79, >=80
_AGE_POINTS = {30: (0, 1, 2, 4, 6, 8, 10), 40: (0, 2, 4, 6, 8, 10, 13), np.inf: (0, 3, 5, 7, 9, 12, 15)}  # by EF band
MG_DL_TO_UMOL_L = 88.4


def _band(value: float, table) -> int:
    return next(points for upper, points in table if value < upper)


def maggic_points(frame: pd.DataFrame) -> np.ndarray:
    """The partial MAGGIC score of each row (columns as in the heart-failure dataset; creatinine in mg/dL)."""
    points = []
    for row in frame.itertuples(index=False):
        ef, age = row.ejection_fraction, row.age
        age_points = next(p for upper, p in _AGE_POINTS.items() if ef < upper)
        score = (_band(ef, _EJECTION_FRACTION) + age_points[int(np.searchsorted(_AGE_BANDS, age, side="right"))]
                 + _band(row.serum_creatinine * MG_DL_TO_UMOL_L, _CREATININE_UMOL_L)
                 + int(row.sex == 1) + int(row.smoking == 1) + 3 * int(row.diabetes == 1))
        points.append(score)
    return np.array(points, dtype=float)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m medapp.modalities.survival.maggic", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder")
    args = parser.parse_args(argv)
    frame, time_, event = DATASETS["heart-failure"].read(args.data or data_root())
    score = maggic_points(frame)
    print(json.dumps({"patients": len(frame), "deaths": int(event.sum()),
                      "c_index_partial_maggic": round(c_index(time_, event, score), 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
