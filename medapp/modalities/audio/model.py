"""The loaded heart-sound model: window-by-window prediction, OOD check, time-frequency explanation.

The Keras file holds the whole network: standardised log-mel frames in, temperature-scaled logits
and a Mahalanobis distance of the recording's embedding to the training recordings out. Everything
else (feature parameters, labels, thresholds) is read from the card.
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from ...types import Explanation, InputError, InputFit, ModelCard, Prediction, WindowResult
from ..base import CardModel
from . import explain as explainers
from .features import FeatureSpec, display_view, log_mel, profile, standardise, windows
from .io import CLIP_NOT_ASSESSED_FRACTION, AudioInput, background_db, load_path
from .quiet_import import keras_module
from .synth import synthetic_heart_sound

LUNG_MODE_WARNING = ("You marked this as a lung sound. This model was trained on heart sounds only: its output "
                     "for a lung recording means nothing and is not shown as an assessment.")


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class HeartSoundModel(CardModel):
    def __init__(self, card: ModelCard):
        keras = keras_module()

        self.card = card
        self.spec = FeatureSpec.from_card_input(card.input)
        self.mel_mean = np.asarray(card.input["mel_mean"], dtype=np.float32)
        self.mel_std = np.asarray(card.input["mel_std"], dtype=np.float32)
        self.ood_threshold = float(card.input.get("ood_threshold", np.inf))
        self.profile_range = card.input.get("profile_range", {})
        self.keras_model = keras.saving.load_model(card.weights_path, compile=False, safe_mode=True)
        self._fn = None
        self._grad_fn = None

    # -- network calls ---------------------------------------------------------------------------
    def _forward(self):
        if self._fn is None:
            import tensorflow as tf

            model = self.keras_model

            @tf.function(input_signature=[tf.TensorSpec([None, None, self.spec.n_mels, 1], tf.float32)],
                         reduce_retracing=True)
            def fn(x):
                logits, dist = model(x, training=False)
                return logits, dist

            self._fn = fn
        return self._fn

    def run(self, batch: np.ndarray, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """Logits (n, labels) and OOD distances (n,) for standardised spectrograms (n, frames, mels)."""
        fn = self._forward()
        logits, dists = [], []
        for i in range(0, len(batch), chunk):
            lo, d = fn(batch[i:i + chunk, ..., None].astype(np.float32))
            logits.append(lo.numpy())
            dists.append(d.numpy().reshape(-1))
        return np.concatenate(logits), np.concatenate(dists)

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        return _softmax(self.run(batch)[0])

    def masked_log_odds_fn(self):
        """log-odds of a label for a batch of tile masks over one spectrogram; masking runs inside the graph."""
        if getattr(self, "_masked_fn", None) is None:
            import tensorflow as tf

            model = self.keras_model
            n_mels = self.spec.n_mels

            @tf.function(input_signature=[tf.TensorSpec([None, n_mels], tf.float32),
                                          tf.TensorSpec([n_mels], tf.float32),
                                          tf.TensorSpec([None, n_mels], tf.int32),
                                          tf.TensorSpec([None, None], tf.bool),
                                          tf.TensorSpec([], tf.int32)], reduce_retracing=True)
            def fn(S, background, tile_of_pixel, masks, target):
                keep = tf.gather(masks, tile_of_pixel, axis=1)  # (n, frames, mels)
                x = tf.where(keep, S[None], background[None, None, :])[..., None]
                logits, _ = model(x, training=False)
                log_p = tf.nn.log_softmax(tf.cast(logits, tf.float64))
                others = tf.concat([log_p[:, :target], log_p[:, target + 1:]], axis=1)
                return log_p[:, target] - tf.reduce_logsumexp(others, axis=1)

            self._masked_fn = fn
        return self._masked_fn

    def gradient_fn(self):
        """d log-odds(target) / d input, batched, for the gradient explainers."""
        if self._grad_fn is None:
            import tensorflow as tf

            model = self.keras_model

            @tf.function(input_signature=[tf.TensorSpec([None, None, self.spec.n_mels, 1], tf.float32),
                                          tf.TensorSpec([], tf.int32)], reduce_retracing=True)
            def grad(x, target):
                with tf.GradientTape() as tape:
                    tape.watch(x)
                    logits, _ = model(x, training=False)
                    log_p = tf.nn.log_softmax(logits)
                    others = tf.concat([log_p[:, :target], log_p[:, target + 1:]], axis=1)
                    log_odds = log_p[:, target] - tf.reduce_logsumexp(others, axis=1)
                return tape.gradient(log_odds, x)

            self._grad_fn = lambda x, t: grad(x[..., None].astype(np.float32), np.int32(t)).numpy()[..., 0]
        return self._grad_fn

    # -- features --------------------------------------------------------------------------------
    def spectrogram(self, y: np.ndarray) -> np.ndarray:
        """Standardised log-mel (frames, mels) of one window of samples."""
        return standardise(log_mel(y, self.spec), self.mel_mean, self.mel_std)

    def window_spectrograms(self, x: AudioInput) -> tuple[list[tuple[int, int]], np.ndarray]:
        spans = windows(len(x.samples), self.spec)
        return spans, np.stack([self.spectrogram(x.samples[a:b]) for a, b in spans])

    # -- contract --------------------------------------------------------------------------------
    def predict(self, x: AudioInput) -> Prediction:
        if not isinstance(x, AudioInput):
            raise InputError("expected a recording")
        spans, batch = self.window_spectrograms(x)
        logits, dists = self.run(batch)
        probs = _softmax(logits)
        mean = probs.mean(axis=0)
        label = self.card.labels[int(np.argmax(mean))]
        sr = self.spec.sample_rate
        per_window = []
        for (a, b), pw, d in zip(spans, probs, dists):
            prof = profile(x.samples[a:b], self.spec)
            reasons = [] if d <= self.ood_threshold else ["embedding far from the training recordings"]
            for name, (lo, hi) in self.profile_range.items():
                if (lo is not None and prof[name] < lo) or (hi is not None and prof[name] > hi):
                    reasons.append(f"{name.replace('_hz', '').replace('_', ' ')} {prof[name]:.2f} outside "
                                   f"the training range")
            per_window.append(WindowResult(
                start_s=round(a / sr, 3), end_s=round(b / sr, 3),
                probabilities={lab: float(p) for lab, p in zip(self.card.labels, pw)},
                label=self.card.labels[int(np.argmax(pw))], ood_distance=float(d), unlike_training=bool(reasons),
                ood_reasons=tuple(reasons), profile={k: round(v, 4) for k, v in prof.items()}))
        warnings = list(x.warnings)
        n_ood = sum(w.unlike_training for w in per_window)
        matches = True
        if x.mode == "lung":
            warnings.insert(0, LUNG_MODE_WARNING)
            matches = False
        elif x.cycles:
            warnings.insert(0, "This file comes with respiratory-cycle annotations: it is a lung recording, and "
                               "the heart model does not apply to it.")
            matches = False
        elif x.clipped_fraction > CLIP_NOT_ASSESSED_FRACTION:
            warnings.insert(0, f"{x.clipped_fraction:.1%} of the samples are at full scale (clipping), against at "
                               "most 0.8% in the training recordings: the distortion can make a normal heart "
                               "sound look like a murmur, so the model's output is not a finding. Record again "
                               "with a lower gain.")
            warnings[:] = [w for w in warnings if "(clipping): the recording level" not in w]  # said once
            matches = False
        elif n_ood > len(per_window) / 2:
            warnings.insert(0, f"This recording does not look like the heart sounds the model was trained on "
                               f"({n_ood} of {len(per_window)} windows are outside the range of the training "
                               "recordings). It may be a lung sound, speech, noise or a very unusual heart sound: "
                               "do not rely on this result.")
            matches = False
        elif n_ood:
            warnings.append(f"{n_ood} of {len(per_window)} windows look unlike the training recordings.")
        if matches and label != "normal" and (floor := background_db(x.samples, self.spec.sample_rate)) > -30:
            warnings.append(
                f"Between the beats this recording is never quiet: its quietest tenth is only {-floor:.0f} dB below "
                "its level. A murmur sounds like that, and so does steady background noise (hiss, a fan, rubbing): "
                "the model cannot tell them apart, and noise 20-25 dB below the heart sound made normal recordings "
                "'mitral stenosis' in tests. Listen to it, and record again in a quiet room if in doubt.")
        if len(per_window) > 1 and matches:  # a lung recording got "4 of 5 favour normal" (a re-check)
            agree = sum(w.label == label for w in per_window)
            if agree < len(per_window):
                warnings.append(f"The windows disagree: {agree} of {len(per_window)} favour "
                                f"{self.card.display(label)}.")
        fit = InputFit(fits=matches, message=None if matches else warnings[0], threshold=self.ood_threshold,
                       score=max(w.ood_distance for w in per_window) if per_window else None)
        return Prediction(self.card.id, self.card.version, self.card.labels, mean, label, tuple(warnings),
                          details={"aggregate": "mean of the window probabilities", "mode": x.mode},
                          fit=fit, windows=tuple(per_window), duration_s=round(x.duration_s, 3))

    def _explained_window(self, x: AudioInput, prediction: Prediction) -> int:
        target = prediction.labels.index(prediction.label)
        probs = [w.probabilities[prediction.labels[target]] for w in prediction.windows]
        return int(np.argmax(probs)) if probs else 0

    def explain(self, x: AudioInput, prediction: Prediction) -> Explanation:
        start = time.perf_counter()
        spans, batch = self.window_spectrograms(x)
        w = self._explained_window(x, prediction)
        target = prediction.labels.index(prediction.label)
        method = self.card.explanation.get("chosen", "permutation")
        values, base, out = explainers.explain_window(self, batch[w], target, method=method,
                                                      **self.card.explanation.get("settings", {}))
        return self._explanation(x, prediction, spans, w, values, base, out, method,
                                 (time.perf_counter() - start) * 1000)

    def _explanation(self, x, prediction, spans, w, values, base, out, method, ms) -> Explanation:
        a, b = spans[w]
        sr = self.spec.sample_rate
        data = explainers.tile_layout(b - a, self.spec)
        data.update({"window": w, "window_start_s": a / sr, "window_end_s": b / sr,
                     "windows": [[s / sr, e / sr] for s, e in spans], "explained_output": float(out),
                     "duration_s": x.duration_s})
        names = explainers.tile_names(data, offset_s=a / sr)
        t0, t1, strength = explainers.most_influential_segment(values, data)
        segment = int(np.argmax(np.abs(np.asarray(values).sum(axis=0))))  # most_influential_segment's
        band = int(np.argmax(np.abs(np.asarray(values)[:, segment])))
        data["highlight_s"] = [a / sr + t0, a / sr + t1]
        data["highlight_band"] = data["bands"][band]
        data["highlight_value"] = strength
        data["view"] = display_view(x.samples[a:b], self.spec, t0=a / sr)
        flat = values.reshape(-1)
        return Explanation(kind="audio", method=explainers.METHOD_NAMES[method], target=prediction.label,
                           base_value=float(base), values=values, feature_names=tuple(names), data=data,
                           output_space="log-odds", compute_ms=ms,
                           summary=tuple((n, float(v)) for n, v in zip(names, flat)))

    def baseline_explain(self, x: AudioInput, prediction: Prediction) -> Explanation:
        start = time.perf_counter()
        spans, batch = self.window_spectrograms(x)
        w = self._explained_window(x, prediction)
        target = prediction.labels.index(prediction.label)
        values, base, out = explainers.kernel_shap_window(self, batch[w], target)
        return self._explanation(x, prediction, spans, w, values, base, out, "kernel",
                                 (time.perf_counter() - start) * 1000)

    def read_inputs(self, path: Path) -> list[tuple[str, Any]]:
        """A path, not bytes: the ICBHI cycle annotations are a sidecar file beside the recording, and an
        oversized file is refused from its header without being read whole."""
        path = Path(path)
        try:
            return [(path.name, load_path(path, self.spec))]
        except InputError as exc:
            return [(path.name, exc)]

    def load_bytes(self, data: bytes, name: str, mode: str = "heart") -> AudioInput:
        from .io import load_bytes

        return load_bytes(data, name, self.spec, mode=mode)

    def input_key(self, x: AudioInput) -> str:
        return f"{x.key}:{x.mode}:{len(x.cycles)}"

    def example_input(self) -> AudioInput:
        """A 4 s synthetic heart sound (S1, S2 and a systolic murmur): no dataset needed at run time."""
        y = synthetic_heart_sound(seconds=4.0, rate=self.spec.sample_rate, seed=0)
        return AudioInput(name="synthetic-4s.wav", samples=y, sample_rate=self.spec.sample_rate,
                          original_rate=self.spec.sample_rate, channels=1, format="WAV")

    def warm(self) -> None:
        super().warm()
        # a recording shorter than the window compiles a second shape signature once
        short = AudioInput(name="warm", samples=self.example_input().samples[: int(2.3 * self.spec.sample_rate)],
                           sample_rate=self.spec.sample_rate, original_rate=self.spec.sample_rate,
                           channels=1, format="WAV")
        self.explain(short, self.predict(short))


def load(card: ModelCard) -> HeartSoundModel:
    return HeartSoundModel(card)
