"""The whole note, read in chunks, and the words an explanation may name.

The encoder reads at most 256 word pieces. A note is cut at word boundaries into chunks of at most
254 pieces (plus [CLS] and [SEP]); each chunk is embedded, and the note's embedding is the mean of its
chunk embeddings weighted by each chunk's number of word pieces, L2-normalised again. This is close
to mean-pooling every piece of the note (what the encoder does inside one chunk), so a note under 254
pieces is embedded exactly as before, and every later section (Assessment, Plan) counts by its length.

Explanations mask whole words. Placeholders left by de-identification ([NAME], [DATE] ...) and
administrative labels ("DOB:", "MRN:", "NHS number:") are never masked: they carry no clinical
meaning, so they get no value and cannot lead the chart. Masking a word changes only its own chunk
(explain.py caches chunk embeddings per call, so most masked variants cost one chunk, not the note).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

CHUNK_PIECES = 254  # 256 minus [CLS] and [SEP]
WORD = re.compile(r"\S+\s*")  # a word with the whitespace after it: joined back, the words are the text
# De-identification's tags, and any other bracketed stand-in in any case: a note pasted already redacted ("[Name]",
# "[DOB]", "[**Hospital**]") had its stand-ins offered as reasons (a review).
# A stand-in starts with a capital or '*', or is a redaction word in lower case ("[name]", "[redacted]": a re-check);
# any other bracketed aside in lower case ("[ordered]") stays a word.
PLACEHOLDER = re.compile(r"^\W*\[(?:[*A-Z][\w *>/.-]{0,38}|(?:name|first name|last name|surname|date|dob|mrn|nhs|"
                         r"id|number|phone|tel|email|address|postcode|zip|hospital|location|place|age|redacted|"
                         r"removed|deleted|patient|doctor|clinician|staff|relative|ward|gp)(?:[ _-]?\w+)?)\]\W*$")
# Words of administrative labels; a label ends in ':' ("DOB:", "NHS number:", "Date of birth:").
ADMIN_WORDS = {"dob", "d.o.b", "d.o.b.", "mrn", "nhs", "no", "no.", "number", "num", "id", "hospital", "patient",
               "name", "date", "of", "birth", "record", "medical", "address", "tel", "telephone", "phone", "mobile",
               "email", "ref", "reference", "gp", "next", "kin", "nok", "signed", "seen", "by", "consultant",
               "ward", "bed", "unit", "account", "insurance", "policy", "ssn", "dictated", "author", "admitted",
               "discharged", "admission", "discharge", "clinic", "referred", "from", "to", "cc", "pt", "dr", "contact",
               "postcode", "zip", "fax",
               # more labels and the titles before a removed name (a privacy review: "Age: 62 Arrival:", "Date typed:",
               # "CHI:", "Attending:", "RN:", "Mrs." and "Dr" before [NAME] led the words that moved the probability)
               "age", "sex", "arrival", "typed", "re", "attending", "rn", "chi", "hosp", "acct", "dept", "mr", "mrs",
               "ms", "miss", "mx", "prof", "professor", "sister", "nurse", "sr", "fr", "copy", "copies"}
# A letter's salutation and sign-off, opening a line: never a reason ("Dear", "Yours sincerely" were coloured).
SALUTATIONS = (("dear",), ("yours", "sincerely"), ("yours", "faithfully"), ("yours", "truly"), ("kind", "regards"),
               ("best", "wishes"), ("with", "best", "wishes"), ("many", "thanks"), ("warm", "regards"), ("regards",))
MASK = "... "


def is_label(word: str) -> bool:
    """An administrative label such as 'DOB:' or 'MRN:' (the colon is part of the word)."""
    w = word.strip()
    return w.endswith(":") and w[:-1].lower().strip(".#") in ADMIN_WORDS


@dataclass
class ChunkedNote:
    words: list[str]  # each with its trailing whitespace; "".join(words) is the note (leading space aside)
    chunk_of: np.ndarray  # chunk index of each word
    starts: list[int]  # first word of each chunk, and len(words) at the end
    weights: np.ndarray  # word pieces per chunk
    features: np.ndarray  # indices of the words an explanation may mask and name

    @property
    def n_chunks(self) -> int:
        return len(self.starts) - 1

    def chunk_text(self, k: int, keep: np.ndarray | None = None) -> str:
        """Chunk k, with masked words (keep False) collapsed into '...' runs."""
        lo, hi = self.starts[k], self.starts[k + 1]
        if keep is None or keep[lo:hi].all():
            return "".join(self.words[lo:hi])
        out, masked = [], False
        for i in range(lo, hi):
            if keep[i]:
                out.append(self.words[i])
                masked = False
            elif not masked:
                out.append(MASK)
                masked = True
        return "".join(out)


def chunk_note(tokenizer, text: str) -> ChunkedNote:
    words = WORD.findall(text) or [text]
    counts = [len(ids) for ids in tokenizer([w.strip() for w in words], add_special_tokens=False)["input_ids"]]
    starts, used = [0], 0
    for i, n in enumerate(counts):
        if used and used + n > CHUNK_PIECES:
            starts.append(i)
            used = 0
        used += n
    starts.append(len(words))
    chunk_of = np.zeros(len(words), dtype=int)
    weights = np.zeros(len(starts) - 1)
    for k in range(len(starts) - 1):
        chunk_of[starts[k]:starts[k + 1]] = k
        weights[k] = max(1, min(CHUNK_PIECES, sum(counts[starts[k]:starts[k + 1]])))
    return ChunkedNote(words, chunk_of, starts, weights, _feature_words(words))


def _feature_words(words: list[str]) -> np.ndarray:
    """Words that are not placeholders, labels, the administrative words of a label on the same line, or a letter's
    salutation."""
    skip = np.zeros(len(words), dtype=bool)
    for i, w in enumerate(words):
        if i == 0 or "\n" in words[i - 1]:  # a salutation opens a line
            for phrase in SALUTATIONS:
                said = [x.strip().lower().strip(",.:;") for x in words[i:i + len(phrase)]]
                if tuple(said) == phrase:
                    skip[i:i + len(phrase)] = True
                    break
        stand_in = is_stand_in(w)
        if stand_in or not any(c.isalnum() for c in w):
            skip[i] = True
            if stand_in:  # "NHS no [ID]", "Contact [PHONE]": a label without its colon
                _skip_label_words(words, skip, i - 1)
        elif is_label(w):
            skip[i] = True
            _skip_label_words(words, skip, i - 1)  # "NHS number:", "Date of birth:": the label's other words
    return np.flatnonzero(~skip)


def is_stand_in(word: str) -> bool:
    """A placeholder, possessive ("[NAME]'s") or several joined ("[NAME]-[NAME]", "[DATE]–[DATE]"): a review found
    joined ones scored as words of the note."""
    w = re.sub(r"['’]s(?=\W*$)", "", word.strip())
    return all(PLACEHOLDER.match(part) for part in re.split(r"(?<=\])[-–/](?=\W*\[)", w))


def _skip_label_words(words: list[str], skip: np.ndarray, j: int) -> None:
    """Skip the administrative words that end at word j, on the same line."""
    while j >= 0 and "\n" not in words[j] and words[j].strip().lower().strip(".:#") in ADMIN_WORDS:
        skip[j] = True
        j -= 1


def combine(chunk_embeddings: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """(n_chunks, d) unit vectors -> one unit vector: the piece-weighted mean, normalised."""
    mean = (chunk_embeddings * weights[:, None]).sum(axis=0) / weights.sum()
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


def embed_notes(encoder, texts: list[str], precision: str | None = None) -> np.ndarray:
    """Whole-note embeddings, (n, 384): every chunk of every note encoded in one batched pass."""
    notes = [chunk_note(encoder.tokenizer, t) for t in texts]
    flat = [n.chunk_text(k) for n in notes for k in range(n.n_chunks)]
    emb = encoder.encode(flat, precision=precision)
    out, at = [], 0
    for n in notes:
        out.append(combine(emb[at:at + n.n_chunks], n.weights))
        at += n.n_chunks
    return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)
