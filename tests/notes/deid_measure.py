"""Recall and precision of the note de-identifier on a marked-up corpus (see deid_blind_corpus.py)."""
from __future__ import annotations

from medapp.modalities.notes.deid import find_phi

from .phi_corpus import parse


def measure(notes: list[str]) -> dict[str, float]:
    """Span recall: a planted identifier counts as caught when every capitalised or numeric word of it was
    removed (lenient: any overlap). Precision: removed spans that overlap a planted identifier."""
    planted = caught = overlapped = found = correct = 0
    missed: list[str] = []
    false: list[str] = []
    for template in notes:
        text, truth = parse(template)
        spans = find_phi(text)
        removed = [False] * len(text)
        for s in spans:
            removed[s.start:s.end] = [True] * (s.end - s.start)
        for start, end, kind in truth:
            planted += 1
            words, pos = [], start
            for w in text[start:end].split():
                at = text.index(w, pos)
                pos = at + len(w)
                if w[0].isupper() or w[0].isdigit():
                    words.append((at, pos))
            if all(all(removed[a:b]) for a, b in words):
                caught += 1
            else:
                missed.append(f"{kind}:{text[start:end]}")
            overlapped += any(removed[start:end])
        for s in spans:
            found += 1
            if any(s.start < e and st < s.end for st, e, _ in truth):
                correct += 1
            else:
                false.append(f"{s.kind}:{s.text}")
    return {"planted": planted, "found": found, "recall": caught / planted, "recall_any_overlap": overlapped / planted,
            "precision": correct / max(found, 1), "missed": missed, "false_positives": false}
