"""A loaded note classifier: whole-note MiniLM embeddings (chunks.py), a linear head, Partition SHAP over words."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from safetensors.torch import load_file

from ...types import Explanation, InputFit, ModelCard, Prediction
from ..base import CardModel
from .chunks import embed_notes
from .deid import Span, scrub
from .encoder import get_encoder
from .explain import kernel_values, partition_values, phrases
from .io import check_text, read_note
from .language import other_language
from .negation import mostly_denied
from .unlike import assess, load_reference, nearest_similarity


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


class NotesModel(CardModel):
    def __init__(self, card: ModelCard):
        self.card = card
        tensors = load_file(str(card.weights_path))
        self.head = torch.nn.Linear(tensors["weight"].shape[1], tensors["weight"].shape[0])
        self.head.load_state_dict({"weight": tensors["weight"], "bias": tensors["bias"]})
        self.head.eval()
        self.temperature = float(tensors["temperature"][0])
        self.encoder = get_encoder()
        # the training texts' embeddings and the card's bars: is a note like what the model learnt from? (unlike.py)
        self.reference = load_reference(card.weights_path.parent)
        self.unlike_bars = card.input.get("unlike_training")

    def head_probabilities(self, emb: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            logits = self.head(torch.as_tensor(np.asarray(emb), dtype=torch.float32) * 10)
            return torch.softmax(logits / self.temperature, dim=1).numpy()

    def probabilities(self, texts: list[str]) -> np.ndarray:
        """Class probabilities of whole notes (every chunk read, see chunks.py)."""
        return self.head_probabilities(embed_notes(self.encoder, list(texts)))

    def predict(self, x: NoteInput) -> Prediction:
        emb = embed_notes(self.encoder, [x.text])
        probs = self.head_probabilities(emb)[0]
        label = self.card.labels[int(np.argmax(probs))]
        warnings, fit, details = [], None, {}
        if self.reference is not None and self.unlike_bars:
            similarity = float(nearest_similarity(self.reference, emb)[0])
            fit, unlike = assess(similarity, self.unlike_bars)
            details["closest_training_similarity"] = round(similarity, 4)
            if unlike:
                warnings.append(unlike)
        if len(x.text.split()) < 4:
            warnings.append("The note is very short; the classification has little to go on.")
        if denied := mostly_denied(x.text):  # "no chest pain, no cough, no fever" read "Pneumonia" unsaid (a review)
            shown = ", ".join(f"'{p}'" for p in denied[:5]) + (f" and {len(denied) - 5} more" if len(denied) > 5 else "")
            warnings.append(f"Much of this note denies findings ({shown}): the model does not understand negation and "
                            "may read a denied finding as present, so weigh its classification against what the note "
                            "says.")
        letters = sum(c.isalpha() and c.isascii() for c in x.text)
        if letters < 0.5 * max(1, sum(c.isalpha() for c in x.text)):
            warnings.append("Most of the text is not in English; the model was trained on English only.")
        elif (language := other_language(x.text)) is not None:  # French is in ASCII letters: it passed unsaid
            # not assessed, not only said: a French chest-pain note was "cardiovascular 64%" with this line beneath
            # it (a clinical-safety review); none of the 3,139 English training texts is called another language
            message = (f"The note looks written in {language}; the model was trained on English only, so it does not "
                       "assess this note: its class probabilities must not be read as a finding.")
            warnings.append(message)
            if fit is None or fit.fits:
                fit = InputFit(fits=False, message=message, score=fit.score if fit else None,
                               threshold=fit.threshold if fit else None)
        return Prediction(self.card.id, self.card.version, self.card.labels, probs, label, tuple(warnings),
                          details={"removed_phi": len(x.removed), **details,
                                   "encoder_precision": self.encoder.precision},  # bf16 or fp32 (encoder.py)
                          fit=fit)

    def explain(self, x: NoteInput, prediction: Prediction, max_evals: int | None = None) -> Explanation:
        """Partition SHAP over the words of the whole note; placeholders and labels are never masked (value 0)."""
        start = time.perf_counter()
        note, word_values, base = partition_values(self, x, self.card.labels.index(prediction.label), max_evals)
        tokens = list(note.words)
        return Explanation(kind="text", method="Partition SHAP over the words of the whole note (MiniLM, chunked)",
                           target=prediction.label, base_value=base, values=word_values, feature_names=tuple(tokens),
                           data={"tokens": tokens, "full_text_chars": len(x.text), "chunks": note.n_chunks,
                                 "explained_words": len(note.features),
                                 "not_explained": "placeholders and administrative labels"},
                           output_space="probability", summary=phrases(tokens, note.features, word_values),
                           compute_ms=(time.perf_counter() - start) * 1000)

    def baseline_explain(self, x: NoteInput, prediction: Prediction) -> Explanation:
        """KernelExplainer (default settings) over the same words, masked the same way."""
        start = time.perf_counter()
        note, values, base = kernel_values(self, x, self.card.labels.index(prediction.label))
        return Explanation(kind="text", method="KernelSHAP (reference)", target=prediction.label,
                           base_value=base, values=values, feature_names=tuple(note.words[i] for i in note.features),
                           compute_ms=(time.perf_counter() - start) * 1000)

    def inputs_from_bytes(self, data: bytes, name: str) -> list[tuple[str, NoteInput]]:
        return [(name, NoteInput.from_text(read_note(data, name), name))]

    def input_key(self, x: NoteInput) -> str:
        return hashlib.sha256(x.text.encode()).hexdigest()

    def example_input(self) -> NoteInput:
        return NoteInput.from_text(self.card.input["example"], "example.txt")

    def warm(self) -> None:
        x = self.example_input()
        self.explain(x, self.predict(x), max_evals=20)  # compiles shap's numba code once per process


def load(card: ModelCard) -> NotesModel:
    return NotesModel(card)
