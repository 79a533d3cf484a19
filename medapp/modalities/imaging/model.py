"""A loaded imaging model: calibrated prediction, input-fit checks, expected-gradients SHAP map.

Nothing here imports training code: preprocessing (preprocess.py) and the network (net.py) are the
pieces training and inference share. A loaded model holds only read-only tensors; every call builds
its own tensors, so one instance serves many sessions at once (torch autograd is per call).
"""
from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file

from ...types import Explanation, InputFit, ModelCard, Prediction, score_and_threshold
from ..base import CardModel
from .dicom import age_text
from .explain import (
    N_BACKGROUND,
    N_STEPS,
    block_kernel_shap,
    blurred_copies,
    expected_gradients,
    region_summary,
    smooth,
)
from .io import ImageInput
from .io import decode as decode_images
from .net import CompactResNet, Ensemble, member_prefixes
from .preprocess import to_image_grid, to_model_input
from .select import NOT_FIT_OOD_RATIO


class ImagingModel(CardModel):
    def __init__(self, card: ModelCard):
        self.card = card
        tensors = load_file(str(card.weights_path))  # safetensors: data only, no code
        nets = [self._network(tensors, prefix, len(card.labels)) for prefix in member_prefixes(tensors)]
        self.net = nets[0] if len(nets) == 1 else Ensemble(nets)
        # channels-last activations: oneDNN's faster convolution path on CPU (explanations 20% faster, measured;
        # results equal to about 1e-6)
        self.net = self.net.to(memory_format=torch.channels_last)
        self.net.eval()
        for p in self.net.parameters():
            p.requires_grad_(False)  # shared between sessions: gradients are taken w.r.t. inputs only
        self.temperature = float(tensors["calibration.temperature"][0])
        # prior correction for class-weighted training (absent in older weights: no correction)
        self.offset = tensors.get("calibration.logit_offset", torch.zeros(len(card.labels)))
        self.ood_mean, self.ood_inv = tensors["ood.mean"].double(), tensors["ood.inv_cov"].double()
        self.background = tensors["shap.background"]
        self.size = int(card.input["size"])
        self.positive = card.positive_label
        self.threshold = card.threshold if self.positive is not None else None
        # how the page's map is made (card "explanation.settings"; absent: 8 training images x 4 path points)
        settings = card.explanation.get("settings", {})
        self.blur_sigmas = tuple(float(s) for s in settings.get("blur_sigmas", ()))  # empty: training images
        self.steps = int(settings.get("steps", N_STEPS))
        self.smoothing = float(settings.get("smoothing_sigma", 0.0))

    @staticmethod
    def _network(tensors: dict[str, torch.Tensor], prefix: str, n_classes: int) -> CompactResNet:
        state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        net = CompactResNet(n_classes=n_classes, width=int(state["stem.0.weight"].shape[0]),
                            lesion_head="lesion.weight" in state)
        net.load_state_dict(state)
        return net

    # -- prediction ----------------------------------------------------------------------------
    def log_probabilities(self, t: torch.Tensor) -> torch.Tensor:
        """Calibrated log-probabilities: what the heatmap explains."""
        return torch.log_softmax((self.net(t) + self.offset) / self.temperature, dim=1)

    def probabilities(self, t: torch.Tensor) -> np.ndarray:
        with torch.no_grad():
            return self.log_probabilities(t).exp().numpy()

    def ood_score(self, t: torch.Tensor) -> float:
        """Mahalanobis distance of the penultimate features from the training images' distribution."""
        with torch.no_grad():
            f = self.net.embed(t).double()[0] - self.ood_mean
        return float(torch.sqrt(f @ self.ood_inv @ f))

    def fit_check(self, x: ImageInput, t: torch.Tensor | None = None) -> dict[str, Any]:
        """Does this image fit the model? Reasons it does not, from metadata first, then content."""
        t = to_model_input(x, self.size) if t is None else t
        inp = self.card.input
        reasons, cautions = [], []
        expected = inp.get("expected_modalities", [])
        if x.modality and expected and x.modality not in expected:
            reasons.append(f"The DICOM modality is {x.modality}, but this model was trained on "
                           f"{'/'.join(expected)} images only.")
        body = (x.meta.get("Body part") or "").upper().strip()
        parts = inp.get("expected_body_parts", [])
        if body and parts and not any(p in body for p in parts):
            reasons.append(f"The DICOM body part is {body}, but this model was trained on {'/'.join(parts)} images.")
        if x.is_colour:
            reasons.append("This is a colour picture; the model was trained on grey medical images only.")
        ages = inp.get("training_ages_years")
        if x.age_years is not None and ages and not ages[0] <= x.age_years < ages[1] + 1:  # "5 years" is 5 to 6
            # a caution, not a refusal: the age is the header's word and the image may still be like the training
            # ones (an adult radiograph went to the paediatric chest model without a word, a review)
            cautions.append(f"The patient's age in the DICOM header is {age_text(x.age_years)}; this model was "
                            f"trained on {inp.get('training_population', 'patients')} aged {ages[0]:g} to "
                            f"{ages[1]:g} years: its output for this patient is untested.")
        photometric = x.meta.get("Photometric interpretation", "")
        if photometric and not photometric.startswith("MONOCHROME") and not x.is_colour:
            cautions.append(f"The file stores colour ({photometric}) but the picture is grey; it is analysed as grey.")
        rows, cols = x.grey.shape
        aspect = cols / rows
        if not 0.4 <= aspect <= 2.5:
            reasons.append(f"The image is {cols}x{rows} pixels (aspect {aspect:.1f}); the training images were "
                           "close to square, and squashing this one distorts it beyond what the model has seen.")
        contrast = float(x.grey.std())
        if contrast < 0.02:
            reasons.append(f"The image is blank or has almost no contrast (spread {contrast:.3f}).")
        score = self.ood_score(t)
        threshold = float(inp["ood_threshold"])
        # Refused above the card's limit (its validation images' 99th percentile) when nothing but the pixels says
        # what the image is: an ankle CT saved as PNG was "pneumonia 89%" with a caution at 1.47 times the bar (a
        # clinical-safety review). A DICOM whose modality and body part are the model's own is what its header says:
        # refused only beyond NOT_FIT_OOD_RATIO (an adult CR chest scores 1.05, with the age caution).
        vouched = bool(x.modality and x.modality in expected and body and any(p in body for p in parts))
        refuse_ratio = NOT_FIT_OOD_RATIO if vouched else float(inp.get("ood_refuse_ratio", NOT_FIT_OOD_RATIO))
        shown, below = score_and_threshold(score, threshold)
        if score > refuse_ratio * threshold:
            refused_above = score_and_threshold(score, refuse_ratio * threshold)[1]
            beyond = ("" if vouched else f" and 99% of its validation images below {refused_above}; nothing in the "
                      f"file says it is a {'/'.join(expected)} image of the {'/'.join(parts)}")
            reasons.append(f"The image content is unlike this model's training images (out-of-distribution score "
                           f"{shown}; 99% of training images score below {below}{beyond}).")
        elif score > threshold:
            unlike = (f"The image is unlike the training images (out-of-distribution score {shown}, 99% of training "
                      f"images score below {below}).")
            # refused already: there is no result to treat with caution (a CT read "No finding" and "Treat the
            # result with caution" together: a review)
            if reasons:
                reasons.append(unlike)
            else:
                cautions.append(f"{unlike} Treat the result with caution.")
        # kept to 4 decimals: at 2 a score just under the threshold could read as just over it
        return {"fits": not reasons, "reasons": reasons, "cautions": cautions, "ood_score": round(score, 4),
                "ood_threshold": threshold, "ood_ratio": round(score / threshold, 3), "contrast": round(contrast, 4)}

    def untested_ages(self, x: ImageInput) -> str | None:
        """Said beside a finding when the image gives no age: an adult radiograph without one got the paediatric
        model's "normal, 66.8%" with nothing saying the model knows only children of 1 to 5 (a review)."""
        ages = self.card.input.get("training_ages_years")
        if not ages or x.age_years is not None:
            return None
        return (f"Trained on {self.card.input.get('training_population', 'images')} of patients aged {ages[0]:g} to "
                f"{ages[1]:g} years only. This image gives no age: for a patient of another age the output is "
                "untested.")

    def warnings_for(self, x: ImageInput, fit: dict[str, Any]) -> tuple[str, ...]:
        # one ending for every reason: the image is not assessed (an unlike image read "treat the result with
        # caution", as if a result stood; an API review)
        warnings = [r + " The result is unreliable and is not a finding." for r in fit["reasons"]]
        warnings += fit["cautions"]
        if x.burned_in_annotation:
            warnings.append("The file declares burned-in annotation: text in the pixels may identify the patient "
                            "and is not removed by de-identification.")
        return tuple(warnings)

    def label_for(self, probs: np.ndarray) -> str:
        """The positive label at or above the card's threshold; otherwise the most probable other label."""
        if self.positive is not None:
            i = self.card.labels.index(self.positive)
            if probs[i] >= self.threshold:
                return self.positive
            rest = [j for j in range(len(self.card.labels)) if j != i]
            return self.card.labels[max(rest, key=lambda j: probs[j])]
        return self.card.labels[int(np.argmax(probs))]

    def predict(self, x: ImageInput) -> Prediction:
        t = to_model_input(x, self.size)
        probs = self.probabilities(t)[0]
        fit = self.fit_check(x, t)
        details = {"contrast": fit["contrast"], "image_shape": list(x.grey.shape)}
        if (untested := self.untested_ages(x)) is not None:  # kept with the analysis: Cases and reports say it too
            details["untested_ages"] = untested
        return Prediction(self.card.id, self.card.version, self.card.labels, probs, self.label_for(probs),
                          self.warnings_for(x, fit), details,
                          threshold=self.threshold,
                          fit=InputFit(fits=fit["fits"], reasons=tuple(fit["reasons"]), score=fit["ood_score"],
                                       threshold=fit["ood_threshold"]))

    # -- explanation ---------------------------------------------------------------------------
    def attributions(self, t: torch.Tensor, target: int, n_background: int = N_BACKGROUND,
                     steps: int = N_STEPS) -> tuple[np.ndarray, float]:
        """Expected-gradients SHAP of the calibrated log-probability of `target` (see explain.py)."""
        return expected_gradients(self.log_probabilities, self.background, t, target, n_background, steps)

    def explain(self, x: ImageInput, prediction: Prediction) -> Explanation:
        start = time.perf_counter()
        target = self.card.labels.index(prediction.label)
        t = to_model_input(x, self.size)
        if self.blur_sigmas:  # baseline: blurred copies of this image (see explain.blurred_copies)
            background = blurred_copies(t, self.blur_sigmas)
            values, base = expected_gradients(self.log_probabilities, background, t, target, len(background), self.steps)
            baseline = f"this image blurred (Gaussian sigma {', '.join(f'{s:g}' for s in self.blur_sigmas)} model pixels)"
        else:
            values, base = self.attributions(t, target)
            baseline = f"{N_BACKGROUND} training images"
        values = smooth(values, self.smoothing)  # total kept exactly, so completeness is unchanged
        # expected gradients add up to the explained output only approximately: the gap is said with the map (an
        # integration review found base + sum 0.66 away from log p on a DICOM, with nothing saying so)
        explained = math.log(max(float(prediction.probabilities[target]), 1e-300))
        gap = base + float(np.sum(values, dtype=np.float64)) - explained
        return Explanation(kind="image", method="GradientSHAP (expected gradients)", target=prediction.label,
                           base_value=base, values=values, output_space="log-probability",
                           data={"size": self.size, "image_shape": list(x.grey.shape), "grid": "model input",
                                 "baseline": baseline, "n_background": len(self.blur_sigmas) or N_BACKGROUND,
                                 "steps": self.steps if self.blur_sigmas else N_STEPS,
                                 "smoothing_sigma": self.smoothing, "explained_output": explained,
                                 "completeness_error": gap,
                                 # which frame of a multi-frame image: a case drew frame 0 under frame 1's finding
                                 "frame": x.frame, "n_frames": x.n_frames},
                           summary=region_summary(values), compute_ms=(time.perf_counter() - start) * 1000)

    def image_map(self, x: ImageInput, explanation: Explanation) -> np.ndarray:
        """The explanation over the image's own rows x columns (each model pixel spread over its source pixels)."""
        return to_image_grid(np.asarray(explanation.values, dtype=np.float64), x.grey.shape)

    def baseline_explain(self, x: ImageInput, prediction: Prediction) -> Explanation:
        """shap's KernelExplainer with default settings over 8x8 super-pixels (see explain.py)."""
        start = time.perf_counter()
        target = self.card.labels.index(prediction.label)
        values, base = block_kernel_shap(self.probabilities, self.background, to_model_input(x, self.size), target)
        return Explanation(kind="image", method="KernelSHAP over 8x8 blocks (reference)", target=prediction.label,
                           base_value=base, values=values, compute_ms=(time.perf_counter() - start) * 1000)

    # -- contract helpers ----------------------------------------------------------------------
    def inputs_from_bytes(self, data: bytes, name: str) -> list[tuple[str, ImageInput]]:
        return [(x.name, x) for x in decode_images(data, name)]

    def input_key(self, x: ImageInput) -> str:
        return x.key

    def example_input(self) -> ImageInput:
        """One of the model's own background images (a training image at the model's input size)."""
        return ImageInput("example.png", self.background[0, 0].numpy().astype(np.float64), "png")


def load(card: ModelCard) -> ImagingModel:
    return ImagingModel(card)
