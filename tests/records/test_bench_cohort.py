"""The cohort `bench` times is one a clinician could upload: every row valid, nothing the cohort checks query."""
from __future__ import annotations

import pytest

from medapp.modalities.records.bench import synthetic_cohort_csv
from medapp.modalities.records.schema import DATASETS
from medapp.registry import load_model


@pytest.mark.parametrize("model_id", sorted(DATASETS))
def test_the_benchmarks_cohort_is_read_whole(model_id):
    """Drawn uniformly over the training ranges, a kidney cohort's diastolic pressures had a median of 116 mmHg and
    were refused as systolic, which stopped `python -m medapp bench`; its sodium and potassium reached the data's
    own typos (4.5, 47), refused on most rows."""
    model = load_model(model_id)
    cohort = model.validate_cohort(synthetic_cohort_csv(model, 400), "bench.csv")
    assert cohort.errors == {} and list(cohort.file_warnings) == []
    assert len(cohort.rows) == 400
