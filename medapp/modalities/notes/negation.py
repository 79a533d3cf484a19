"""Which findings does a note deny? The note models read "no cough" much as "cough" (their cards say negation is
poorly understood): a note denying chest pain, cough, fever and breathlessness came back "Pneumonia" with no word
said (a clinical-safety review). A NegEx-style reading (Chapman et al. 2001, simplified): a negation cue opens a
scope of at most six words, closed early by a full stop, a semicolon or a word that turns the sentence ("but").
"""
from __future__ import annotations

import re

# not "not": patients say complaints with it ("I can not sleep", "I do not feel well", "can not stop scratching":
# a re-check), where clinicians deny with "no", "denies", "negative for"
_CUES = (r"no evidence of|no signs? of|no history of|negative for|free of|absence of|never had|ruled out|denies|denied|"
         r"denying|without|no")
_TURNS = r"but|however|although|though|except|apart|aside|yet|still|which|who"
_CUE = re.compile(rf"\b({_CUES})\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_STOP = re.compile(rf"[.;:!?\n]|\b({_TURNS})\b", re.IGNORECASE)
_SCOPE_WORDS = 6
_PRONOUNS = frozenset("i he she we they it you my his her their our".split())
# words after a cue that are not a finding denied: "no longer", "not sure", "no one", and a complaint said as an
# absence ("no sleep, no energy", "no appetite", "there is no part of my skin that does not itch": a re-check)
_NOT_FINDINGS = frozenset("longer sure one more less only able been be have had a an the i my it this that any much "
                          "further change changes significant difference problem problems issue issues sleep energy "
                          "appetite strength interest relief improvement desire feeling sensation control taste smell "
                          "motivation concentration stamina way matter part idea reason end rest peace".split())


def denied_findings(text: str) -> list[str]:
    """The phrases a note denies, as written ("no chest pain", "denies fever"), in order."""
    found = []
    for cue in _CUE.finditer(text):
        stop = _STOP.search(text, cue.end())
        end = stop.start() if stop else len(text)
        words = _WORD.findall(text[cue.end():end])[:_SCOPE_WORDS]
        words = [w for w in words if not _CUE.fullmatch(w)][:_SCOPE_WORDS]  # the next cue opens its own scope
        if words and words[0].lower() not in _NOT_FINDINGS:
            kept = _cut_at_next_cue(text, cue.end(), end, words)
            # said as written but short: up to a new clause ("no appetite and I feel ...": "no appetite")
            cut = next((i for i, w in enumerate(kept) if i and w.lower() in _PRONOUNS), len(kept))
            kept = kept[:cut]
            while len(kept) > 1 and kept[-1].lower() in ("and", "or", "nor", "with"):
                kept = kept[:-1]
            found.append(f"{text[cue.start():cue.end()]} {' '.join(kept)}")
    return found


def _cut_at_next_cue(text: str, start: int, end: int, words: list[str]) -> list[str]:
    nxt = _CUE.search(text, start, end)
    if nxt is None:
        return words
    return _WORD.findall(text[start:nxt.start()])[:_SCOPE_WORDS] or words[:1]


def mostly_denied(text: str) -> list[str]:
    """The denied phrases when denial is much of what the note says (two or more, covering a quarter of its words
    or more), else []: a caution beside the result then, never for a stray "no appetite"."""
    phrases = denied_findings(text)
    words = len(_WORD.findall(text))
    covered = sum(len(_WORD.findall(p)) for p in phrases)
    return phrases if len(phrases) >= 2 and words and covered >= 0.25 * words else []
