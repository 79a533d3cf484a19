"""PHI scrubbing of clinical notes: the HIPAA Safe Harbor categories that occur in free text.

Each finding is replaced by a typed placeholder ([NAME], [DATE], [PHONE], [EMAIL], [URL], [ID],
[ADDRESS], [POSTCODE], [AGE>89]) and kept in a list of spans so the author can see what was
removed. Rule-based: patterns for structured identifiers, and names found after titles, name
labels ("Patient:", "seen by"), in signatures, and wherever a name found once recurs. Recall and
precision are measured on synthetic notes with planted PHI (tests/notes/phi_corpus.py).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
NAME_WORD = r"(?:[A-Z]')?[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"  # Ellison, O'Neill, Smith-Jones
FULL_NAME = rf"{NAME_WORD}(?:[ \t]+(?:[A-Z]\.[ \t]*)?{NAME_WORD}){{0,2}}"  # never across a line break
# Hospital systems often write surnames in capitals: "SMITH, John", "John SMITH", "Mr SMITH".
CAPS_WORD = r"(?:[A-Z]')?[A-Z]{2,}(?:-[A-Z]{2,})?"
CAPS_NAME = rf"(?:{CAPS_WORD},[ \t]*{NAME_WORD}|{NAME_WORD}[ \t]+{CAPS_WORD}(?![a-z]))"
TITLES = r"(?:Dr|Doctor|Mr|Mrs|Ms|Miss|Mx|Prof|Professor|Nurse|Sister)\.?"

# (kind, compiled pattern, group holding the PHI or 0); order matters: earlier kinds win overlaps.
PATTERNS: list[tuple[str, re.Pattern, int]] = [
    ("EMAIL", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), 0),
    ("URL", re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.I), 0),
    ("ID", re.compile(r"\b(?:MRN|NHS(?:\s+(?:no|number))?|SSN|Medical record(?: number)?|Record(?: no)?|"
                      r"Hospital (?:no|number)|Patient ID|ID|Account(?: no)?|Insurance(?: no)?|Policy(?: no)?|"
                      r"Licen[cs]e(?: no)?)\s*(?:#|no\.?|number|:)?\s*:?\s*([A-Z]{0,3}[-\s]?\d[\d\s-]{3,}\d)", re.I), 1),
    ("ID", re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), 0),  # US social security number
    ("ID", re.compile(r"\b\d{3}\s\d{3}\s\d{4}\b(?=.{0,0})"), 0),  # NHS number 943 476 5919
    ("PHONE", re.compile(r"(?:(?<=\s)|^|(?<=[(:]))(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)\s?|\d{2,5}[\s.-])\d{3,4}[\s.-]\d{3,4}\b"), 0),
    ("DATE", re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTHS}\.?,?\s+\d{{2,4}}\b", re.I), 0),
    ("DATE", re.compile(rf"\b{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}}\b", re.I), 0),
    ("DATE", re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), 0),
    ("DATE", re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b"), 0),
    ("DATE", re.compile(rf"\b{MONTHS}\s+\d{{4}}\b", re.I), 0),
    ("ADDRESS", re.compile(r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|"
                           r"Close|Way|Court|Ct|Place|Pl|Boulevard|Blvd|Crescent|Terrace|Square|Grove|Gardens)\b\.?"
                           r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)?"), 0),  # the town after the street, too
    ("POSTCODE", re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"), 0),  # UK postcode
    ("POSTCODE", re.compile(r"(?<=[A-Z]{2}\s)\d{5}(?:-\d{4})?\b"), 0),  # US ZIP after a state code
    ("AGE>89", re.compile(r"\b(9\d|1[0-1]\d)(?=[\s-]*(?:years?|yrs?|y/?o|year-old|-year-old)\b)", re.I), 1),
    ("AGE>89", re.compile(r"\b(?:aged?|age:)\s*(9\d|1[0-1]\d)\b", re.I), 1),
    ("NAME", re.compile(rf"\b{TITLES}\s+({CAPS_NAME}|{CAPS_WORD}(?![a-z])|{FULL_NAME})"), 1),
    ("NAME", re.compile(rf"\b(?:Patient|Name|Pt|Patient name)\s*[:\-]?\s+({CAPS_NAME})"), 1),
    ("NAME", re.compile(rf"\b(?:Patient|Name|Pt|Patient name|Seen by|Signed|Author|Referred by|Dictated by|"
                        rf"Consultant|GP|Next of kin|NOK|Contact|Mother|Father|Wife|Husband|Daughter|Son)\s*[:\-]?\s+"
                        rf"({FULL_NAME})"), 1),
    ("NAME", re.compile(rf"^[ \t]*(?:--+|Regards,?|Signed,?)?[ \t]*({NAME_WORD}[ \t]+{NAME_WORD}),?[ \t]*(?:MD|RN|MBBS|FRCP|DO|NP|PA)\b",
                        re.M), 1),
    ("NAME", re.compile(rf"\b({NAME_WORD}[ \t]+{NAME_WORD})[ \t]*\((?:patient|pt|mother|father|wife|husband|daughter|son)\)", re.I), 1),
]
# Capitalised words that are not names even after a label ("Patient: Denies ...").
NOT_NAMES = {"Denies", "Reports", "Presents", "Complains", "Is", "Was", "Has", "The", "This", "No", "Not", "None",
             "Chest", "Pain", "History", "Patient", "Male", "Female", "Unknown", "Alert", "Stable", "Admitted",
             "Discharged", "Seen", "Today", "Yesterday", "Tomorrow", "Left", "Right", "Daily", "Ward", "Clinic",
             "Dr", "Doctor", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Professor", "Nurse", "Sister", "Known"}
# Capitalised clinical abbreviations: a span holding one is not a capitalised surname.
ABBREVIATIONS = {"COPD", "CHF", "CKD", "ECG", "EKG", "CXR", "CT", "MRI", "HTN", "DM", "AF", "MI", "CVA", "TIA", "PE",
                 "DVT", "UTI", "GP", "ED", "ICU", "NHS", "MRN", "BP", "HR", "SOB", "NAD", "PMH", "HPI", "NKDA", "IV",
                 "GCS", "CRP", "FBC", "ABG", "OD", "BD", "TDS", "PRN", "NIL", "DNR", "DNACPR", "ACS", "NSR", "USS"}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    text: str


def find_phi(text: str) -> list[Span]:
    """Non-overlapping PHI spans, in text order."""
    found: list[Span] = []
    taken = [False] * len(text)
    for kind, pattern, group in PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span(group)
            if start == end or any(taken[start:end]):
                continue
            value = text[start:end]
            if kind == "NAME":
                words = value.split()
                while words and words[0] in NOT_NAMES:
                    words.pop(0)
                if not words or any(w.strip(",") in ABBREVIATIONS for w in words):
                    continue
                start = start + value.index(words[0])
                end = start + len(" ".join(words)) if " ".join(words) in text[start:end + 1] else end
                value = text[start:end]
            found.append(Span(start, end, kind, value))
            for i in range(start, end):
                taken[i] = True
    # A name found once is removed wherever else it occurs, surname alone included.
    names = {s.text for s in found if s.kind == "NAME"}
    names |= {part.strip(",") for n in names for part in n.split()
              if len(part.strip(",")) > 2 and part.strip(",") not in NOT_NAMES}
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(rf"\b{re.escape(name)}\b", text):
            if not any(taken[m.start():m.end()]):
                found.append(Span(m.start(), m.end(), "NAME", m.group(0)))
                for i in range(m.start(), m.end()):
                    taken[i] = True
    return sorted(found, key=lambda s: s.start)


def scrub(text: str) -> tuple[str, list[Span]]:
    """The note with each PHI span replaced by its typed placeholder, and the spans removed."""
    spans = find_phi(text)
    out, last = [], 0
    for s in spans:
        out.append(text[last:s.start])
        out.append(f"[{s.kind}]")
        last = s.end
    out.append(text[last:])
    return "".join(out), spans


def deidentify_bytes(data: bytes) -> bytes:
    """The case store's hook: a note (any supported upload) as scrubbed UTF-8 text."""
    from .io import read_note

    return scrub(read_note(data, "note"))[0].encode("utf-8")
