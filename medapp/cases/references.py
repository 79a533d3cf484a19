"""A new case reference must be pseudonymous: one that looks like it names a patient is refused before anything is stored.

The reference is shown on Cases, in the audit trail and in report titles, so "John Smith 12/03/1958" typed as a
reference would put a name and a date of birth in all three. The characters alone (`REFERENCE_FORM`) let that
through; here the notes de-identifier (medapp.modalities.notes.deid.find_phi, the same rules that scrub a clinical
note) looks for a person's name, a date, a record number, an address, a postcode, an e-mail address, a web address or
an age over 89, as written and with each word capitalised ("john smith", "JOHN SMITH"), and two neighbouring words
that are a name in either order ("SMITH JOHN", "smith-john", as exports write them) or an NHS number (3-3-4 digits
with its check digit). A surname alone or with an initial ("J Smith") is not recognised (no surname list). A date must be a real
calendar date ("14-22-001" is a study code, "12/03/1958" and "19580312" are dates). Places are allowed: a ward
code ("Ward 3 review", "Victoria Ward 2") is what a reference is meant to be. Phone-number shapes are allowed too:
study numbers look like them ("MDT 2026-014-001").

Pure Python, no Streamlit: the store calls it on every path that creates a case (pages, HTTP API, CLI, tests).
"""
from __future__ import annotations

import re
from datetime import date

from ..modalities.notes.deid import find_phi

EXAMPLE = "MDT-2026-014"
REFERENCE_FORM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _\-./]{0,79}$")
# What each refused kind of finding is called in the message, in the order the message names them.
KINDS = {"NAME": "a person's name", "DATE": "a date", "ID": "a record number", "ADDRESS": "an address",
         "POSTCODE": "a postcode", "EMAIL": "an e-mail address", "URL": "a web address", "AGE>89": "an age over 89",
         "PHONE": "a phone number"}
_NUMERIC_DATE = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_COMPACT_DATE = re.compile(r"(?<!\d)(\d{8})(?!\d)")  # 12031958, 19580312
_ISO_LIKE_DATE = re.compile(r"(?<!\d)(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?!\d)")  # 1958/03/12, also glued to letters ("CT1958/03/12", which deid's \b misses)


def _real_date(year: int, month: int, day: int) -> bool:
    if year < 100:
        year += 1900
    try:
        date(year, month, day)
    except ValueError:
        return False
    return 1900 <= year <= 2100


def _is_date(text: str) -> bool:
    """A date the de-identifier found: written-out dates as they are; numeric ones only when they are a calendar date
    (day-month-year, month-day-year or year-month-day, with a 2- or 4-digit year)."""
    m = _NUMERIC_DATE.match(text.strip())
    if m is None:  # "12 March 1958", "Monday 3rd of May 2021"; a month and year alone is a study code's ("CT 12/2026")
        return not re.fullmatch(r"\d{1,2}/\d{4}", text.strip())
    a, b, c = m.groups()
    if len(a) == 4:
        return _real_date(int(a), int(b), int(c))
    if len(c) not in (2, 4):
        return False
    return _real_date(int(c), int(b), int(a)) or _real_date(int(c), int(a), int(b))


def _compact_dates(text: str) -> list[str]:
    out = []
    for m in _COMPACT_DATE.finditer(text):
        s = m.group(1)
        if _real_date(int(s[4:]), int(s[2:4]), int(s[:2])) or _real_date(int(s[:4]), int(s[4:6]), int(s[6:])):
            out.append(s)
    for m in _ISO_LIKE_DATE.finditer(text):
        if _real_date(int(m.group(1)), int(m.group(2)), int(m.group(3))):
            out.append(m.group(0))
    return out


_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_NHS_NUMBER = re.compile(r"(?<!\d)(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d)")


def _surname_first_names(reference: str) -> list[str]:
    """Two neighbouring words that are a name in either order ("Smith John", "smith-john", "Smith_John"), as EHR and
    DICOM exports write them; the name rules look for a first name before a surname (a data-protection review)."""
    words = list(_WORD.finditer(reference))
    found = []
    for first, second in zip(words, words[1:]):
        between = reference[first.end():second.start()]
        if len(between) != 1 or between not in " -_." or "ward" in (first.group().lower(), second.group().lower()):
            continue  # "Victoria Ward" is a place
        a, b = first.group().title(), second.group().title()
        for text in (f"{a} {b}", f"{b} {a}"):
            if any(span.kind == "NAME" and span.start == 0 and span.end == len(text) for span in find_phi(text)):
                found.append(reference[first.start():second.end()])
                break
    return found


def _nhs_numbers(reference: str) -> list[str]:
    """Ten digits grouped 3-3-4 whose last digit is the NHS number's modulus-11 check ("943 476 5919"); study numbers
    group otherwise ("2026-014-001")."""
    out = []
    for m in _NHS_NUMBER.finditer(reference):
        digits = [int(d) for d in "".join(m.groups())]
        check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1))) % 11
        if (0 if check == 11 else check) == digits[9]:
            out.append(m.group(0))
    return out


def identifying_parts(reference: str, *, prose: bool = False, phones: bool = False) -> dict[str, list[str]]:
    """What in `reference` looks like it identifies a patient: {kind: [text, ...]} with kinds from KINDS.

    `prose` (a verdict's diagnosis or comment): the text as written only. Capitalising each word of a sentence, or
    reading two neighbouring words the other way round, makes names of ordinary words and eponyms ("Nurse To Chase",
    "Mallory-Weiss": a re-check); a short reference is where "john smith" and "SMITH JOHN" are typed. `phones`: a
    phone number counts (in a title or a verdict; not in a reference, whose study codes may have a phone number's
    shape: "MDT 123-456-7890")."""
    found: dict[str, list[str]] = {}

    def add(kind: str, text: str) -> None:
        if text not in found.setdefault(kind, []):
            found[kind].append(text)

    # As written, then with each word capitalised: the name rules look for capitalised names.
    variants = [reference] + ([reference.title()] if len(reference.title()) == len(reference) and not prose else [])
    for variant in variants:
        for span in find_phi(variant):
            if span.kind not in KINDS or (span.kind == "DATE" and not _is_date(span.text)):
                continue
            if span.kind == "PHONE" and (not phones or len(re.sub(r"\D", "", span.text)) < 7):
                continue  # a bleep or an extension ("bleep the registrar on 2784") reaches staff, not the patient
            if variant is not reference and span.kind != "NAME":
                continue  # capitalising changes only what looks like a name
            if span.kind == "NAME" and re.match(r"[ \t]+ward\b", variant[span.end:], re.I):
                continue  # a ward named after someone ("Victoria Ward") is a place
            add(span.kind, reference[span.start:span.end])  # the text as typed (title() keeps positions)
    for text in ([] if prose else _surname_first_names(reference)):
        add("NAME", text)
    for text in _compact_dates(reference):
        add("DATE", text)
    for text in _nhs_numbers(reference):
        add("ID", text)
    return {kind: found[kind] for kind in KINDS if found.get(kind)}


def reference_problem(reference: str) -> str | None:
    """Why `reference` cannot be a new case's reference, in words for the user; None when it can."""
    reference = reference.strip()
    if not REFERENCE_FORM.match(reference):
        return ("A case reference is 1-80 letters, digits, spaces or - _ . / and must be pseudonymous (a study or ward "
                "code, never the patient's name or record number).")
    parts = identifying_parts(reference)
    if not parts:
        return None
    what = " and ".join(f"{KINDS[kind]} ({', '.join(texts)})" for kind, texts in parts.items())
    return (f"'{reference}' looks like it contains {what}: a case reference must be pseudonymous "
            f"(a study or ward code, e.g. {EXAMPLE}). Nothing was saved.")


def title_problem(title: str) -> str | None:
    """Why `title` cannot be a case's title, in words; None when it can. A title is free text shown beside the
    reference (Cases, Meeting mode, reports): "John Smith DOB 12/03/1958 MRN 1234567" was saved as one while the same
    text as a reference was refused (a security review)."""
    parts = identifying_parts(title.strip(), phones=True) if title.strip() else {}
    if not parts:
        return None
    what = " and ".join(f"{KINDS[kind]} ({', '.join(texts)})" for kind, texts in parts.items())
    return (f"The case title looks like it contains {what}: a title describes the case, never the patient (e.g. "
            "'chest pain, troponin rise'). Nothing was saved.")


def verdict_text_problem(final_diagnosis: str, comment: str) -> str | None:
    """Why a verdict's final diagnosis or comment cannot be stored, in words; None when both can. Both are shown on
    the meeting's projector and in reports, and the diagnosis is kept in the append-only audit trail: "Pneumonia -
    Mary Smith DOB 04/03/1962" was stored there for good (a data-protection review)."""
    for what, text in (("final diagnosis", final_diagnosis), ("comment", comment)):
        parts = identifying_parts(text.strip(), prose=True, phones=True) if text and text.strip() else {}
        if parts:
            found = " and ".join(f"{KINDS[kind]} ({', '.join(texts)})" for kind, texts in parts.items())
            return (f"The {what} looks like it contains {found}: write about the finding, never a name, date or "
                    "number that identifies the patient (staff are named by their account). Nothing was stored.")
    return None

