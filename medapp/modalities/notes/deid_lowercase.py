"""A note written all in lower case (speech recognition without punctuation, "re margaret anne hope ... dear dr banks"),
given capitals where a name or place would have them, so that the rules of deid.py, which read capitals as the
sign of a name, see it. Only the first letter of a word changes: the text keeps its length, so the spans found in
the capitalised copy are the spans of the original note (a blind review's dictated letter lost none of its 24
identifiers to the rules before)."""
from __future__ import annotations

import re

from .names import COMMON, given_names, towns

# Words after which a person's name follows in a dictated letter or note
_TITLES = (r"(?:dr|doctor|mr|mister|mrs|ms|miss|prof|professor|nurse|sister|re|dear|cc|by|specialist|to|mother|"
           r"father|wife|husband|son|daughter|brother|mum|dad|granddaughter|grandson|neighbour|neighbor|friend|is|it's|its|"
           r"i'm|im)")
_LETTER_TITLES = {"dr", "doctor", "mr", "mister", "mrs", "ms", "miss", "prof", "professor", "re", "dear", "cc"}
# Nouns that end the name of a place ("royal berkshire hospital", "22 orchard lane", "the grange surgery")
_PLACE_NOUNS = {"hospital", "infirmary", "hospice", "surgery", "practice", "school", "primary", "academy", "college",
                "street", "road", "lane", "avenue", "close", "crescent", "drive", "terrace", "grove", "gardens", "ward",
                "home", "centre", "center", "pharmacy"}
# Nouns of a place that also name care ("intraocular surgery", "in practice"): a place's only after "the"
_ALSO_CARE = {"surgery", "practice"}
# Words never given a capital: what a dictation says between names and places
_FUNCTION = {"a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "by", "for", "from", "with", "who",
             "which", "that", "is", "was", "has", "had", "have", "be", "been", "will", "would", "can", "could", "her",
             "his", "him", "she", "he", "they", "them", "their", "our", "my", "your", "it", "its", "this", "these",
             "those", "there", "here", "as", "so", "if", "when", "where", "while", "about", "after", "before", "into",
             "over", "under", "up", "out", "not", "no", "yes", "also", "then", "than", "very", "more", "less", "full",
             "stop", "comma", "colon", "new", "line", "paragraph", "see", "saw", "seen", "review", "says", "said",
             "local", "same", "other", "another", "every", "each", "all", "any", "some", "one", "two", "main", "high",
             "old", "outpatients", "clinic", "team", "ward", "unit", "nurse",
             "nurses", "doctor", "consultant", "specialist", "neurologist", "registrar", "led", "today", "regarding",
             "just", "me", "us", "you", "ring", "call", "calling", "ringing", "phoning", "back", "please", "again", "ok",
             "okay", "um", "uh", "yeah", "hi", "hello", "going", "getting", "got", "now", "still", "really", "sorry",
             "fine", "well", "being", "having", "staff", "charge"}
# titles and a letter's words that the rules read with their capital ("Dear Dr", "Yours sincerely")
_SAID_WITH_CAPITAL = {"i", "dr", "mr", "mister", "doctor", "mrs", "ms", "miss", "prof", "dear", "yours", "saint"}
# given names of the gazetteer that a transcript writes as words ("instead said", "only till", "a gamma nail")
_NOT_NAMES = {"said", "till", "nail", "long", "rich", "gay", "chance", "ray", "sue", "pat", "gene", "dean", "earl"}
_MONTHS_DAYS = {"january", "february", "march", "april", "june", "july", "august", "september", "october",
                "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_WORD = re.compile(r"[a-z][a-z'’-]*")


def mostly_lower_case(text: str) -> bool:
    """Forty words or more, and fewer than one in fifty starting with a capital (headings in capitals aside)."""
    words = re.findall(r"\b[A-Za-z][a-z'’-]+\b", text)
    return len(words) >= 40 and sum(w[0].isupper() for w in words) < len(words) / 50


def lower_case_lines_with_capitals(text: str) -> str:
    """The note with capitals given, as by with_capitals, to each line of twelve words or more written in lower case
    (a voicemail transcript under a typed header); the same length as the note."""
    out = []
    for line in text.splitlines(keepends=True):
        words = re.findall(r"\b[A-Za-z][a-z'’-]+\b", line)
        # no capital at all, or a line that does not open with one (ordinary prose opens each sentence with one)
        capitals = sum(w[0].isupper() for w in words)
        lower = len(words) >= 12 and (capitals == 0 or (words[0][0].islower() and capitals < len(words) / 30))
        out.append(with_capitals(line) if lower else line)
    return "".join(out)


def with_capitals(text: str) -> str:
    """The note with a capital on each word that a name or place would have; the same length as the note."""
    chars = list(text)
    words = list(_WORD.finditer(text))
    people, places = given_names(), towns()

    def capital(m: re.Match) -> None:
        chars[m.start()] = chars[m.start()].upper()

    for i, m in enumerate(words):
        w = m.group(0)
        bare = re.sub(r"['’]s$", "", w)  # "st anne's"
        if (w in _MONTHS_DAYS or w in _SAID_WITH_CAPITAL or (bare in people and bare not in COMMON | _NOT_NAMES)
                or w in places):
            capital(m)
        if re.fullmatch(_TITLES, w):  # the words after a title, up to a function word: "mrs hope who", "dr r sterling"
            for n in words[i + 1:i + (4 if w in _LETTER_TITLES else 3)]:  # "re margaret anne okafor"; "this is nuala brennan"
                if n.group(0) in _FUNCTION or "\n" in text[m.end():n.start()]:
                    break
                capital(n)
        if w in _PLACE_NOUNS and i:  # the words before a place's noun, up to a function word
            named = []
            for n in reversed(words[max(0, i - 4):i]):
                if n.group(0) in _FUNCTION or "\n" in text[n.end():m.start()]:
                    break
                named.append(n)
            before = words[i - len(named) - 1].group(0) if i - len(named) - 1 >= 0 else ""
            if named and (w not in _ALSO_CARE or before == "the"):  # "the grange surgery"; not "during surgery"
                capital(m)
                for n in named:
                    capital(n)
    for m in re.finditer(r"\b(st|c of e)\b", text):  # "st anne's", "c of e"
        for part in re.finditer(r"\b[a-z]", m.group(0)):
            if part.group(0) != "o":
                chars[m.start() + part.start()] = part.group(0).upper()
    return "".join(chars)
