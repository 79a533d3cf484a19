"""The two time-to-event datasets: their clinical fields, outcome columns, horizons and citations.

Fields reuse the records `Field` (clinical label, unit, hard valid range, coded categories) so the
form and cohort validation behave like the case-record models. The spec is written into the model
card at training time; the loaded model reads it back from the card.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..records.schema import CREATININE_SI, FRACTION, PER_NANOLITRE, Field
from ..subgroups import Subgroup

YES_NO = ((0, "no"), (1, "yes"))


@dataclass(frozen=True)
class SurvivalDataset:
    model_id: str
    name: str
    path: str  # relative to the data root
    time_col: str  # follow-up in days
    event_col: str  # 1 = event observed, 0 = censored
    event: str  # plain language: what the event is
    labels: tuple[str, str]  # (no event by the main horizon, event by the main horizon)
    horizons: tuple[int, ...]  # days
    main_horizon: int
    fields: tuple[Field, ...]
    task: str
    citation: str
    licence: str
    url: str
    outcome_columns: tuple[str, ...]  # columns an upload may carry that the model must ignore
    subgroups: tuple[Subgroup, ...] = ()  # how the card splits its figures (sex, age bands): modalities/subgroups.py

    def read(self, data_root: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
        """Feature table with the model's codes, follow-up times (days) and event indicators."""
        file = Path(data_root) / self.path
        if not file.is_file():
            raise FileNotFoundError(f"dataset file not found: {file} (set --data to the shared data folder)")
        raw = pd.read_csv(file, skipinitialspace=True)
        X = pd.DataFrame(index=raw.index)
        for f in self.fields:
            col = raw[f.name]
            if f.kind == "category" and not pd.api.types.is_numeric_dtype(col):
                codes = {str(label).lower(): code for code, label in f.choices}
                codes.update({str(k).lower(): v for k, v in f.aliases.items()})
                col = col.astype(str).str.strip().str.lower().map(codes)
            X[f.name] = pd.to_numeric(col).astype(float)
        return X, raw[self.time_col].to_numpy(dtype=float), raw[self.event_col].to_numpy(dtype=int)


HEART_FAILURE = SurvivalDataset(
    model_id="heart-failure",
    name="Heart failure survival",
    path="records/heart_failure/heart_failure.csv",
    time_col="time",
    event_col="DEATH_EVENT",
    event="death",
    labels=("alive at 180 days", "death by 180 days"),
    horizons=(30, 90, 180),
    main_horizon=180,
    task=("Survival after admission for NYHA class III-IV heart failure: probability of death by 30, 90 and 180 "
          "days, and the survival curve, from routine findings."),
    citation=("Ahmad T, Munir A, Bhatti SH, Aftab M, Raza MA. Survival analysis of heart failure patients: a case "
              "study. PLoS ONE 2017;12:e0181001. Chicco D, Jurman G. Machine learning can predict survival of "
              "patients with heart failure from serum creatinine and ejection fraction alone. BMC Med Inform Decis "
              "Mak 2020;20:16. Faisalabad Institute of Cardiology and Allied Hospital, Pakistan, April-December 2015."),
    licence="none stated; research use with citation",
    url="https://archive.ics.uci.edu/dataset/519/heart+failure+clinical+records",
    outcome_columns=("time", "DEATH_EVENT", "event", "status", "follow_up", "followup"),  # as the dataset spells them
    subgroups=(Subgroup("sex"), Subgroup("age", (60, 70))),
    fields=(
        Field("age", "Age", "years", min=18, max=110),
        Field("sex", "Sex", kind="category", choices=((0, "female"), (1, "male"))),
        Field("ejection_fraction", "Left ventricular ejection fraction", "%", min=5, max=85, other_units=FRACTION),
        Field("serum_creatinine", "Serum creatinine", "mg/dL", min=0.2, max=15, step=0.1,
              other_units=CREATININE_SI),
        Field("serum_sodium", "Serum sodium", "mEq/L", min=100, max=160),
        Field("creatinine_phosphokinase", "Creatine phosphokinase (CPK)", "mcg/L", min=10, max=10000,
              help="blood level of the CPK enzyme"),
        # the dataset's unit is kiloplatelets/mL, which is per microlitre: "/mL" read 1000 times too low
        Field("platelets", "Platelets", "/µL", min=10000, max=1000000, step=1000, other_units=PER_NANOLITRE,
              help="platelets per microlitre of blood (the dataset's kiloplatelets/mL), e.g. 263000"),
        Field("anaemia", "Anaemia", kind="category", choices=YES_NO,
              help="haematocrit below 36%"),
        Field("diabetes", "Diabetes", kind="category", choices=YES_NO),
        Field("high_blood_pressure", "Hypertension", kind="category", choices=YES_NO),
        Field("smoking", "Smoking", kind="category", choices=YES_NO),
    ),
)

BREAST_CANCER = SurvivalDataset(
    model_id="breast-cancer-recurrence",
    name="Breast cancer recurrence-free survival (GBSG2)",
    path="records/survival/gbsg2.csv",
    time_col="time",
    event_col="cens",
    event="recurrence or death",
    labels=("recurrence-free at 5 years", "recurrence or death by 5 years"),
    horizons=(365, 1095, 1825),
    main_horizon=1825,
    task=("Recurrence-free survival after surgery for primary node-positive breast cancer: probability of "
          "recurrence or death by 1, 3 and 5 years, and the curve, from tumour and treatment findings."),
    citation=("Schumacher M, Bastert G, Bojar H, et al. Randomized 2x2 trial evaluating hormonal treatment and the "
              "duration of chemotherapy in node-positive breast cancer patients. J Clin Oncol 1994;12:2086-93 "
              "(German Breast Cancer Study Group 2). Data as shipped in the lifelines 0.30.3 wheel (MIT); "
              "Sauerbrei W, Royston P. J R Stat Soc A 1999;162:71-94."),
    licence="lifelines package MIT; data from a published trial, research use with citation",
    url="https://lifelines.readthedocs.io/en/latest/lifelines.datasets.html",
    outcome_columns=("time", "cens", "event", "status", "rfs", "recurrence"),
    subgroups=(Subgroup("menostat"), Subgroup("age", (50, 60))),  # women only
    fields=(
        Field("age", "Age", "years", min=18, max=100),
        Field("menostat", "Menopausal status", kind="category", choices=((0, "pre"), (1, "post")),
              aliases={"premenopausal": 0, "postmenopausal": 1}),
        Field("tsize", "Tumour size", "mm", min=1, max=200, other_units=(("cm", 10.0),)),
        Field("tgrade", "Tumour grade", kind="category", choices=((1, "I"), (2, "II"), (3, "III")),
              aliases={"1": 1, "2": 2, "3": 3}),
        # the trial enrolled node-positive women only: a node-negative patient was scored as one with 1 node, with a
        # warning that 0 was "beyond the values seen in training" (a tumour-board review)
        Field("pnodes", "Positive lymph nodes", "nodes", min=1, max=60,
              range_reason="The model was trained on node-positive breast cancer only (the GBSG2 trial enrolled women "
                           "with 1 or more positive nodes): a node-negative patient is outside its population."),
        Field("progrec", "Progesterone receptor", "fmol/mg", min=0, max=3000),
        Field("estrec", "Oestrogen receptor", "fmol/mg", min=0, max=2000),
        Field("horTh", "Hormonal therapy (tamoxifen)", kind="category", choices=YES_NO),
    ),
)

DATASETS: dict[str, SurvivalDataset] = {d.model_id: d for d in (HEART_FAILURE, BREAST_CANCER)}

# Skewed laboratory values enter the Cox model as log(1 + x), as is usual for these measurements.
LOG_FEATURES = {"creatinine_phosphokinase", "serum_creatinine", "platelets", "pnodes", "progrec", "estrec"}
