"""The contract every modality meets at: model cards, predictions, explanations, input errors.

Loaders turn uploads into inputs, models turn inputs into a `Prediction`, explainers into an
`Explanation`; renderers, the case store, reports, the CLI and the benchmark only see these types.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

ExplanationKind = Literal["tabular", "image", "text", "audio", "genomics"]


class InputError(ValueError):
    """An input the user can fix. The message is written for a clinician, not a developer."""

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row

    def __str__(self) -> str:
        return self.message


def readable_label(label: str) -> str:
    """A machine label as text for a reader, when no card gives a display label: underscores become spaces."""
    return label.replace("_", " ")


@dataclass(frozen=True)
class ModelCard:
    """Identity, input spec and documentation of one model; read from models/<id>/card.json."""

    id: str
    name: str
    version: str
    modality: str  # a package of medapp.modalities: records, imaging, audio, notes, genomics, survival, speech
    framework: str
    task: str
    labels: tuple[str, ...]
    positive_label: str | None
    weights: str  # file name inside the model folder
    input: dict[str, Any]
    data: dict[str, Any]
    metrics: dict[str, Any]
    intended_use: str
    limitations: tuple[str, ...]
    explanation: dict[str, Any]
    training: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)  # stored validation predictions for ROC/calibration
    display_labels: dict[str, str] = field(default_factory=dict)  # label -> how people read it ("mitral valve prolapse")
    # weights shipped inside a pip package rather than the model folder: name, version, files and their SHA-256
    weights_package: dict[str, Any] = field(default_factory=dict)
    # SHA-256 of every file of the model's folder but the card (written by `write`, checked by the registry at load):
    # a version alone named two sets of weights once (a quality auditor's review)
    weights_sha256: dict[str, str] = field(default_factory=dict)
    path: Path | None = None  # folder the card was read from
    # the card's text as read (what a save keeps); not an init field, so `dataclasses.replace` (a card changed in
    # code) drops it and `text()` then writes the changed card, not the text it was read from
    source: str | None = field(default=None, init=False, repr=False, compare=False)

    DEMO_NOTICE = (
        "Demonstration model trained on a small public research dataset. It is not a medical device "
        "and must not be used for diagnosis or treatment decisions."
    )

    @classmethod
    def from_dict(cls, raw: dict[str, Any], path: Path | None = None) -> ModelCard:
        known = {f.name for f in fields(cls)} - {"path", "source"}
        missing = {"id", "name", "version", "modality", "labels", "weights"} - raw.keys()
        if missing:
            raise ValueError(f"model card {path} lacks {sorted(missing)}")
        kwargs = {k: v for k, v in raw.items() if k in known}
        kwargs["labels"] = tuple(raw["labels"])
        kwargs["limitations"] = tuple(raw.get("limitations", ()))
        for key, default in (("framework", ""), ("task", ""), ("positive_label", None), ("input", {}),
                             ("data", {}), ("metrics", {}), ("intended_use", ""), ("explanation", {})):
            kwargs.setdefault(key, default)
        return cls(**kwargs, path=path)

    @classmethod
    def read(cls, card_path: Path) -> ModelCard:
        text = Path(card_path).read_text(encoding="utf-8")
        card = cls.from_dict(json.loads(text), path=Path(card_path).parent)
        object.__setattr__(card, "source", text)
        return card

    @classmethod
    def from_text(cls, text: str) -> ModelCard:
        """A card kept with a saved analysis (no folder: its weights are not loaded from it)."""
        card = cls.from_dict(json.loads(text))
        object.__setattr__(card, "source", text)
        return card

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("path", "source")}
        out["labels"] = list(self.labels)
        out["limitations"] = list(self.limitations)
        if not out["weights_sha256"]:  # cards written before it keep their text
            del out["weights_sha256"]
        return out

    def text(self) -> str:
        """The card's text: as read, or as `write` would write it."""
        if self.source is not None:
            return self.source
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=_json_default) + "\n"

    def write(self, folder: Path) -> Path:
        """Write card.json after the weights, naming each file beside it by SHA-256."""
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "card.json"
        hashed = dataclasses.replace(self, weights_sha256=folder_sha256(folder))
        target.write_text(hashed.text(), encoding="utf-8")
        return target

    def display(self, label: str) -> str:
        """A label as a clinician reads it: the card's display label; else a code with its name, as the genomics
        page shows it ("EWS (Ewing sarcoma)"; Cases showed "EWS"); else the label without underscores."""
        if self.display_labels.get(label):
            return self.display_labels[label]
        name = (self.input.get("label_names") or {}).get(label)
        return f"{label} ({name})" if name and name != label else readable_label(label)

    @property
    def positive(self) -> str:
        """The label a yes/no call, its probability, bands and explanation are about: the card's positive_label. A
        card without one (a multi-class model) has none: asking is a bug, never a silent guess of the last label."""
        if self.positive_label is None:
            raise ValueError(f"model card {self.id} names no positive label")
        return self.positive_label

    @property
    def risk_bands(self) -> list:
        """The card's risk bands, [[upper, name], ...] from the lowest (records models; [] for other cards)."""
        return self.input.get("risk_bands") or []

    @property
    def threshold(self) -> float:
        """The probability of the positive label at or above which it is called, chosen on validation and kept in
        the card's metrics; a card without one is refused rather than given a silent 0.5."""
        if "threshold" not in self.metrics:
            raise ValueError(f"model card {self.id} has no decision threshold (metrics.threshold)")
        return float(self.metrics["threshold"])

    @property
    def weights_path(self) -> Path:
        assert self.path is not None, "card was not read from disk"
        return self.path / self.weights


@dataclass(frozen=True)
class SurvivalCurve:
    """A time-to-event prediction: the survival curve with its band and the event by each horizon."""

    event: str  # what the curve is about, e.g. "death", "recurrence or death"
    times: np.ndarray  # days
    survival: np.ndarray  # probability of no event by each time
    lower: np.ndarray  # uncertainty band (see `band`)
    upper: np.ndarray
    horizons: tuple[float, ...]  # days
    at_horizons: np.ndarray  # survival probability at each horizon
    at_horizons_lower: np.ndarray
    at_horizons_upper: np.ndarray
    main_horizon: float
    risk_score: float  # log relative hazard: higher means an earlier event
    risk_group: str = ""  # low / intermediate / high, by the training tertiles
    band: str = ""  # how the band was made

    def survival_by_horizon(self) -> dict[str, float]:
        """Horizon in days (as text, for JSON) to survival probability."""
        return {f"{h:g}": float(s) for h, s in zip(self.horizons, self.at_horizons)}

    def band_by_horizon(self) -> dict[str, list[float]]:
        """Horizon in days (as text) to the 95% band of the survival probability, [lower, upper]."""
        return {f"{h:g}": [float(lo), float(hi)]
                for h, lo, hi in zip(self.horizons, self.at_horizons_lower, self.at_horizons_upper)}

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SurvivalCurve:
        arrays = {"times", "survival", "lower", "upper", "at_horizons", "at_horizons_lower", "at_horizons_upper"}
        kw = {k: (np.asarray(v, dtype=float) if k in arrays else v) for k, v in d.items()
              if k in {f.name for f in fields(cls)}}
        kw["horizons"] = tuple(float(h) for h in d["horizons"])
        return cls(**kw)


def score_and_threshold(score: float, threshold: float, min_decimals: int = 1) -> tuple[str, str]:
    """An out-of-distribution score and its threshold as text, with as many decimals (`min_decimals` to 4) as it
    takes to show which side of the threshold the score is on ("14.12 (flagged above 14.1)" read as flagged; it
    was not). The page's own number of decimals is the minimum, so a stored analysis reads as its page did."""
    for decimals in range(min_decimals, max(min_decimals, 4) + 1):
        shown = f"{score:.{decimals}f}", f"{threshold:.{decimals}f}"
        if shown[0] != shown[1] or score == threshold:
            break
    return shown


NOT_ASSESSED = "not assessed"  # the label of an input the model does not fit, where a label is recorded or sent


@dataclass(frozen=True)
class InputFit:
    """Is the input like what the model was trained on? Pages show `message` (or the reasons) as the error
    instead of a finding when it is not."""

    fits: bool = True
    message: str | None = None  # the clinician-readable headline when it does not fit (also in the warnings)
    reasons: tuple[str, ...] = ()  # each reason it does not fit
    score: float | None = None  # out-of-distribution score
    threshold: float | None = None  # the score above which an input is flagged

    def __post_init__(self) -> None:
        # an input that does not fit always says why in `reasons` (the API's fit_reasons): heart sounds, profiles
        # and notes gave only a message, and an integrator reading fit_reasons got [] (an API review)
        if not self.fits and not self.reasons and self.message:
            object.__setattr__(self, "reasons", (self.message,))

    def score_text(self, min_decimals: int = 1) -> str:
        """'out-of-distribution score 14.12 (flagged above 14.116)': which side of the threshold, readably."""
        score, threshold = score_and_threshold(self.score, self.threshold, min_decimals)
        return f"{score} (flagged above {threshold})"

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({f.name: getattr(self, f.name) for f in fields(self)})

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> InputFit:
        return cls(fits=bool(d.get("fits", True)), message=d.get("message"), reasons=tuple(d.get("reasons", ())),
                   score=d.get("score"), threshold=d.get("threshold"))


@dataclass(frozen=True)
class WindowResult:
    """One stretch of a recording analysed on its own (audio): its probabilities and whether it looks like
    the training recordings."""

    start_s: float
    end_s: float
    probabilities: dict[str, float]  # label -> probability
    label: str
    ood_distance: float = 0.0
    unlike_training: bool = False
    ood_reasons: tuple[str, ...] = ()
    profile: dict[str, float] = field(default_factory=dict)  # plain descriptors (spectral centroid, periodicity)

    def to_dict(self) -> dict[str, Any]:
        """Flat, as stored in analyses before the field was typed."""
        return to_jsonable({"start_s": self.start_s, "end_s": self.end_s, "probabilities": self.probabilities,
                            "label": self.label, "ood_distance": self.ood_distance, **self.profile,
                            "unlike_training": self.unlike_training, "ood_reasons": list(self.ood_reasons)})

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WindowResult:
        named = {"start_s", "end_s", "probabilities", "label", "ood_distance", "unlike_training", "ood_reasons"}
        return cls(start_s=float(d["start_s"]), end_s=float(d["end_s"]),
                   probabilities={str(k): float(v) for k, v in d["probabilities"].items()}, label=d["label"],
                   ood_distance=float(d.get("ood_distance", 0.0)), unlike_training=bool(d.get("unlike_training")),
                   ood_reasons=tuple(d.get("ood_reasons", ())),
                   profile={k: v for k, v in d.items() if k not in named and k != "profile"} | d.get("profile", {}))


# The least probability a prediction gives any of two or more labels (Prediction.__post_init__).
MIN_PROBABILITY = 1e-9


@dataclass(frozen=True)
class Prediction:
    model_id: str
    model_version: str
    labels: tuple[str, ...]
    probabilities: np.ndarray  # one per label, calibrated, sums to 1
    label: str  # the predicted one
    warnings: tuple[str, ...] = ()  # plain language, e.g. "input unlike the training data"
    details: dict[str, Any] = field(default_factory=dict)  # modality extras not named below (timings, audio mode)
    survival: SurvivalCurve | None = None  # time-to-event models only
    # speech to text: the transcript and its timed segments ({"start", "end", "text", "confidence", "check"}, in
    # seconds; "check": below the card's low_confidence); None elsewhere
    text: str | None = None
    segments: tuple[dict[str, Any], ...] = ()
    # Typed results pages read (None or empty where a modality has none); `details` keeps the untyped extras.
    risk_band: str | None = None  # records: band of the positive label's probability (the card's risk_bands)
    threshold: float | None = None  # probability of the positive label at or above which it is called
    fit: InputFit | None = None  # imaging, audio, genomics: does the input look like the training data?
    windows: tuple[WindowResult, ...] = ()  # audio: each window analysed on its own
    duration_s: float | None = None  # audio and speech: length of the recording
    # which part of its input this is about, as people say it: "row 5 of a cohort file", "sample 2 of 10", "row 2 of 3
    # in the request"; None for a whole input (an image's frame is in its explanation, which redraws it)
    part: str | None = None

    def __post_init__(self) -> None:
        # Never certainty: a sigmoid or softmax saturates to exactly 1.0 and 0.0 in floating point (a kidney
        # patient read "100%" on the page and {"ckd": 1.0} in the API), which no model trained on a few hundred
        # patients can claim. One label (a transcript) is certain by definition.
        p = np.asarray(self.probabilities, dtype=float)
        if len(self.labels) > 1 and p.size and (p.min() < MIN_PROBABILITY or p.max() > 1 - MIN_PROBABILITY):
            p = np.clip(p, MIN_PROBABILITY, None)
            object.__setattr__(self, "probabilities", p / p.sum())

    @property
    def fits(self) -> bool:
        """False when the model found the input unlike its training data (no finding should be shown)."""
        return self.fit is None or self.fit.fits

    @property
    def recorded_label(self) -> str:
        """The label a case row and the audit trail record: "not assessed" when the input does not fit the model. A
        lung recording saved from the heart-sound page was on record as "mitral_valve_prolapse" though every page
        said "not assessed" (a review); `label` and the probabilities stay in the prediction, for reference."""
        return self.label if self.fits else NOT_ASSESSED

    @property
    def probability(self) -> float:
        """Probability of the predicted label."""
        return float(self.probabilities[self.labels.index(self.label)])

    def probability_of(self, label: str) -> float:
        return float(self.probabilities[self.labels.index(label)])

    def as_dict(self) -> dict[str, float]:
        return {lab: float(p) for lab, p in zip(self.labels, self.probabilities)}

    def to_dict(self) -> dict[str, Any]:
        out = to_jsonable({
            "model_id": self.model_id, "model_version": self.model_version, "labels": list(self.labels),
            "probabilities": self.probabilities, "label": self.label, "warnings": list(self.warnings),
            "details": self.details,
        })
        if self.survival is not None:
            out["survival"] = self.survival.to_dict()
        if self.text is not None:
            out.update(text=self.text, segments=to_jsonable(list(self.segments)))
        out.update(self._typed_dict())
        return out

    def _typed_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("risk_band", "threshold", "duration_s", "part"):
            if getattr(self, name) is not None:
                out[name] = to_jsonable(getattr(self, name))
        if self.fit is not None:
            out["fit"] = self.fit.to_dict()
        if self.windows:
            out["windows"] = [w.to_dict() for w in self.windows]
        return out

    def flat_details(self) -> dict[str, Any]:
        """`details` with the typed results beside them under their old key names (the service's `details` output)."""
        out = dict(to_jsonable(self.details))
        typed = self._typed_dict()
        fit = typed.pop("fit", None)
        if fit is not None:
            out.update(fits_model=fit["fits"], fit_reasons=fit["reasons"], ood_score=fit["score"],
                       ood_threshold=fit["threshold"])
        return {**out, **typed}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Prediction:
        details = d.get("details", {})
        warnings = tuple(d.get("warnings", ()))
        typed = _typed_from_dict(d) if any(k in d for k in _TYPED_KEYS) else _typed_from_old_details(details, warnings)
        return cls(model_id=d["model_id"], model_version=d["model_version"], labels=tuple(d["labels"]),
                   probabilities=np.asarray(d["probabilities"], dtype=float), label=d["label"],
                   warnings=warnings, details=details,
                   survival=SurvivalCurve.from_dict(d["survival"]) if d.get("survival") else None,
                   text=d.get("text"), segments=tuple(d.get("segments", ())),
                   part=d.get("part") or _part_from_old_details(details), **typed)


_TYPED_KEYS = ("risk_band", "threshold", "fit", "windows", "duration_s")


def _typed_from_dict(d: dict[str, Any]) -> dict[str, Any]:
    return {"risk_band": d.get("risk_band"), "threshold": d.get("threshold"), "duration_s": d.get("duration_s"),
            "fit": InputFit.from_dict(d["fit"]) if d.get("fit") else None,
            "windows": tuple(WindowResult.from_dict(w) for w in d.get("windows", ()))}


def _part_from_old_details(details: dict[str, Any]) -> str | None:
    """Analyses stored before `part` kept the position under three keys: the API's "position", a cohort's
    "cohort_row", a genomics profile's "sample" (its position in place of its name)."""
    if isinstance(position := details.get("position"), str):
        return position
    if (row := details.get("cohort_row")) is not None:
        return f"row {row} of a cohort file"
    sample = details.get("sample")
    return sample if isinstance(sample, str) and re.fullmatch(r"sample \d+ of \d+.*", sample) else None


def _typed_from_old_details(details: dict[str, Any], warnings: tuple[str, ...]) -> dict[str, Any]:
    """Analyses stored before the typed fields kept these results in `details`, each modality with its own keys."""
    fit = None
    if "fits_model" in details:  # imaging
        fit = InputFit(fits=bool(details["fits_model"]), reasons=tuple(details.get("fit_reasons", ())),
                       score=details.get("ood_score"), threshold=details.get("ood_threshold"))
    elif "matches_model" in details or "out_of_distribution" in details:  # audio, genomics
        fits = bool(details["matches_model"]) if "matches_model" in details else not details["out_of_distribution"]
        fit = InputFit(fits=fits, message=None if fits or not warnings else warnings[0],
                       score=details.get("ood_score"),
                       threshold=details.get("ood_threshold", 1.0 if "out_of_distribution" in details else None))
    return {"risk_band": details.get("risk_band"), "threshold": details.get("threshold"), "fit": fit,
            "duration_s": details.get("duration_s"),
            "windows": tuple(WindowResult.from_dict(w) for w in details.get("windows", ()))}


@dataclass(frozen=True)
class Explanation:
    kind: ExplanationKind
    method: str  # e.g. "TreeSHAP", "GradientSHAP", "Partition(text)"
    target: str  # the label being explained
    base_value: float
    values: np.ndarray  # same shape as the features / pixels / tokens / tiles
    feature_names: tuple[str, ...] | None = None
    data: Any = None  # what the values refer to: the row, tokens, tile grid, image
    # what base_value + sum(values) equals: "probability", "log-odds" (records), "log relative hazard" (survival),
    # "log-probability" (imaging, notes, genomics: per class), "confidence" (speech segments, not an attribution)
    output_space: str = "probability"
    summary: tuple[tuple[str, float], ...] = ()  # named top contributions for non-tabular kinds
    compute_ms: float = 0.0
    target_label: str = ""  # the card's display label of `target`, set by medapp.analysis ("chronic kidney disease")

    @property
    def target_display(self) -> str:
        """The explained label as a reader sees it in figures and reports (`target` stays the machine key)."""
        return self.target_label or readable_label(self.target)

    @property
    def output_value(self) -> float:
        """base value plus all contributions: the model output being explained (SHAP additivity)."""
        return float(self.base_value + np.sum(self.values))

    def top_contributions(self, k: int = 5) -> list[tuple[str, float]]:
        """The k contributions largest in magnitude, as (name, value)."""
        if self.summary:
            pairs = list(self.summary)
        elif self.feature_names is not None and np.ndim(self.values) == 1:
            pairs = [(n, float(v)) for n, v in zip(self.feature_names, self.values)]
        else:
            return []
        return sorted(pairs, key=lambda p: -abs(p[1]))[:k]

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable({
            "kind": self.kind, "method": self.method, "target": self.target, "base_value": self.base_value,
            "values": self.values, "feature_names": list(self.feature_names) if self.feature_names else None,
            "data": self.data, "output_space": self.output_space,
            "summary": [list(p) for p in self.summary], "compute_ms": self.compute_ms,
            **({"target_label": self.target_label} if self.target_label else {}),
        })

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Explanation:
        return cls(kind=d["kind"], method=d["method"], target=d["target"], base_value=float(d["base_value"]),
                   values=np.asarray(d["values"], dtype=float),
                   feature_names=tuple(d["feature_names"]) if d.get("feature_names") else None,
                   data=d.get("data"), output_space=d.get("output_space", "probability"),
                   summary=tuple((str(n), float(v)) for n, v in d.get("summary", ())),
                   compute_ms=float(d.get("compute_ms", 0.0)), target_label=str(d.get("target_label") or ""))


@runtime_checkable
class Model(Protocol):
    """What every loaded model offers. Implementations live in medapp/modalities/<m>/model.py."""

    card: ModelCard

    def predict(self, x: Any) -> Prediction: ...

    def explain(self, x: Any, prediction: Prediction) -> Explanation: ...

    def read_inputs(self, path: Path) -> list[tuple[str, Any]]:
        """Cases in a file for the CLI: (name, input) pairs, or (name, InputError) for unreadable ones."""
        ...

    def input_key(self, x: Any) -> str:
        """A stable hash of the input, so explanations are computed once per input."""
        ...

    def example_input(self) -> Any:
        """A representative input for the benchmark and the warm-up."""
        ...

    def baseline_explain(self, x: Any, prediction: Prediction) -> Explanation:
        """The same explanation from shap's model-agnostic KernelExplainer with default settings."""
        ...

    def warm(self) -> None:
        """First-call costs paid at load (medapp.modalities.base.CardModel: one analysis of the example)."""
        ...

    def as_saved(self, prediction: Prediction, explanation: Explanation | None, position: str
                 ) -> tuple[Prediction, Explanation | None]:
        """The result as a case keeps it (CardModel: as it is; genomics: without sample names)."""
        ...

    def stored_input(self, x: Any) -> tuple[bytes, str] | None:
        """What a case stores of one input read from a file; None: the uploaded file (CardModel)."""
        ...

    # Optional, found with hasattr by medapp.analysis.analyse_batch: predict_many(xs) and explain_many(xs, preds),
    # vectorised forms for cohorts (records, survival, genomics).


def read_input_file(path: Path) -> bytes:
    """The bytes of a file named on the command line; an unreadable path is the user's to fix."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def folder_sha256(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a model's folder but its card, by name."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(folder).iterdir()) if p.is_file() and p.name != "card.json"}


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def to_jsonable(obj: Any) -> Any:
    """Numpy arrays and scalars to plain lists and numbers, recursively (for JSON and the case store)."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return to_jsonable(obj.item())
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    return obj
