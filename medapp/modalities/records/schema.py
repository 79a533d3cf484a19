"""Fields of each case-record model: clinical labels, units, valid ranges, coded categories.

A `Field` is written into the model card at training time (card.input["features"]) so that the page,
the CLI and validation read the spec from the card that travels with the weights. This module is the
source of that spec and of how each dataset's raw CSV is read.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from ..subgroups import Subgroup


@dataclass(frozen=True)
class Field:
    name: str  # column name in the dataset and in uploaded CSVs
    label: str  # clinical label shown to people
    unit: str = ""
    kind: str = "number"  # number | category
    min: float | None = None  # hard valid range: outside it a value is rejected
    max: float | None = None
    step: float = 1.0
    choices: tuple[tuple[Any, str], ...] = ()  # (code used by the model, label) for categories
    aliases: dict[str, Any] = field(default_factory=dict)  # other spellings in data -> code
    zero_means_missing: bool = False
    help: str = ""
    # Where patients' values nearly always lie (clinical references), for fields whose training range is stretched by
    # data-entry errors (a creatinine of 76 mg/dL in the kidney file): a value outside it is queried, not refused.
    usual: tuple[float, float] | None = None
    # Other units clinicians report this value in, as (unit, factor): a value in that unit times factor is in `unit`.
    # A value out of range that lands in range when read in one of them is named with its conversion (a creatinine
    # of 70 entered in µmol/L into a mg/dL field was scored as 70 mg/dL without a word).
    other_units: tuple[tuple[str, float], ...] = ()
    # Why the valid range is what it is, said after a value outside it is refused, where the range is the model's
    # population rather than what is possible (a node-negative patient given to a model of node-positive women).
    range_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["choices"] = [list(c) for c in self.choices]
        d["usual"] = list(self.usual) if self.usual else None
        d["other_units"] = [list(u) for u in self.other_units]
        return d


NOT_MEASURED = "not measured"  # how a value that was not given reads, in forms and in explanations


def format_value(f: Field, v: float) -> str:
    """A field's value as people read it: the category's label, or the number with its unit."""
    if math.isnan(v):
        return NOT_MEASURED
    if f.kind == "category":
        return next((str(label) for code, label in f.choices if float(code) == v), f"{v:g}")
    return with_unit(number_text(v, f.step), f, v)


def with_unit(text: str, f: Field, v: float | None = None) -> str:
    """A number written with its field's unit, as every message and explanation writes it: "42%", "0.792 mg/dL",
    "1 node" (not "1 nodes": a review); bare where the "unit" is a grade's scale ("0-5": a dipstick grade 3, not
    "3 0-5"). One writer: an onboarding review found two, one writing "100 %" and the other "100%"."""
    unit = f.unit
    if not unit or re.fullmatch(r"\d+-\d+", unit):
        return text
    if unit == "%":
        return text + unit
    if v == 1 and unit.isalpha() and unit.islower() and unit.endswith("s"):
        unit = unit[:-1]
    return f"{text} {unit}"


def number_text(v: float, step: float = 1.0) -> str:
    """A number as the form shows it: at least the decimals of the field's step (urine specific gravity 1.020,
    not 1.02) and any the value has (creatinine 1.15), thousands grouped from five digits (platelets 263,000). A
    count in the thousands with a whole-number step has no decimals: the dataset's imputed platelets printed as
    "263,358.03 /µL" (a review)."""
    decimals = max(_decimals(step), _decimals(v))
    if step >= 1 and abs(v) >= 1000:
        decimals = 0
    if abs(v) >= 10000:
        return f"{v:,.{decimals}f}"
    return f"{v:.{decimals}f}"


def _decimals(x: float) -> int:
    text = f"{abs(x):.10g}"
    return 0 if "e" in text or "." not in text else len(text.split(".")[1])


def coded_0_1(raw: pd.Series) -> pd.Series:
    """A target already coded 0 (negative) / 1 (positive)."""
    return pd.to_numeric(raw).astype(int)


def above_zero(raw: pd.Series) -> pd.Series:
    """A graded target (0 = none, 1-4 = degrees of disease) read as absent / present."""
    return (pd.to_numeric(raw) > 0).astype(int)


def text_is(positive: str):
    """A text target: positive where the cell reads `positive` (spaces and capitals ignored)."""
    def rule(raw: pd.Series) -> pd.Series:
        return (raw.astype(str).str.strip().str.lower() == positive.lower()).astype(int)
    rule.__doc__ = f"positive where the cell reads {positive!r}"
    return rule


# Risk bands the records page shows (upper bound, name), checked on validation predictions at training (card)
DEFAULT_RISK_BANDS = ((0.2, "low"), (0.5, "intermediate"), (1.01, "high"))


@dataclass(frozen=True)
class Dataset:
    """Everything training needs to make a records model from a CSV: declare one, add nothing else (see
    docs/records.md, "Adding a records model")."""
    model_id: str
    version: str  # of the trained model: bumped when what training makes of this dataset changes
    name: str
    path: str  # relative to the data root
    target: str  # the column the model predicts (ignored with a note when an uploaded file has it)
    labels: tuple[str, str]  # (negative, positive)
    fields: tuple[Field, ...]
    citation: str
    licence: str
    url: str
    task: str
    positive_meaning: str  # plain language, for "x% probability of ..."
    positive: Callable[[pd.Series], pd.Series] = coded_0_1  # the target column to 0/1
    threshold: float = 0.5  # probability at or above which the positive label is given
    risk_bands: tuple[tuple[float, str], ...] = DEFAULT_RISK_BANDS
    external: str | None = None  # an external-site file, evaluated but never trained on
    external_site: str = ""  # where that file comes from, for the card
    external_note: str = ""  # what its figures cannot say
    previous_external: tuple[dict[str, Any], ...] = ()  # earlier versions' figures there, for comparison
    # Fields often not measured elsewhere (costly or invasive tests): rows lacking them are scored by a
    # fallback sub-model fitted without them, if cross-validation with them hidden prefers it (train.py)
    key_fields: tuple[str, ...] = ()
    display_labels: dict[str, str] = field(default_factory=dict)  # label -> how people read it
    limitations: tuple[str, ...] = ()  # what this dataset's figures cannot say, on the card after the common ones
    subgroups: tuple[Subgroup, ...] = ()  # how the card splits its figures (sex, age bands): modalities/subgroups.py

    def target_of(self, raw: pd.Series) -> np.ndarray:
        return self.positive(raw).to_numpy()


YES_NO = ((0, "no"), (1, "yes"))

# Conversions to the conventional units of these datasets (SI units are what most laboratories outside the US report).
CREATININE_SI = (("µmol/L", 1 / 88.42),)
GLUCOSE_SI = (("mmol/L", 18.016),)
UREA_SI = (("mmol/L", 6.006),)  # urea (not urea nitrogen): 60.06 g/mol
CHOLESTEROL_SI = (("mmol/L", 38.67),)
HAEMOGLOBIN_SI = (("g/L", 0.1),)
PER_NANOLITRE = (("×10⁹/L", 1000.0),)  # cell counts: 7.8 ×10⁹/L is 7,800 /µL
FRACTION = (("a fraction", 100.0),)  # 0.42 for 42%
# 1 µU/mL of human insulin is 6.00 pmol/L (Heinemann L, Diabetes Care 2010;33:e83; Knopp JL, Holder-Pearson L, Chase JG,
# J Diabetes Sci Technol 2019;13:597-600, who show the 6.945 some laboratories use is an error of ~15%)
INSULIN_SI = (("pmol/L", 1 / 6.0),)

HEART = Dataset(
    model_id="heart-disease",
    version="1.3.0",  # 1.2.0: ca/thal fallback sub-models; 1.3.0: negative_range (said beside a reassuring answer)
    name="Heart disease (UCI Cleveland)",
    path="records/heart_disease_uci/cleveland.csv",
    external="records/heart_disease_uci/switzerland.csv",
    external_site="Switzerland (University Hospitals of Zurich and Basel), never used in training",
    external_note=("Only 8 patients without disease at this site: AUROC is very uncertain. Serum cholesterol was "
                   "not recorded there (0 in the file, treated as missing); vessel count (ca) is missing for 118 "
                   "of 123 and the thallium test for 52, for 7 of the 8 without disease against 39% of those with "
                   "it: 1.0 scored a missing thallium test as 'normal' and so ranked those 8 low by accident of this "
                   "site's practice (AUROC 0.754); no approach tried that treats it as unknown reaches that here "
                   "(docs/records.md, missing_study). The choice among versions was made on Cleveland only, but "
                   "1.1 and 1.2 were made in answer to 1.0's failure here: no longer a blind test (docs/records.md)."),
    # 1.0.0 filled a missing value with the training median/mode; 1.1.0 had a "not measured" state per field
    # (indicator / own level) but no fallback sub-models
    previous_external=(
        {"version": "1.0.0", "auroc": 0.7543, "sensitivity": 0.5565, "specificity": 0.875, "accuracy": 0.5772,
         "brier": 0.2623},
        {"version": "1.1.0", "auroc": 0.7141, "sensitivity": 0.7913, "specificity": 0.375, "accuracy": 0.7642,
         "brier": 0.1396}),
    key_fields=("ca", "thal"),  # fluoroscopy and a thallium scan: missing for most patients at other sites
    target="num",
    subgroups=(Subgroup("sex"), Subgroup("age", (50, 60))),  # about a third of the patients in each age band
    positive=above_zero,  # 0 = no narrowing > 50%, 1-4 = disease
    labels=("absent", "present"),
    task="Probability of angiographic coronary artery disease (>50% diameter narrowing in any major vessel).",
    positive_meaning="angiographic coronary artery disease",
    citation=("Detrano R, Janosi A, Steinbrunn W, Pfisterer M, et al. International application of a new "
              "probability algorithm for the diagnosis of coronary artery disease. Am J Cardiol 1989;64:304-10. "
              "UCI Machine Learning Repository, Heart Disease (principal investigators: A. Janosi, W. Steinbrunn, "
              "M. Pfisterer, R. Detrano)."),
    licence="none stated; research use with citation of the principal investigators",
    url="https://archive.ics.uci.edu/dataset/45/heart+disease",
    fields=(
        Field("age", "Age", "years", min=18, max=100),
        Field("sex", "Sex", kind="category", choices=((0, "female"), (1, "male"))),
        Field("cp", "Chest pain type", kind="category",
              choices=((1, "typical angina"), (2, "atypical angina"), (3, "non-anginal pain"), (4, "asymptomatic"))),
        Field("trestbps", "Resting blood pressure", "mmHg", min=60, max=250),
        Field("chol", "Serum cholesterol", "mg/dL", min=80, max=700, zero_means_missing=True,
              other_units=CHOLESTEROL_SI),
        Field("fbs", "Fasting blood sugar > 120 mg/dL", kind="category", choices=YES_NO),
        Field("restecg", "Resting ECG", kind="category",
              choices=((0, "normal"), (1, "ST-T wave abnormality"), (2, "left ventricular hypertrophy"))),
        Field("thalach", "Maximum heart rate achieved", "bpm", min=50, max=230),
        Field("exang", "Exercise-induced angina", kind="category", choices=YES_NO),
        Field("oldpeak", "ST depression on exercise", "mm", min=-3, max=8, step=0.1,
              help="ST depression induced by exercise relative to rest"),
        Field("slope", "Slope of peak exercise ST segment", kind="category",
              choices=((1, "upsloping"), (2, "flat"), (3, "downsloping"))),
        Field("ca", "Major vessels coloured by fluoroscopy", "vessels", min=0, max=3),
        Field("thal", "Thallium stress test", kind="category",
              choices=((3, "normal"), (6, "fixed defect"), (7, "reversible defect"))),
    ),
)

PRESENT = ((0, "not present"), (1, "present"))
KIDNEY = Dataset(
    model_id="kidney-disease",
    version="1.2.0",  # negative_range (said beside a reassuring answer)
    name="Chronic kidney disease (UCI)",
    path="records/chronic_kidney_disease/chronic_kidney_disease.csv",
    target="class",
    positive=text_is("ckd"),
    subgroups=(Subgroup("age", (40, 60)),),  # no sex in this dataset; under 40 includes its children
    labels=("notckd", "ckd"),
    display_labels={"notckd": "no chronic kidney disease", "ckd": "chronic kidney disease"},
    # said in the README and docs/records.md, and missing from the card the pages show (a statistician's review)
    limitations=("The two classes are almost separable in this dataset (patients with the disease against uniformly "
                 "healthy controls), so its near-perfect figures will not carry over to a general or early-stage population, "
                 "and its calibration slope and intercept are not meaningful (almost every probability is near 0 or "
                 "1).",),
    task="Probability of chronic kidney disease from routine blood, urine and history findings.",
    positive_meaning="chronic kidney disease",
    citation=("Rubini L, Soundarapandian P, Eswaran P. Chronic Kidney Disease dataset, Apollo Hospitals, "
              "Karaikudi, India, 2015. UCI Machine Learning Repository."),
    licence="none stated; research use",
    url="https://archive.ics.uci.edu/dataset/336/chronic+kidney+disease",
    fields=(
        Field("age", "Age", "years", min=1, max=110),
        Field("bp", "Diastolic blood pressure", "mmHg", min=30, max=200),
        Field("sg", "Urine specific gravity", "", min=1.000, max=1.040, step=0.005),
        Field("al", "Urine albumin (dipstick grade)", "0-5", min=0, max=5),
        Field("su", "Urine sugar (dipstick grade)", "0-5", min=0, max=5),
        Field("rbc", "Urine red blood cells", kind="category", choices=((0, "normal"), (1, "abnormal"))),
        Field("pc", "Urine pus cells", kind="category", choices=((0, "normal"), (1, "abnormal"))),
        Field("pcc", "Pus cell clumps", kind="category", choices=PRESENT, aliases={"notpresent": 0}),
        Field("ba", "Bacteria in urine", kind="category", choices=PRESENT, aliases={"notpresent": 0}),
        Field("bgr", "Random blood glucose", "mg/dL", min=20, max=800, usual=(40, 800), other_units=GLUCOSE_SI),
        Field("bu", "Blood urea", "mg/dL", min=1, max=450, usual=(10, 450), other_units=UREA_SI),
        Field("sc", "Serum creatinine", "mg/dL", min=0.1, max=30, step=0.1, usual=(0.2, 15),
              other_units=CREATININE_SI),
        Field("sod", "Sodium", "mEq/L", min=100, max=180, usual=(115, 165)),
        Field("pot", "Potassium", "mEq/L", min=1.5, max=10, step=0.1, usual=(2, 8)),
        Field("hemo", "Haemoglobin", "g/dL", min=2, max=25, step=0.1, other_units=HAEMOGLOBIN_SI),
        Field("pcv", "Packed cell volume", "%", min=5, max=70, other_units=FRACTION),
        Field("wc", "White cell count", "cells/µL", min=1000, max=50000, step=100, other_units=PER_NANOLITRE),
        Field("rc", "Red cell count", "million/µL", min=1, max=9, step=0.1),
        Field("htn", "Hypertension", kind="category", choices=YES_NO),
        Field("dm", "Diabetes mellitus", kind="category", choices=YES_NO),
        Field("cad", "Coronary artery disease", kind="category", choices=YES_NO),
        Field("appet", "Appetite", kind="category", choices=((0, "good"), (1, "poor"))),
        Field("pe", "Pedal oedema", kind="category", choices=YES_NO),
        Field("ane", "Anaemia", kind="category", choices=YES_NO),
    ),
)

DIABETES = Dataset(
    model_id="diabetes",
    version="1.2.0",  # negative_range (said beside a reassuring answer)
    name="Diabetes onset (Pima)",
    path="records/pima_diabetes/pima_diabetes.csv",
    target="outcome",
    subgroups=(Subgroup("age", (30, 50)),),  # women only; three in four under 40
    labels=("negative", "positive"),
    task="Probability of diabetes (WHO criteria) in adult women of Pima heritage, from routine measurements.",
    positive_meaning="diabetes",
    citation=("Smith JW, Everhart JE, Dickson WC, Knowler WC, Johannes RS. Using the ADAP learning algorithm to "
              "forecast the onset of diabetes mellitus. Proc Symp Comput Appl Med Care 1988:261-5. National "
              "Institute of Diabetes and Digestive and Kidney Diseases."),
    licence="none stated; research use",
    url="https://www.kaggle.com/datasets/uciml/pima-indians-diabetes-database",
    fields=(
        Field("pregnancies", "Pregnancies", "", min=0, max=20),  # a number ("3 count" read oddly)
        Field("glucose", "Plasma glucose, 2 h OGTT", "mg/dL", min=40, max=400, zero_means_missing=True,
              other_units=GLUCOSE_SI),
        Field("blood_pressure", "Diastolic blood pressure", "mmHg", min=30, max=150, zero_means_missing=True),
        Field("skin_thickness", "Triceps skinfold thickness", "mm", min=5, max=100, zero_means_missing=True),
        Field("insulin", "2-h serum insulin", "µU/mL", min=10, max=1000, zero_means_missing=True,
              other_units=INSULIN_SI),
        Field("bmi", "Body mass index", "kg/m²", min=12, max=80, step=0.1, zero_means_missing=True),
        Field("diabetes_pedigree", "Diabetes pedigree function", "", min=0.05, max=3, step=0.01,
              help="a score of family history of diabetes"),
        Field("age", "Age", "years", min=18, max=100),
    ),
)

DATASETS: dict[str, Dataset] = {d.model_id: d for d in (HEART, KIDNEY, DIABETES)}


def fields_from_card(features: list[dict[str, Any]]) -> tuple[Field, ...]:
    out = []
    for f in features:
        f = dict(f)
        f["choices"] = tuple(tuple(c) for c in f.get("choices", ()))
        f["usual"] = tuple(f["usual"]) if f.get("usual") else None
        f["other_units"] = tuple(tuple(u) for u in f.get("other_units", ()))
        out.append(Field(**f))
    return tuple(out)


class DatasetTable(NamedTuple):
    features: pd.DataFrame  # the feature columns as in the file
    y: np.ndarray  # 0/1 target
    without_target: int  # rows left out because their target cell is empty


def read_dataset(dataset: Dataset, data_root: Path, path: str | None = None) -> DatasetTable:
    """The raw feature table and the 0/1 target; a row whose target is empty cannot be learnt from or scored
    against, so it is left out and counted (the card says how many)."""
    file = Path(data_root) / (path or dataset.path)
    if not file.is_file():
        raise FileNotFoundError(f"dataset file not found: {file} (set --data to the shared data folder)")
    raw = pd.read_csv(file, na_values=["?", ""], skipinitialspace=True)
    if dataset.target not in raw.columns:
        raise ValueError(f"{file.name} has no column {dataset.target!r}, the target of {dataset.model_id}")
    missing = [f.name for f in dataset.fields if f.name not in raw.columns]
    if missing:
        raise ValueError(f"{file.name} lacks the declared field(s) {', '.join(missing)} of {dataset.model_id}")
    labelled = raw[raw[dataset.target].notna()].reset_index(drop=True)
    return DatasetTable(labelled[[f.name for f in dataset.fields]], dataset.target_of(labelled[dataset.target]),
                        len(raw) - len(labelled))
