"""Vocabulary-aware correction of near-miss medicine names in a transcript.

Whisper spells a medicine it does not know as something that sounds like it ("ondancetron", "bisa
prolol"). When a word, or two or three words run together, is not an ordinary English word and is
within a small spelling distance of exactly one term of the clinic's vocabulary, and sounds the same
(Metaphone), it is replaced by that term. The thresholds are strict on purpose: a wrong correction
is worse than a visible misspelling, so a close call is left alone. Every change is reported so the
page can show what was altered.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import jellyfish

MIN_CHARS = 6  # shorter words are too often ordinary words one letter away from a term
MAX_SPAN = 3  # "bisa pro lol": up to three recognised words may make one term
_ENDINGS = ("s", "es", "ic", "ics", "ive", "ives", "ion", "ions", "ous", "ously", "ly", "al", "ally", "ies", "ed",
            "ing", "ism", "ist", "ists", "ity", "ia", "ias", "er", "ers")
_LETTERS = re.compile(r"[^a-z]")
_WORD = re.compile(r"^[\"'(]*[A-Za-z][A-Za-z-]*[A-Za-z](?:'s)?[\"'),.;:!?]*$")


def _key(text: str) -> str:
    return _LETTERS.sub("", text.lower())


@dataclass(frozen=True)
class Corrector:
    """Corrects near misses of `terms`; `is_known(word)` says a word is real English (never changed)."""

    terms: tuple[str, ...]
    is_known: Callable[[str], bool]
    max_ratio: float = 0.25  # at most one edit per four letters of the term
    min_similarity: float = 0.9  # Jaro-Winkler, when the two do not sound the same

    def __post_init__(self) -> None:
        keyed = {}
        for term in self.terms:
            k = _key(term)
            if len(k) >= MIN_CHARS:
                keyed.setdefault(k, term)
        object.__setattr__(self, "_keyed", keyed)
        # words of multi-word terms ("creatine" of "creatine kinase") are real words too: never changed
        object.__setattr__(self, "_protected", set(keyed) | {_key(w) for t in self.terms for w in t.split()})
        object.__setattr__(self, "_sounds", {k: jellyfish.metaphone(k) for k in keyed})

    def _known(self, word: str) -> bool:
        word = re.sub(r"'s\W*$", "", word)
        return all(self.is_known(_key(part)) for part in word.split("-") if _key(part))

    def best(self, key: str) -> str | None:
        """The one vocabulary term `key` is a near miss of, or None (no match, an exact term, or two close)."""
        return _best(self, key)

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        words = text.split()
        out: list[str] = []
        changes: list[tuple[str, str]] = []
        i = 0
        while i < len(words):
            exact = next((n for n in range(min(MAX_SPAN, len(words) - i), 0, -1)
                          if "".join(_key(w) for w in words[i:i + n]) in self._keyed), 0)
            if exact:  # already a term ("atrial fibrillation"): kept as said, never merged with the next word
                out += words[i:i + exact]
                i += exact
                continue
            done = False
            for n in range(1, min(MAX_SPAN, len(words) - i) + 1):  # the fewest words that make a term
                span = words[i:i + n]
                if any(_key(w) in self._protected for w in span):
                    continue  # a word already spelled as a term (or part of one) stays
                if all(self._known(w) for w in span):
                    continue  # real words, alone or run together ("bowel sounds"), are never a medicine
                if any(not _WORD.match(w) for w in span):
                    continue  # numbers, units ("micrograms/ml"), codes: not a misheard medicine
                term = self.best("".join(_key(w) for w in span))
                if term is None:
                    continue
                lead = re.match(r"^\W*", span[0]).group(0)
                tail = re.search(r"\W*$", span[-1]).group(0)
                first = _key(span[0])[:1]
                word = term[:1].upper() + term[1:] if span[0].lstrip("\"'(")[:1].isupper() and first else term
                out.append(lead + word + tail)
                changes.append((" ".join(span), term))
                i += n
                done = True
                break
            if not done:
                out.append(words[i])
                i += 1
        return " ".join(out), changes


@lru_cache(maxsize=4096)
def _best(c: Corrector, key: str) -> str | None:
    if len(key) < MIN_CHARS or key in c._keyed:  # type: ignore[attr-defined]
        return None
    if key.endswith("s") and (key[:-1] in c._keyed or c.is_known(key[:-1])):  # type: ignore[attr-defined]
        return None  # a plural of a word or term
    sound = jellyfish.metaphone(key)
    hits = []
    for k, term in c._keyed.items():  # type: ignore[attr-defined]
        if abs(len(k) - len(key)) > max(1, int(c.max_ratio * len(k))):
            continue
        dist = jellyfish.levenshtein_distance(key, k)
        if dist > max(1, int(c.max_ratio * len(k))):
            continue
        same_sound = sound == c._sounds[k]  # type: ignore[attr-defined]
        shared = len(os.path.commonprefix([key, k]))
        tail = key[shared:]
        if tail and shared >= min(len(key), len(k)) - 3 and any(
                key.endswith(end) and len(end) >= len(tail) for end in _ENDINGS):
            continue  # same stem, another English ending ("bradycardic"): another word, not a misspelling
        if same_sound or jellyfish.jaro_winkler_similarity(key, k) >= c.min_similarity:
            hits.append((dist, not same_sound, term))
    if not hits:
        return None
    hits.sort()
    if len(hits) > 1 and hits[1][:2] == hits[0][:2]:
        return None  # two terms equally close: leave it for the clinician
    return hits[0][2]


def known_word(word: str) -> bool:
    """A word of written English, medical words included: listed in wordfreq's English word list
    (Apache-2.0 code, CC BY-SA 4.0 data, shipped in the wheel). "hypotension", "prednisone" and
    "creatine" are listed, so they are never "corrected"; "ondancetron" and "milidrams" are not."""
    from wordfreq import zipf_frequency

    return len(word) < MIN_CHARS or zipf_frequency(word, "en") > 0.0


@lru_cache(maxsize=8)
def corrector_for(terms: tuple[str, ...]) -> Corrector:
    """One shared corrector per vocabulary (immutable, so safe for every session at once)."""
    return Corrector(terms, known_word)
