"""De-identification on 14 notes a privacy review wrote (2026-12-05), with its own marked identifiers.

Written by a helper session acting as an information-governance officer, not by the author of the rules, and
first run on the rules as they stood: recall 0.753 (whole identifier removed), precision 0.980. The rules were
then improved against its misses, so it is no longer held out: this test keeps what was gained (README)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from medapp.modalities.notes.deid import find_phi
from medapp.modalities.notes.io import read_note

CORPUS = Path(__file__).with_name("deid_review_corpus")
TITLE = re.compile(r"(?i)^(?:(?:mrs|mr|ms|dr|sr|sister|nurse|professor|father|the|tuesday|wed)\.?\s+)")


def measure() -> tuple[float, float, list, list]:
    """(recall, precision, misses, false removals). An identifier is caught when every character of it is removed
    (a title before it may stay); a removal is correct when it overlaps an identifier."""
    gold = json.loads((CORPUS / "gold.json").read_text(encoding="utf-8"))
    caught, total, correct, removed, misses, false = 0, 0, 0, 0, [], []
    for name, marks in gold.items():
        text = read_note((CORPUS / name).read_bytes(), name)
        spans = find_phi(text)
        covered = {i for s in spans for i in range(s.start, s.end)}
        for start, end, kind, words in marks:
            total += 1
            title = TITLE.match(words)
            end -= len(m.group(0)) if (m := re.search(r",\s*MD$", words)) else 0
            need = {i for i in range(start + (title.end() if title else 0), end) if text[i] not in " \t\n,."}
            if need <= covered:
                caught += 1
            else:
                misses.append(f"{kind}:{words}")
        for s in spans:
            removed += 1
            if any(s.start < end and start < s.end for start, end, _, _ in marks):
                correct += 1
            else:
                false.append(f"{s.kind}:{s.text}")
    return caught / total, correct / max(removed, 1), misses, false


def test_the_privacy_reviews_notes_keep_what_was_gained():
    recall, precision, misses, false = measure()
    print(f"review corpus: recall {recall:.3f}, precision {precision:.3f}; missed {misses}; false {false}")
    assert recall >= 0.90, misses
    assert precision >= 0.99, false
