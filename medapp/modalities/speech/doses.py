"""Which parts of a dictation state a medicine or a dose: always read back against the recording.

A misheard drug or dose reads as fluent text at ordinary confidence: "alfentanil zero point five milligrams" came out
as "fentanyl zero point five milligrams" (a ten times stronger opioid) at 0.66 and "digoxin sixty two point five
micrograms" as "digoxinsic to two point five" at 0.63, both above the 0.5 that marks a part "check" (a clinical-safety
review). Confidence cannot catch them; what the part is about can.
"""
from __future__ import annotations

import re

from .vocabulary import shipped_medicines

# the units a dose is said in, as the transcript writes them (numbers and units spelled out: spoken.py), and their
# short forms (a number Whisper wrote that the spelling left alone)
_UNIT = re.compile(r"\b(milli|micro|nano)?(grams?|litres?|liters?|moles?)\b|\bunits?\b|\bmg\b|\bmcg\b|\bml\b|"
                   r"\bmmol\b|\bµg\b|\bpuffs?\b|\btablets?\b|\bcapsules?\b|\bdrops?\b", re.IGNORECASE)


# a number said with a decimal point ("two point five", "62.5"): a dose or a measurement, whatever its unit became
_DECIMAL = re.compile(r"\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|[a-z]+(teen|ty)|hundred|"
                      r"thousand|nought|oh)\s+point\s+[a-z]+|\d+\.\d+", re.IGNORECASE)


def states_a_dose(text: str, medicines: frozenset[str] | None = None) -> bool:
    """Whether a part of a transcript names a medicine of the shipped list (or a word that begins with one:
    "digoxinsic"), says a unit a dose is given in, or a number with a decimal point."""
    if _UNIT.search(text) or _DECIMAL.search(text):
        return True
    names = medicines if medicines is not None else _MEDICINES
    return any(word.startswith(name) for word in re.findall(r"[a-z]+", text.lower()) for name in names
               if len(name) >= 5 or word == name)


_MEDICINES = frozenset(m.lower() for m in shipped_medicines())
