"""Train `srbct-tumour`: a penalised multinomial logistic regression on standardised log expression.

Model selection: every candidate (number of genes kept by an ANOVA F-test, penalty strength) is
scored by repeated stratified cross-validation on the 63 training profiles, with the gene selection
refitted inside each fold (selecting genes on all profiles first would leak). The reported figures
come from nested cross-validation: in each outer fold the whole procedure (selection of the
candidate, temperature scaling fitted on inner out-of-fold logits) runs on the training part only.

Calibration is temperature scaling (one number dividing the logits), which keeps the model linear in
the standardised expression, so linear SHAP stays exact. Weights are plain arrays in safetensors.
"""
from __future__ import annotations

import platform
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from safetensors.numpy import save_file
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ...types import ModelCard
from .ood import fit_ood, ood_scores

VERSION = "1.0.0"
WEIGHTS = "model.safetensors"
LABELS = ("BL", "EWS", "NB", "RMS")
LABEL_NAMES = {"BL": "Burkitt lymphoma", "EWS": "Ewing sarcoma", "NB": "neuroblastoma",
               "RMS": "rhabdomyosarcoma"}
DATASET = "genomics/khan_srbct"
# (genes kept by the F-test, None = all; inverse penalty C of the L2-penalised logistic regression)
CANDIDATES: tuple[tuple[int | None, float], ...] = (
    (20, 1.0), (50, 1.0), (100, 0.1), (100, 1.0), (200, 1.0), (None, 1.0))
QUICK_CANDIDATES = ((20, 1.0), (50, 1.0))


def read_khan(data_dir: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Gene identifiers, the (63, 2308) log-expression matrix and labels 0-3 (BL, EWS, NB, RMS)."""
    folder = Path(data_dir) / DATASET
    x = pd.read_csv(folder / "Khan_xtrain.csv")
    y = pd.read_csv(folder / "Khan_ytrain.csv")["x"].to_numpy().astype(int) - 1
    return [str(c) for c in x.columns], x.to_numpy(dtype=float), y


def make_candidate(k: int | None, c: float, seed: int) -> Pipeline:
    select = SelectKBest(f_classif, k=k) if k else "passthrough"
    return Pipeline([("select", select), ("scale", StandardScaler()),
                     ("lr", LogisticRegression(C=c, max_iter=5000, random_state=seed))])


def candidate_name(k: int | None, c: float) -> str:
    return f"{'all' if k is None else k} genes, L2 logistic regression C={c:g}"


def oof_logits(k, c, X, y, folds: int, repeats: int, seed: int) -> np.ndarray:
    """Out-of-fold logits, averaged over repeats: (repeats, n, classes)."""
    out = np.zeros((repeats, len(y), len(LABELS)))
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    for i, (tr, te) in enumerate(cv.split(X, y)):
        out[i // folds, te] = make_candidate(k, c, seed).fit(X[tr], y[tr]).decision_function(X[te])
    return out


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """The temperature T minimising the log-loss of softmax(logits / T)."""
    def nll(log_t: float) -> float:
        return -float(np.mean(log_softmax(logits / np.exp(log_t), axis=1)[np.arange(len(y)), y]))
    # T >= 1: soften only. With no out-of-fold error (these classes separate well) the likelihood keeps
    # improving as T -> 0, i.e. toward certainty, which 63 profiles cannot justify.
    return float(np.exp(minimize_scalar(nll, bounds=(0.0, 5.0), method="bounded").x))


def multiclass_metrics(y: np.ndarray, probs: np.ndarray) -> dict[str, float]:
    pred = probs.argmax(axis=1)
    onehot = np.eye(len(LABELS))[y]
    out = {"accuracy": round(float(np.mean(pred == y)), 4),
           "macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
           "log_loss": round(float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1)))), 4),
           "brier": round(float(np.mean(np.sum((probs - onehot) ** 2, axis=1))), 4),
           "errors": int(np.sum(pred != y)), "n": int(len(y))}
    for j, lab in enumerate(LABELS):
        out[f"sensitivity_{lab}"] = round(float(np.mean(pred[y == j] == j)), 4) if np.any(y == j) else float("nan")
    return out


def select_candidate(X, y, candidates, folds: int, repeats: int, seed: int):
    """Scores of every candidate by repeated CV; the best by accuracy, then by calibrated log-loss."""
    table, logits = {}, {}
    for k, c in candidates:
        z = oof_logits(k, c, X, y, folds, repeats, seed)
        t = fit_temperature(z.reshape(-1, len(LABELS)), np.tile(y, repeats))
        probs = softmax(z / t, axis=2).mean(axis=0)
        table[(k, c)] = multiclass_metrics(y, probs)
        logits[(k, c)] = z
    best = max(table, key=lambda kc: (table[kc]["accuracy"], -table[kc]["log_loss"]))
    return best, table, logits


def nested_cv(X, y, candidates, folds: int, repeats: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Calibrated out-of-fold probabilities of the whole procedure (averaged over outer repeats)."""
    probs = np.zeros((repeats, len(y), len(LABELS)))
    chosen = []
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed + 100)
    for i, (tr, te) in enumerate(cv.split(X, y)):
        (k, c), _, logits = select_candidate(X[tr], y[tr], candidates, folds, 1, seed)
        t = fit_temperature(logits[(k, c)][0], y[tr])
        model = make_candidate(k, c, seed).fit(X[tr], y[tr])
        probs[i // folds, te] = softmax(model.decision_function(X[te]) / t, axis=1)
        chosen.append(candidate_name(k, c))
    return probs.mean(axis=0), chosen


def svm_anchor(X, y, folds: int, repeats: int, seed: int) -> dict[str, float]:
    """The usual reference: a linear SVM on all genes, same folds as the nested estimate."""
    pred = np.zeros((repeats, len(y)), dtype=int)
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed + 100)
    for i, (tr, te) in enumerate(cv.split(X, y)):
        pred[i // folds, te] = SVC(kernel="linear", C=10).fit(X[tr], y[tr]).predict(X[te])
    return {"accuracy": round(float(np.mean(pred == y)), 4),
            "errors_per_repeat": round(float(np.sum(pred != y) / repeats), 2)}


def ood_evaluation(X, y, gene_idx: np.ndarray, n_components: int, folds: int, seed: int) -> dict:
    """How often the out-of-distribution check fires on training-like profiles (out of fold) and on a
    class it has never seen (each class held out in turn, the check fitted on the other three)."""
    inside = np.zeros(len(y), dtype=bool)
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        ood = fit_ood(X[tr][:, gene_idx], y[tr], n_components, folds, seed)
        inside[te] = ood_scores(ood, X[te][:, gene_idx]) > 1.0
    held_out = {}
    for j, lab in enumerate(LABELS):
        keep = y != j
        # genes re-selected without the held-out class: the check must not know it
        idx = np.argsort(-np.nan_to_num(f_classif(X[keep], y[keep])[0]))[:len(gene_idx)]
        ood = fit_ood(X[keep][:, idx], y[keep], n_components, folds, seed)
        held_out[lab] = round(float(np.mean(ood_scores(ood, X[~keep][:, idx]) > 1.0)), 3)
    return {"flagged_training_profiles_out_of_fold": round(float(inside.mean()), 3),
            "flagged_when_class_never_seen": held_out}


def train(model_id: str, data_dir: Path, out_dir: Path, *, quick: bool = False, seed: int = 0) -> ModelCard:
    started = time.time()
    genes, X, y = read_khan(data_dir)
    candidates, folds, repeats = CANDIDATES, 5, 2
    if quick:  # tests: fewer genes, folds, repeats and candidates
        genes, X = genes[:400], X[:, :400]
        candidates, folds, repeats = QUICK_CANDIDATES, 3, 1
    np.random.seed(seed)

    (k, c), table, logits = select_candidate(X, y, candidates, folds, repeats, seed)
    temperature = fit_temperature(logits[(k, c)].reshape(-1, len(LABELS)), np.tile(y, repeats))
    nested_probs, nested_chosen = nested_cv(X, y, candidates, folds, 1, seed)
    anchor = svm_anchor(X, y, folds, 1, seed)

    model = make_candidate(k, c, seed).fit(X, y)
    select = model.named_steps["select"]
    gene_idx = np.arange(X.shape[1]) if select == "passthrough" else np.sort(select.get_support(indices=True))
    if select != "passthrough":  # the selector keeps columns in their original order
        assert np.array_equal(gene_idx, select.get_support(indices=True))
    scale, lr = model.named_steps["scale"], model.named_steps["lr"]
    n_components = 5
    ood = fit_ood(X[:, gene_idx], y, n_components, folds, seed)
    ood_eval = ood_evaluation(X, y, gene_idx, n_components, folds, seed)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = {
        "gene_index": gene_idx.astype(np.int64),
        "mean": scale.mean_.astype(np.float64), "scale": scale.scale_.astype(np.float64),
        "coef": (lr.coef_ / temperature).astype(np.float64),
        "intercept": (lr.intercept_ / temperature).astype(np.float64),
        **{f"ood_{name}": np.asarray(v, dtype=np.float64) for name, v in ood.items()},
    }
    # safetensors writes memory order: Fortran-ordered arrays (sklearn's coef_) must be made C-ordered first
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(out_dir / WEIGHTS))

    used = [genes[i] for i in gene_idx]
    Xu = X[:, gene_idx]
    # demonstration inputs: each class's average profile over the model's genes (an aggregate, not a patient)
    class_means = {lab: [round(float(v), 4) for v in Xu[y == j].mean(axis=0)] for j, lab in enumerate(LABELS)}
    summary = {key: v for key, v in multiclass_metrics(y, nested_probs).items() if key in (
        "accuracy", "macro_f1", "log_loss", "brier", "errors")}
    card = ModelCard(
        id=model_id, name="Small round blue cell tumour class (Khan SRBCT)", version=VERSION, modality="genomics",
        framework=f"scikit-learn {sklearn.__version__} (fitted), numpy (scoring)",
        task=("Which of four small round blue cell tumours of childhood (Burkitt lymphoma, Ewing sarcoma, "
              "neuroblastoma, rhabdomyosarcoma) a cDNA microarray expression profile resembles."),
        labels=LABELS, positive_label=None, weights=WEIGHTS,
        input={"genes": genes, "model_genes": used, "n_genes": len(genes), "scale": "log expression ratio",
               "training_range": [float(np.min(X)), float(np.max(X))],
               "training_median": float(np.median(X)),
               # the median over training profiles of each profile's interquartile range over the model's genes:
               # a file spread half or twice as wide is on another log base or normalisation (io._check_scale)
               "training_spread": round(float(np.median(np.subtract(*np.percentile(Xu, [75, 25], axis=1)))), 4),
               "label_names": LABEL_NAMES,
               "class_means": class_means,
               # missing genes are set to the training mean; beyond this share of the model's genes, refused
               "missing_refuse_fraction": 0.1,
               "gene_id_note": ("The public copy of the data (ISLP) names genes by column position, V1 to V2308, "
                                "in Khan et al.'s order of the 2,308 filtered cDNA clones; files must use these "
                                "identifiers.")},
        data={"name": "Khan SRBCT gene expression (training part)",
              "citation": ("Khan J, Wei JS, Ringner M, et al. Classification and diagnostic prediction of cancers "
                           "using gene expression profiling and artificial neural networks. Nat Med 2001;7:673-679. "
                           "As shipped in the ISLP Python package."),
              "licence": "BSD (ISLP package); data from the published study",
              "source_path": f"{DATASET}/Khan_xtrain.csv",
              "n": int(len(y)), "class_counts": {lab: int(np.sum(y == j)) for j, lab in enumerate(LABELS)}},
        metrics={
            "summary": summary,
            "protocol": (f"nested {folds}-fold stratified cross-validation (seed {seed}): "
                         "gene selection, candidate choice and temperature scaling redone inside every outer fold; "
                         f"out-of-fold calibrated probabilities on {len(y)} training profiles."),
            "nested": multiclass_metrics(y, nested_probs),
            "nested_chosen": {name: nested_chosen.count(name) for name in sorted(set(nested_chosen))},
            "candidates": {candidate_name(*kc): v for kc, v in table.items()},
            "chosen": candidate_name(k, c), "temperature": round(temperature, 4),
            "linear_svm_all_genes_same_folds": anchor,
            "out_of_distribution": ood_eval,
            "baseline": {"Khan et al. 2001 neural networks (20 blinded test samples)": "20 of 20 correct",
                         "linear SVM on all 2,308 genes (usual 63/20 split)": "18 of 20 correct",
                         "linear SVM on all genes, same CV folds as above": f"accuracy {anchor['accuracy']:.3f}"},
            "anchors": [
                "Khan et al. 2001: artificial neural networks classified all 20 blinded test samples correctly.",
                "A linear support vector classifier on all 2,308 genes misclassifies 2 of the 20 test samples in "
                "the usual 63/20 split (James et al., ISLR lab).",
                "The 20 test samples are held back from this project; none was used here.",
            ],
        },
        intended_use=("Demonstration of an explainable expression-profile classifier for teaching and tumour-board "
                      "discussion; it is not a diagnostic test and must not guide the care of a patient."),
        limitations=(
            "Demonstration model trained on 63 profiles from one 2001 study (cDNA microarrays, 2,308 clones); "
            "not validated for clinical use.",
            "Only the four classes it was trained on exist for it. A profile unlike all four is flagged, but the "
            "check misses some unseen tumour types (see the out-of-distribution figures).",
            "Input must be on the training scale (log expression ratios from the same platform); RNA-seq counts "
            "or other platforms are not comparable even after log transformation.",
            "Genes are identified by position (V1-V2308) because the public copy lacks clone annotations.",
            "SHAP values show how this model uses each gene, not biology or causation.",
        ),
        explanation={"method": "Exact linear SHAP (interventional, training profiles as background)",
                     "output": "centred calibrated logit of the explained class",
                     "why": ("The model is linear in standardised expression and temperature scaling keeps it so; "
                             "for a linear model SHAP values are exact: coefficient times (value minus training "
                             "mean). The explained output is the class's calibrated logit minus the mean logit over "
                             "the four classes, which equals log p(class) minus the mean log p over classes; base "
                             "value plus the contributions equals it exactly.")},
        training={"seed": seed, "folds": folds, "repeats": repeats, "quick": quick,
                  "command": f"python -m medapp train {model_id}", "seconds": round(time.time() - started, 1),
                  "date": date.today().isoformat(), "python": platform.python_version(),
                  "candidates": [candidate_name(*kc) for kc in candidates]},
        validation={"y_true": y.astype(int).tolist(),
                    "probabilities": np.round(nested_probs, 5).tolist(),
                    "protocol": "out-of-fold calibrated probabilities from nested cross-validation"},
    )
    card.write(out_dir)
    return ModelCard.read(out_dir / "card.json")
