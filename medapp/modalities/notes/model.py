"""A loaded note classifier: MiniLM embeddings, a linear head, Partition SHAP over word pieces."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file

from ...types import Explanation, InputError, ModelCard, Prediction, read_input_file
from .deid import Span, scrub
from .encoder import MAX_TOKENS, get_encoder
from .io import check_text, read_note

# Model calls per explanation. A long note costs about 35 ms a call on 2 cores (256 word pieces), so a
# long note gets 32 calls (about 1.2 s, phrase-level groups) and a short one 64 (word-level, well under 1 s).
EXPLAIN_EVALS_LONG, EXPLAIN_EVALS_SHORT, SHORT_NOTE_PIECES = 32, 64, 96


@dataclass(frozen=True)
class NoteInput:
    """A note as the model sees it: de-identified text, with what was removed kept beside it."""

    name: str
    text: str  # de-identified
    removed: tuple[Span, ...] = field(default_factory=tuple)

    @classmethod
    def from_text(cls, raw: str, name: str = "note") -> "NoteInput":
        clean, spans = scrub(check_text(raw, name))
        return cls(name, clean, tuple(spans))


class NotesModel:
    def __init__(self, card: ModelCard):
        self.card = card
        tensors = load_file(str(card.weights_path))
        self.head = torch.nn.Linear(tensors["weight"].shape[1], tensors["weight"].shape[0])
        self.head.load_state_dict({"weight": tensors["weight"], "bias": tensors["bias"]})
        self.head.eval()
        self.temperature = float(tensors["temperature"][0])
        self.encoder = get_encoder()

    def probabilities(self, texts: list[str]) -> np.ndarray:
        emb = torch.tensor(self.encoder.encode(list(texts)), dtype=torch.float32)
        with torch.no_grad():
            return torch.softmax(self.head(emb * 10) / self.temperature, dim=1).numpy()

    def read_text(self, text: str) -> str:
        """The part of the note the encoder reads (its first 256 word pieces)."""
        ids = self.encoder.tokenizer(text, truncation=True, max_length=MAX_TOKENS, return_offsets_mapping=True)
        offsets = [o for o in ids["offset_mapping"] if o[1] > 0]
        return text[: offsets[-1][1]] if offsets else text

    def predict(self, x: NoteInput) -> Prediction:
        probs = self.probabilities([x.text])[0]
        label = self.card.labels[int(np.argmax(probs))]
        warnings = []
        read = self.read_text(x.text)
        if len(read) < len(x.text.rstrip()):
            words = len(x.text[len(read):].split())
            warnings.append(f"The model reads only the first {len(read.split())} words; the last {words} words "
                            "did not affect the result.")
        if len(x.text.split()) < 4:
            warnings.append("The note is very short; the classification has little to go on.")
        letters = sum(c.isalpha() and c.isascii() for c in x.text)
        if letters < 0.5 * max(1, sum(c.isalpha() for c in x.text)):
            warnings.append("Most of the text is not in English; the model was trained on English only.")
        return Prediction(self.card.id, self.card.version, self.card.labels, probs, label, tuple(warnings),
                          details={"removed_phi": len(x.removed)})

    def _shap(self):
        """A new Partition explainer per call: shap's text masker keeps the current note's tokens on itself,
        so one shared explainer mixes up two notes explained at the same moment (wrong shapes, IndexError)."""
        import shap

        masker = shap.maskers.Text(self.encoder.tokenizer, mask_token="...", collapse_mask_token=True)
        return shap.Explainer(lambda texts: self.probabilities([str(t) for t in texts]), masker,
                              algorithm="partition", output_names=list(self.card.labels))

    def explain(self, x: NoteInput, prediction: Prediction, max_evals: int | None = None) -> Explanation:
        start = time.perf_counter()
        target = self.card.labels.index(prediction.label)
        read = self.read_text(x.text)
        if max_evals is None:
            pieces = len(self.encoder.tokenizer(read, add_special_tokens=False)["input_ids"])
            max_evals = EXPLAIN_EVALS_SHORT if pieces <= SHORT_NOTE_PIECES else EXPLAIN_EVALS_LONG
        sv = self._shap()([read], max_evals=max_evals, batch_size=max_evals, silent=True)
        tokens = [str(t) for t in sv.data[0]]
        values = np.asarray(sv.values[0], dtype=float)[:, target]
        base = float(np.asarray(sv.base_values[0])[target])
        words = _word_summary(tokens, values)
        return Explanation(kind="text", method="Partition SHAP (text masker, MiniLM tokenizer)", target=prediction.label,
                           base_value=base, values=values, feature_names=tuple(tokens),
                           data={"tokens": tokens, "full_text_chars": len(x.text)}, output_space="probability",
                           summary=words, compute_ms=(time.perf_counter() - start) * 1000)

    def baseline_explain(self, x: NoteInput, prediction: Prediction) -> Explanation:
        """KernelExplainer (default settings) over the same word pieces, masked the same way."""
        import shap

        start = time.perf_counter()
        target = self.card.labels.index(prediction.label)
        enc = self.encoder.tokenizer(self.read_text(x.text), add_special_tokens=False, return_offsets_mapping=True)
        text = self.read_text(x.text)
        pieces = [text[a:b] for a, b in enc["offset_mapping"]]
        spaces = [text[enc["offset_mapping"][i - 1][1]:a] if i else "" for i, (a, _) in enumerate(enc["offset_mapping"])]

        def f(masks: np.ndarray) -> np.ndarray:
            texts = ["".join(s + (p if m else " ...") for s, p, m in zip(spaces, pieces, row)) for row in masks]
            return self.probabilities(texts)[:, target]

        explainer = shap.KernelExplainer(f, np.zeros((1, len(pieces))))
        values = explainer.shap_values(np.ones((1, len(pieces))), silent=True, nsamples=min(2 * len(pieces) + 2048, 600))
        return Explanation(kind="text", method="KernelSHAP (reference)", target=prediction.label,
                           base_value=float(np.ravel(explainer.expected_value)[0]), values=np.ravel(values),
                           feature_names=tuple(pieces), compute_ms=(time.perf_counter() - start) * 1000)

    def read_inputs(self, path: Path) -> list[tuple[str, Any]]:
        path = Path(path)
        data = read_input_file(path)
        try:
            return [(path.name, NoteInput.from_text(read_note(data, path.name), path.name))]
        except InputError as exc:
            return [(path.name, exc)]

    def input_key(self, x: NoteInput) -> str:
        return hashlib.sha256(x.text.encode()).hexdigest()

    def example_input(self) -> NoteInput:
        return NoteInput.from_text(self.card.input["example"], "example.txt")

    def warm(self) -> None:
        x = self.example_input()
        self.explain(x, self.predict(x), max_evals=20)  # compiles shap's numba code once per process


def _word_summary(tokens: list[str], values: np.ndarray) -> tuple[tuple[str, float], ...]:
    """Word pieces joined back into words: shap's text tokens carry their trailing whitespace,
    so a piece that does not end in whitespace continues into the next one ("pit" + "ted ")."""
    words: list[tuple[str, float]] = []
    current, total = "", 0.0
    for tok, v in zip(tokens, values):
        current += tok
        total += float(v)
        if tok[-1:].isspace():
            if current.strip():
                words.append((current.strip(), total))
            current, total = "", 0.0
    if current.strip():
        words.append((current.strip(), total))
    return tuple(words)


def load(card: ModelCard) -> NotesModel:
    return NotesModel(card)
