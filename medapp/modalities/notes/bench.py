"""De-identification benchmark: one clinical letter scrubbed (every note analysed, saved, checked as a case title or
dictated goes through it first). The letter is made up, with identifiers of the kinds the rules look for."""
from __future__ import annotations

import time

import numpy as np

from .deid import scrub

LETTER = """Royal Berkshire Hospital - Acute Medical Unit / Hurley Ward
Patient: Mrs Margaret Ellen Thistlethwaite    DOB: 04/11/1931    Age: 92    NHS No: 943 476 5919
Address: 27 Caversham Heights Road, Reading, RG4 7BN.  Tel: 0118 496 0321
GP: Dr A. Venkataraman, Kennet Surgery, Newbury

Admitted on Monday the 12th after a fall at home; found on the floor by her daughter Linda after about six hours.
Known Parkinson's disease (Sinemet 62.5 mg QDS), atrial fibrillation on apixaban 2.5 mg BD, CKD stage 3b.
Glasgow Coma Scale 15. Wells score 1. CT head: no acute bleed. Creatinine 142, CRP 38, Hb 104.
Seen by Nurse Priya Shah (falls team) and physiotherapist Tom; OT home visit booked for 21/02.
Her son Declan lives in Manchester (07700 900461, declan.t@example.com) and will collect her.
Discharged on the 19th of February to Larchfield Care Home, 3 Mill Lane, Woodley, with district nurse follow-up.

Dr Hamish McTavish, Consultant Physician (GMC 4412873)
cc: Kennet Surgery; Mrs L. Thistlethwaite (daughter)
"""


def bench_deid(repeats: int = 50) -> dict[str, float]:
    scrub(LETTER)  # the gazetteers load on the first call
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        scrub(LETTER)
        times.append((time.perf_counter() - start) * 1000)
    words = len(LETTER.split())
    p50 = float(np.median(times))
    # Text shaped to make a regular expression backtrack (an upload or an API call can hold anything): an unbounded
    # pattern took 9 s on "1 1 1 ..." of 20,000 characters before its repeats were bounded (2026-12-06), and 1,000
    # blanks 9 s (cubic) before two patterns were mended (2026-12-07).
    worst = 0.0
    for unit in ("1 ", "1-", "a.", "AB12-", "London, ", "John Smith ", "#1 ", "Ab ", "dr mrs ", "3/15, ", " ", "Address:  "):
        start = time.perf_counter()
        scrub(unit * (20000 // len(unit)))
        worst = max(worst, time.perf_counter() - start)
    return {"notes.deid_letter_ms_p50": round(p50, 2), "notes.deid_ms_per_1000_words_p50": round(p50 * 1000 / words, 1),
            "notes.deid_20k_pathological_chars_s_max": round(worst, 2)}
