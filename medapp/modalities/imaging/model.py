"""A loaded imaging model: calibrated prediction, out-of-distribution score, GradientSHAP heatmap."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file

from ...types import Explanation, InputError, ModelCard, Prediction, read_input_file
from .io import ImageInput, load as load_images
from .net import SmallCNN
from .train import predict_logits



def to_model_input(x: ImageInput, size: int) -> torch.Tensor:
    """Grey, area-resized to size x size, 0..1: the preprocessing the training images had."""
    grey = torch.tensor(np.ascontiguousarray(x.grey), dtype=torch.float32)[None, None]
    if not torch.isfinite(grey).all():
        raise InputError(f"{x.name}: the image holds undefined pixel values after display processing; "
                         "it cannot be analysed.")
    return F.interpolate(grey, size=(size, size), mode="area").clamp(0, 1)


class ImagingModel:
    def __init__(self, card: ModelCard):
        self.card = card
        tensors = load_file(str(card.weights_path))  # safetensors: data only, no code
        self.net = SmallCNN(n_classes=len(card.labels))
        self.net.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
        self.net.eval()
        self.temperature = float(tensors["calibration.temperature"][0])
        self.ood_mean, self.ood_inv = tensors["ood.mean"].double(), tensors["ood.inv_cov"].double()
        self.background = tensors["shap.background"]
        self.size = int(card.input["size"])

    # -- prediction ----------------------------------------------------------------------------
    def probabilities(self, t: torch.Tensor) -> np.ndarray:
        return torch.softmax(predict_logits(self.net, t) / self.temperature, 1).numpy()

    def ood_score(self, t: torch.Tensor) -> float:
        """Mahalanobis distance of the penultimate features from the training images' distribution."""
        with torch.no_grad():
            f = self.net.embed(t).double()[0] - self.ood_mean
        return float(torch.sqrt(f @ self.ood_inv @ f))

    def warnings_for(self, x: ImageInput, t: torch.Tensor) -> tuple[tuple[str, ...], dict[str, Any]]:
        warnings = []
        score = self.ood_score(t)
        threshold = float(self.card.input["ood_threshold"])
        expected = self.card.input.get("expected_modalities", [])
        if x.is_colour:
            warnings.append("This is a colour picture; the model was trained on grey medical images only. "
                            "The result is unreliable.")
        contrast = float(x.grey.std())
        if contrast < 0.02:
            warnings.append(f"The image is blank or has almost no contrast (spread {contrast:.3f}); the result "
                            "is meaningless.")
        if x.modality and expected and x.modality not in expected:
            warnings.append(f"The DICOM modality is {x.modality}, but this model was trained on "
                            f"{'/'.join(expected)} images only. The result is unreliable.")
        if score > threshold:
            warnings.append(f"The image is unlike the training images (out-of-distribution score {score:.1f}, "
                            f"99% of training images score below {threshold:.1f}). Treat the result with caution.")
        if x.burned_in_annotation:
            warnings.append("The file declares burned-in annotation: text in the pixels may identify the patient "
                            "and is not removed by de-identification.")
        return tuple(warnings), {"ood_score": round(score, 2), "ood_threshold": threshold, "contrast": round(contrast, 4)}

    def predict(self, x: ImageInput) -> Prediction:
        t = to_model_input(x, self.size)
        probs = self.probabilities(t)[0]
        warnings, details = self.warnings_for(x, t)
        label = self.card.labels[int(np.argmax(probs))]
        return Prediction(self.card.id, self.card.version, self.card.labels, probs, label, warnings, details)

    # -- explanation ---------------------------------------------------------------------------
    def explain(self, x: ImageInput, prediction: Prediction, steps: int = 8, n_background: int = 16) -> Explanation:
        """Expected gradients (the algorithm of shap.GradientExplainer), computed in one batched pass.

        phi = mean over background images b and path points a of (x - b) * grad f(b + a (x - b)),
        with f the calibrated log-probability of the predicted label. A fixed set of background
        images with `steps` midpoint-rule path points (instead of random draws) makes the map
        repeatable and keeps base + sum(phi) within a few hundredths of f(x). See the card's explanation measurements
        for shap's GradientExplainer and Partition explainer on the same images.
        """
        start = time.perf_counter()
        target = self.card.labels.index(prediction.label)
        t = to_model_input(x, self.size)
        f = _Calibrated(self.net, self.temperature)
        bg = self.background[:n_background]
        alphas = (torch.arange(steps, dtype=torch.float32) + 0.5) / steps
        diff = t - bg  # (B, 1, H, W)
        points = (bg[:, None] + alphas[None, :, None, None, None] * diff[:, None]).reshape(-1, *t.shape[1:])
        points.requires_grad_(True)
        out = f(points)[:, target].sum()
        (grads,) = torch.autograd.grad(out, points)
        grads = grads.reshape(len(bg), steps, *t.shape[1:]).mean(1)
        values = (diff * grads).mean(0)[0].detach().numpy()
        with torch.no_grad():
            base = float(f(bg)[:, target].mean())
        return Explanation(kind="image", method="GradientSHAP (expected gradients)", target=prediction.label,
                           base_value=base, values=values.astype(np.float32), output_space="log-probability",
                           data={"size": self.size, "image_shape": list(x.grey.shape)},
                           summary=_region_summary(values), compute_ms=(time.perf_counter() - start) * 1000)

    def baseline_explain(self, x: ImageInput, prediction: Prediction) -> Explanation:
        """shap's KernelExplainer with default settings over 7x7 super-pixels (784 pixels would take minutes)."""
        import shap

        start = time.perf_counter()
        target = self.card.labels.index(prediction.label)
        t = to_model_input(x, self.size)[0, 0].numpy()
        cells = 4  # 7x7 grid of 4x4 blocks
        n = (self.size // cells) ** 2
        mean_img = self.background.mean(0)[0].numpy()

        def f(masks: np.ndarray) -> np.ndarray:
            out = []
            for m in masks:
                up = np.kron(m.reshape(self.size // cells, -1), np.ones((cells, cells)))
                img = t * up + mean_img * (1 - up)
                out.append(self.probabilities(torch.tensor(img, dtype=torch.float32)[None, None])[0, target])
            return np.array(out)

        explainer = shap.KernelExplainer(f, np.zeros((1, n)))
        values = explainer.shap_values(np.ones((1, n)), silent=True)
        return Explanation(kind="image", method="KernelSHAP over 7x7 blocks (reference)", target=prediction.label,
                           base_value=float(np.ravel(explainer.expected_value)[0]),
                           values=np.asarray(values).reshape(self.size // cells, -1),
                           compute_ms=(time.perf_counter() - start) * 1000)

    # -- contract helpers ----------------------------------------------------------------------
    def read_inputs(self, path: Path) -> list[tuple[str, Any]]:
        path = Path(path)
        data = read_input_file(path)
        try:
            return [(x.name, x) for x in load_images(data, path.name)]
        except InputError as exc:
            return [(path.name, exc)]

    def input_key(self, x: ImageInput) -> str:
        return x.key()

    def example_input(self) -> ImageInput:
        """One of the model's own background images (a 28x28 training thumbnail kept for SHAP)."""
        return ImageInput("example.png", self.background[0, 0].numpy().astype(np.float64), "png")

    def warm(self) -> None:
        x = self.example_input()
        self.explain(x, self.predict(x))


class _Calibrated(torch.nn.Module):
    """Log-probabilities after temperature scaling: what the heatmap explains."""

    def __init__(self, net: SmallCNN, temperature: float):
        super().__init__()
        self.net, self.temperature = net, temperature

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = (self.net(x) + self.net(x.flip(-1))) / 2  # the same test-time augmentation as predict
        return torch.log_softmax(logits / self.temperature, dim=1)


def _region_summary(values: np.ndarray) -> tuple[tuple[str, float], ...]:
    """Contributions summed over a 3x3 grid of named regions, for the CLI and reports."""
    rows = np.array_split(np.arange(values.shape[0]), 3)
    cols = np.array_split(np.arange(values.shape[1]), 3)
    names_r, names_c = ("upper", "middle", "lower"), ("left", "centre", "right")
    out = []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            out.append((f"{names_r[i]} {names_c[j]} of the image", float(values[np.ix_(r, c)].sum())))
    return tuple(out)


def load_model(card: ModelCard) -> ImagingModel:
    return ImagingModel(card)


load = load_model  # registry entry point: medapp.modalities.imaging.model.load(card)
