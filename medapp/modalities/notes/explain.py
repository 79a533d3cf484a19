"""Explanations of a note classifier: Partition SHAP over the words of the whole note, and its reference.

The players are the note's feature words (chunks.py: placeholders and administrative labels are
never masked and get 0). A masked word is collapsed into a '...' run in its own chunk; the model is
re-run on the chunks that changed (`MaskedNote`, a new one per explanation, with a per-call cache).
- `partition_values`: shap's Partition explainer with a word tree that follows the sentences
  (`word_tree`), within a budget of model calls;
- `kernel_values`: shap's KernelExplainer over the same words, masked the same way (the reference).
Explainers are built per call: shap explainers keep per-call state and the model is shared.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from ..base import kernel_shap
from .chunks import ChunkedNote, chunk_note, combine

if TYPE_CHECKING:
    from .model import NoteInput, NotesModel

# Model calls per explanation. A masked variant re-encodes only the chunk it changes (about 35 ms for
# 254 pieces on 2 cores), so a long note gets 32 calls (phrase-level groups; CPU time of a 270-word note
# within 5% of version 1.0, which read only its first 256 pieces)
# and a short one 64 (word level, well under 1 s).
EXPLAIN_EVALS_LONG, EXPLAIN_EVALS_SHORT, SHORT_NOTE_WORDS = 32, 64, 70
KERNEL_SAMPLES = 600  # the reference's budget: min(2n + 2048, this)


def masked(model: NotesModel, x: NoteInput) -> tuple[ChunkedNote, MaskedNote]:
    """The note's words and the model as a function of which of them are kept (a new one per call)."""
    note = chunk_note(model.encoder.tokenizer, x.text)
    return note, MaskedNote(model.encoder, note, model.head_probabilities)


def partition_values(model: NotesModel, x: NoteInput, target: int,
                     max_evals: int | None = None) -> tuple[ChunkedNote, np.ndarray, float]:
    """Partition SHAP of the target's probability: the chunked note, a value per word (0 where never
    masked) and the base value."""
    import shap

    note, f = masked(model, x)
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
    return note, word_values, base


def kernel_values(model: NotesModel, x: NoteInput, target: int) -> tuple[ChunkedNote, np.ndarray, float]:
    """KernelSHAP (default settings) over the same words: the chunked note, a value per feature word, the base."""
    note, f = masked(model, x)
    n = len(note.features)
    values, base = kernel_shap(lambda m: f(m)[:, target], np.zeros((1, n)), np.ones((1, n)),
                               nsamples=min(2 * n + 2048, KERNEL_SAMPLES))
    return note, values, base


def phrases(words: list[str], features: np.ndarray, values: np.ndarray) -> tuple[tuple[str, float], ...]:
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
    # without the sentence's punctuation at either end: the reports read "amoxicillin.: +0.0834" (a review)
    return tuple((text.strip(_EDGE_PUNCTUATION) or text, v) for text, v in out)


_EDGE_PUNCTUATION = " \t\n.,;:!?\"'()"


class MaskedNote:
    """The model as a function of which feature words are kept, for SHAP; one per explanation call.

    Chunk embeddings are cached per (chunk, kept words of that chunk) for this call only, so it is
    never shared between sessions.
    """

    def __init__(self, encoder, note: ChunkedNote, head_fn):
        self.encoder, self.note, self.head_fn = encoder, note, head_fn
        self.cache: dict[tuple[int, bytes], np.ndarray] = {}

    def __call__(self, masks: np.ndarray) -> np.ndarray:
        note = self.note
        masks = np.asarray(masks) > 0.5
        keeps = np.ones((len(masks), len(note.words)), dtype=bool)
        keeps[:, note.features] = masks
        keys = [[(k, keeps[r, note.starts[k]:note.starts[k + 1]].tobytes()) for k in range(note.n_chunks)]
                for r in range(len(masks))]
        todo = {}
        for r, row in enumerate(keys):
            for key in row:
                if key not in self.cache and key not in todo:
                    todo[key] = note.chunk_text(key[0], keeps[r])
        if todo:
            for key, e in zip(todo, self.encoder.encode(list(todo.values()))):
                self.cache[key] = e
        emb = np.stack([combine(np.stack([self.cache[key] for key in row]), note.weights) for row in keys])
        return self.head_fn(emb)



def _ends_sentence(word: str, following: str) -> bool:
    """A full stop (or ; : ! ?), a blank line, or a line break before a line that starts a new thought.

    A line break before a lower-case word is a wrapped line, not the end of a sentence: a PDF's text comes out with a
    break at every printed line's end, and the same note pasted and uploaded as a PDF were explained differently (a
    clinical-safety review). A list's lines ("aspirin / metformin") then join as one phrase, as they read.
    """
    if re.search(r"[.!?;:]\s*$|\n\s*\n", word):
        return True
    return "\n" in word and not following[:1].islower()


def word_tree(note: ChunkedNote) -> np.ndarray:
    """A scipy-style linkage over the feature words that follows the text: words join within a
    sentence first, then sentences join their neighbours (balanced pairwise merges at each level)."""
    n = len(note.features)
    sentence, current = [], 0
    for k, i in enumerate(note.features):
        sentence.append(current)
        following = note.words[note.features[k + 1]] if k + 1 < n else ""
        if _ends_sentence(note.words[i], following):
            current += 1
    groups: list[list[tuple[int, int]]] = []  # per sentence: (cluster id, size)
    for s in sorted(set(sentence)):
        groups.append([(i, 1) for i in range(n) if sentence[i] == s])
    rows: list[list[float]] = []

    def merge_level(items: list[tuple[int, int]], height: float) -> list[tuple[int, int]]:
        out = []
        for a in range(0, len(items) - 1, 2):
            (ia, na), (ib, nb) = items[a], items[a + 1]
            rows.append([ia, ib, height, na + nb])
            out.append((n + len(rows) - 1, na + nb))
        if len(items) % 2:
            out.append(items[-1])
        return out

    # merge inside every sentence, level by level, then the sentences themselves
    height = 1.0
    while any(len(g) > 1 for g in groups):
        groups = [merge_level(g, height) if len(g) > 1 else g for g in groups]
        height += 1
    top = [g[0] for g in groups]
    while len(top) > 1:
        top = merge_level(top, height)
        height += 1
    return np.asarray(rows, dtype=float).reshape(-1, 4)
