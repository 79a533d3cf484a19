"""Word error rate with the text normalisation usual for Whisper evaluations.

Both sides are lower-cased, punctuation removed, numbers written as words ("40 mg" and "forty
milligrams" are the same words), units and British spellings mapped to one form, as Whisper's own
English normaliser does. Without it a transcript that writes "40 mg" for "forty milligrams" would
count two errors for a correct draft.
"""
from __future__ import annotations

import re

import numpy as np

# Numbers as spoken, as the transcript writes them; `normalise` drops the "and" of "one hundred and forty".
from .spoken import _ONES, _TENS, number_words

_UNITS = {"mg": "milligrams", "mcg": "micrograms", "µg": "micrograms", "ml": "milliliters", "mls": "milliliters",
          "kg": "kilograms", "g": "grams", "%": "percent", "mmhg": "millimeters of mercury", "bpm": "beats per minute"}
_SPELLING = {"oedema": "edema", "orthopnoea": "orthopnea", "dyspnoea": "dyspnea", "haemoglobin": "hemoglobin",
             "anaemia": "anemia", "oesophagus": "esophagus", "paediatric": "pediatric", "haemorrhage": "hemorrhage",
             "litres": "liters", "millilitres": "milliliters", "millimetres": "millimeters", "ischaemia": "ischemia",
             "gram": "grams", "milligram": "milligrams", "microgram": "micrograms", "okay": "ok",
             "mr": "mister", "mrs": "missus", "dr": "doctor"}


def _number(match: re.Match) -> str:
    whole, frac = match.group(1).replace(",", ""), match.group(2)
    out = number_words(int(whole))
    if frac:
        out += " point " + " ".join(_ONES[int(d)] for d in frac)
    return f" {out} "


def normalise(text: str) -> str:
    t = text.lower().replace("’", "'")
    t = re.sub(r"(\d)\s*/\s*(\d)", r"\1 over \2", t)  # 140/90
    t = re.sub(r"(\d)\s*(%|mg|mcg|µg|ml|kg|g|mmhg)\b", r"\1 \2", t)
    t = re.sub(r"(\d[\d,]*)(?:\.(\d+))?", _number, t)
    t = re.sub(r"[^\w\s%µ']", " ", t).replace("'", "")
    words = [_UNITS.get(w, w) for w in t.split()]
    words = [_SPELLING.get(w, w) for w in " ".join(words).split()]
    out: list[str] = []
    for i, w in enumerate(words):  # "one hundred and forty" = "one hundred forty"
        if w == "and" and out and out[-1] in ("hundred", "thousand") and i + 1 < len(words) and \
                (words[i + 1] in _ONES or words[i + 1] in _TENS):
            continue
        out.append(w)
    return " ".join(out)


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, start=1):
        prev, d = d, np.empty_like(d)
        d[0] = i
        for j, h in enumerate(hyp, start=1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return int(d[-1])


def word_error_rate(references: list[str] | str, hypotheses: list[str] | str) -> float:
    """Corpus WER: all word edits over all reference words, after normalising both sides."""
    if isinstance(references, str):
        references, hypotheses = [references], [hypotheses]  # type: ignore[list-item]
    edits = words = 0
    for ref, hyp in zip(references, hypotheses, strict=True):
        r, h = normalise(ref).split(), normalise(hyp).split()
        edits += edit_distance(r, h)
        words += len(r)
    return edits / max(1, words)
