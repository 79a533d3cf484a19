"""A loaded note classifier: whole-note MiniLM embeddings (chunks.py), a linear head, Partition SHAP over words."""
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
from .chunks import MaskedNote, chunk_note, embed_notes, word_tree
from .deid import Span, scrub
from .encoder import get_encoder
from .io import check_text, read_note

# Model calls per explanation. A masked variant re-encodes only the chunk it changes (about 35 ms for
# 254 pieces on 2 cores), so a long note gets 32 calls (phrase-level groups; CPU time of a 270-word note
# within 5% of version 1.0, which read only its first 256 pieces)
# and a short one 64 (word level, well under 1 s).
EXPLAIN_EVALS_LONG, EXPLAIN_EVALS_SHORT, SHORT_NOTE_WORDS = 32, 64, 70


@dataclass(frozen=True)
class NoteInput:
    """A note as the model sees it: de-identified text, with what was removed kept beside it."""

    name: str
    text: str  # de-identified
    removed: tuple[Span, ...] = field(default_factory=tuple)

    @classmethod
    def from_text(cls, raw: str, name: str = "note") -> NoteInput:
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

    def head_probabilities(self, emb: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            logits = self.head(torch.as_tensor(np.asarray(emb), dtype=torch.float32) * 10)
            return torch.softmax(logits / self.temperature, dim=1).numpy()

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Class probabilities of whole notes (every chunk read, see chunks.py)."""
        return self.head_probabilities(embed_notes(self.encoder, list(texts)))

    def predict(self, x: NoteInput) -> Prediction:
        probs = self.probabilities([x.text])[0]
        label = self.card.labels[int(np.argmax(probs))]
        warnings = []
        if len(x.text.split()) < 4:
            warnings.append("The note is very short; the classification has little to go on.")
        letters = sum(c.isalpha() and c.isascii() for c in x.text)
        if letters < 0.5 * max(1, sum(c.isalpha() for c in x.text)):
            warnings.append("Most of the text is not in English; the model was trained on English only.")
        return Prediction(self.card.id, self.card.version, self.card.labels, probs, label, tuple(warnings),
                          details={"removed_phi": len(x.removed)})

    def _masked(self, x: NoteInput):
        """The note's words and the model as a function of which of them are kept (a new one per call)."""
        note = chunk_note(self.encoder.tokenizer, x.text)
        return note, MaskedNote(self.encoder, note, self.head_probabilities)

    def explain(self, x: NoteInput, prediction: Prediction, max_evals: int | None = None) -> Explanation:
        """Partition SHAP over the words of the whole note; placeholders and labels are never masked (value 0)."""
        import shap

        start = time.perf_counter()
        target = self.card.labels.index(prediction.label)
        note, f = self._masked(x)
        n = len(note.features)
        if max_evals is None:
            max_evals = EXPLAIN_EVALS_SHORT if n <= SHORT_NOTE_WORDS else EXPLAIN_EVALS_LONG
        word_values = np.zeros(len(note.words))
        if n >= 2:
            # built per call (never cached on the shared model): shap explainers keep per-call state
            masker = shap.maskers.Partition(np.zeros((1, n)), clustering=word_tree(note))
            explainer = shap.explainers.Partition(lambda m: f(m)[:, target], masker)
            sv = explainer(np.ones((1, n)), max_evals=max(max_evals, 2 * n + 1) if n < 8 else max_evals,
                           batch_size=max_evals, silent=True)
            word_values[note.features] = np.asarray(sv.values[0], dtype=float)
            base = float(np.ravel(sv.base_values)[0])
        else:  # one word or none to mask: the exact value is f(kept) - f(masked)
            ends = f(np.array([[0.0] * n, [1.0] * n]))[:, target]
            base = float(ends[0])
            word_values[note.features] = ends[1] - ends[0]
        tokens = list(note.words)
        words = _phrases(tokens, note.features, word_values)
        return Explanation(kind="text", method="Partition SHAP over the words of the whole note (MiniLM, chunked)",
                           target=prediction.label, base_value=base, values=word_values, feature_names=tuple(tokens),
                           data={"tokens": tokens, "full_text_chars": len(x.text), "chunks": note.n_chunks,
                                 "explained_words": n, "not_explained": "placeholders and administrative labels"},
                           output_space="probability", summary=words, compute_ms=(time.perf_counter() - start) * 1000)

    def baseline_explain(self, x: NoteInput, prediction: Prediction) -> Explanation:
        """KernelExplainer (default settings) over the same words, masked the same way."""
        import shap

        start = time.perf_counter()
        target = self.card.labels.index(prediction.label)
        note, f = self._masked(x)
        n = len(note.features)
        explainer = shap.KernelExplainer(lambda m: f(m)[:, target], np.zeros((1, n)))
        values = explainer.shap_values(np.ones((1, n)), silent=True, nsamples=min(2 * n + 2048, 600))
        return Explanation(kind="text", method="KernelSHAP (reference)", target=prediction.label,
                           base_value=float(np.ravel(explainer.expected_value)[0]), values=np.ravel(values),
                           feature_names=tuple(note.words[i] for i in note.features),
                           compute_ms=(time.perf_counter() - start) * 1000)

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


def _phrases(words: list[str], features: np.ndarray, values: np.ndarray) -> tuple[tuple[str, float], ...]:
    """The named words, with neighbours that share one value joined into a phrase with their total.

    With a bounded budget Partition SHAP values a whole phrase and splits it evenly among its words;
    naming the phrase once says what was measured, where twelve equal word bars would not.
    """
    out: list[tuple[str, float]] = []
    prev, per_word = -2, 0.0
    for i in features:
        v = float(values[i])
        if out and i == prev + 1 and abs(v - per_word) <= 1e-9 * max(1.0, abs(v)) and v != 0.0:
            text, total = out[-1]
            out[-1] = (text + " " + words[i].strip(), total + v)
        else:
            out.append((words[i].strip(), v))
            per_word = v
        prev = i
    return tuple(out)


def load(card: ModelCard) -> NotesModel:
    return NotesModel(card)
