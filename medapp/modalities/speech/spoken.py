"""Numbers and units in a transcript written as they were said: "40 mg" becomes "forty milligrams".

Whisper writes a number as digits or as words as it pleases ("40 milligrams", "forty mg", "3 times"),
so one transcript mixes the two. The draft keeps the dictated words instead, in one convention: what
was said, spelled out (British "one hundred and forty", as the clinic's spelling is British), so a
dose is never shown in a form the clinician did not say (no "1.5" read as "15") and the draft reads
the same whichever way Whisper chose.
"""
from __future__ import annotations

import re

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
            "nine": "ninth", "twelve": "twelfth"}
# unit written after a number: (singular, plural)
_UNITS = {"mg": ("milligram", "milligrams"), "mcg": ("microgram", "micrograms"), "µg": ("microgram", "micrograms"),
          "ug": ("microgram", "micrograms"), "g": ("gram", "grams"), "kg": ("kilogram", "kilograms"),
          "ml": ("millilitre", "millilitres"), "l": ("litre", "litres"), "mmol": ("millimole", "millimoles"),
          "mmhg": ("millimetre of mercury", "millimetres of mercury"), "%": ("percent", "percent"),
          "cm": ("centimetre", "centimetres"), "mm": ("millimetre", "millimetres"), "bpm": ("beat per minute",
                                                                                          "beats per minute")}
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"  # 1,250 / 40 / 2.5
    r"(?:\s?(st|nd|rd|th)\b)?"  # 1st, 2nd
    rf"(?:\s?({_UNIT_RE})(?:\s?/\s?(kg|day|min|hour|h|l|dl)\b)?(?![\w]))?",  # 40mg, 5 mg/kg, 94%
    re.IGNORECASE)
_PER = {"kg": "kilogram", "day": "day", "min": "minute", "hour": "hour", "h": "hour", "l": "litre", "dl": "decilitre"}


def number_words(n: int) -> str:
    """0 to 999,999,999 as spoken in British English ("one hundred and forty"); longer as digit names."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " and " + number_words(rest))
    for size, name in ((1_000_000, "million"), (1000, "thousand")):
        if size <= n < size * 1000:
            rest = n % size
            tail = "" if rest == 0 else (" and " if rest < 100 else " ") + number_words(rest)
            return number_words(n // size) + " " + name + tail
    return " ".join(_ONES[int(d)] for d in str(n))


def _ordinal(words: str) -> str:
    head, _, last = words.rpartition(" ")
    last = _ORDINAL.get(last) or (last[:-1] + "ieth" if last.endswith("y") else last + "th")
    return f"{head} {last}".strip()


def _say(match: re.Match) -> str:
    whole, frac, ordinal, unit, per = match.groups()
    value = int(whole.replace(",", ""))
    if not (frac or ordinal or unit) and "," not in whole and len(whole) == 4 and 1900 <= value <= 2099:
        return whole  # a year ("born in 1952"): "one thousand nine hundred and fifty two" was not what was said
    said = number_words(value)
    if frac:
        said += " point " + " ".join(_ONES[int(d)] for d in frac)
    if ordinal:
        return _ordinal(said)
    if unit:
        singular, plural = _UNITS[unit.lower()]
        said += " " + (singular if value == 1 and not frac else plural)
        if per:
            said += " per " + _PER[per.lower()]
    return said


# What de-identification removes by its digits: kept as digits, so the note's de-identifier finds and removes it.
# Spelled out, "NHS number 485 777 3456" became "four hundred and eighty five seven hundred ..." and was stored
# and exported (a privacy review); a phone lost its leading 0, a date of birth read as a blood pressure.
_IDENTIFIER_KINDS = {"ID", "PHONE", "DATE", "AGE>89", "POSTCODE", "ADDRESS"}


def as_spoken(text: str) -> str:
    """`text` with its numbers (and the units right after them) in words, except the identifiers de-identification
    removes (numbers, phone numbers, dates, ages over 89, postcodes, addresses); everything else unchanged."""
    from ..notes.deid import find_phi

    text = _digit_groups_joined(_repeated_digits_expanded(_spoken_postcodes(_spelled_dates_of_birth(text))))
    out, last = [], 0
    for span in find_phi(text):
        if span.kind in _IDENTIFIER_KINDS:
            out += [_numbers_said(text[last:span.start]), text[span.start:span.end]]
            last = span.end
    return "".join(out) + _numbers_said(text[last:])


_DIGIT_NAMES = {w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine".split())}
_DIGIT_NAMES |= {"oh": "0", "o": "0", "nought": "0"}
_SAID_DIGIT = r"(?:\d(?!\d)|(?i:zero|oh|nought|one|two|three|four|five|six|seven|eight|nine)\b|O\b)"
# what a read-out number follows ("phone number triple 7 ...", "NHS number: double 4 ...")
_ID_LABEL = re.compile(r"\b(?i:number|no\.?|phone|telephone|tel|mobile|landline|NHS|MRN|ID|extension|ext|bleep|pager)"
                       r"(?:[ \t]+(?i:is|was))?[ \t]*[:#]?[ \t]*$")
_REPEATED = rf"(?i:double|triple)[ \t]+{_SAID_DIGIT}"
_NOT_A_MEASURE = (rf"(?![ \t]*(?:%|(?i:{_UNIT_RE}|milligrams?|micrograms?|grams?|millilitres?|litres?|units?|tablets?|"
                  r"puffs?|times|percent|per)\b))")
_REPEATED_RUN = re.compile(rf"(?<![\w.,-])(?:{_REPEATED}|\d+)(?:(?:[ \t]*[,-][ \t]*|[ \t]+)(?:{_REPEATED}|\d+))*"
                           rf"(?!\w|[.,]\d){_NOT_A_MEASURE}")


def _repeated_digits_expanded(text: str) -> str:
    """A number read out the British way, "triple seven four two nine oh one", as Whisper writes it ("triple
    7-429-01", "double 4, 72, 991"), as one run of digits ("77742901"), so de-identification finds it (it was kept,
    a re-check). Only "double" or "triple" before a digit next to other digit groups or after an identifier's label,
    and only where the joined number is then removed: "double check", "triple therapy" and "double the dose to 5 mg"
    are words."""
    from ..notes.deid import find_phi

    def run(m: re.Match) -> str:
        if not re.search(r"(?i:double|triple)", m.group(0)):
            return m.group(0)
        groups = re.findall(rf"{_REPEATED}|\d+", m.group(0))
        if len(groups) < 2 and not _ID_LABEL.search(text[max(0, m.start() - 40):m.start()]):
            return m.group(0)
        digits = []
        for g in groups:
            said = g.split()
            if len(said) == 2:  # double 4, triple oh
                digits.append(_DIGIT_NAMES.get(said[1].lower(), said[1]) * (2 if said[0].lower() == "double" else 3))
            else:
                digits.append(g)
        # joined only where de-identification then removes it: otherwise "phone triple 7" would be said "seven
        # hundred and seventy seven" and "double 4, 72, 99" as one big number
        joined, before = "".join(digits), text[max(0, m.start() - 60):m.start()]
        context = before + joined + text[m.end():m.end() + 30]
        removed = any(span.start <= len(before) and len(before) + len(joined) <= span.end
                      for span in find_phi(context) if span.kind in _IDENTIFIER_KINDS)
        return joined if removed else m.group(0)

    return _REPEATED_RUN.sub(run, text)


# a date of birth spelled out ("D-O-B-12, O-6, 48": the letters read out, "O" said for zero); "O" and "oh" are a
# zero only here, after the label and inside the day, month and year
_DG = r"(?:\d|[Oo](?![A-Za-z]))"
_DAY_OR_MONTH = rf"(?:(?i:oh)[ \t-]?\d|{_DG}(?:-?{_DG})?)"
_DOB_SEP = r"(?:[ \t]*[,/.-][ \t]*|[ \t]+)"
_SPELLED_DOB = re.compile(
    rf"\b((?i:d[-. ]?o[-. ]?b)\b\.?|(?i:date[ \t]+of[ \t]+birth|born[ \t]+on))((?:[ \t]+(?i:is|was))?[ \t]*[:,-]?[ \t]*)"
    rf"({_DAY_OR_MONTH}){_DOB_SEP}({_DAY_OR_MONTH}){_DOB_SEP}({_DG}(?:-?{_DG}){{3}}|{_DG}-?{_DG})(?![\w-]|[.,/]?\d)")


def _spelled_dates_of_birth(text: str) -> str:
    """"D-O-B-12, O-6, 48" as "DOB 12/06/48", a date de-identification removes (it was kept, a re-check)."""
    def date(m: re.Match) -> str:
        if re.fullmatch(r"\d{1,2}([/.-])\d{1,2}\1\d{2,4}", m.group(0)[m.end(2) - m.start():]):
            return m.group(0)  # written as a date already ("DOB: 03.09.2021")
        day, month, year = (re.sub(r"(?i)oh|o", "0", re.sub(r"[ \t-]", "", g)) for g in m.group(3, 4, 5))
        if not (1 <= int(day) <= 31 and 1 <= int(month) <= 31 and min(int(day), int(month)) <= 12):
            return m.group(0)
        label = "DOB" if re.fullmatch(r"(?i)d[-. ]?o[-. ]?b\.?", m.group(1)) else m.group(1)
        between = m.group(2) if m.group(2).strip(" \t-") else " "
        return f"{label}{between}{day}/{month}/{year}"

    return _SPELLED_DOB.sub(date, text)


_PC_TOKEN = r"(?:[A-Z0-9]{1,4}\b|(?i:zero|one|two|three|four|five|six|seven|eight|nine)\b)"
_PC_SEP = r"(?:[ \t]*[,.-][ \t]*|[ \t]+)"
_PC_LABELLED = re.compile(rf"\b((?i:post[ \t]?code|postal[ \t]+code)(?:[ \t]+(?i:is|was))?[ \t]*[:,-]?[ \t]*)"
                          rf"({_PC_TOKEN}(?:{_PC_SEP}{_PC_TOKEN}){{0,7}})")
_PC_SPELLED = re.compile(rf"(?<![\w-])()([A-Z](?:{_PC_SEP}(?:[A-Z0-9]|(?i:zero|one|two|three|four|five|six|seven|eight|"
                         rf"nine))\b){{4,6}})")


def _spoken_postcodes(text: str) -> str:
    """A UK postcode read out ("postcode L S six, four A B", "LS6, 4AB") as written ("LS6 4AB"), so
    de-identification removes it; after the word postcode, its district alone too ("postcode L S 6")."""
    from ..notes.deid_vocab import UK_AREA

    def postcode(m: re.Match, labelled: bool) -> str:
        tokens = list(re.finditer(_PC_TOKEN, m.group(2)))
        for n in range(len(tokens), 0, -1):
            code = "".join(_DIGIT_NAMES.get(t.group(0).lower(), t.group(0)) for t in tokens[:n]).upper()
            full = re.fullmatch(rf"({UK_AREA}\d[A-Z\d]?)(\d[A-Z]{{2}})", code)
            if full or (labelled and re.fullmatch(rf"{UK_AREA}\d[A-Z\d]?", code)):
                said = f"{full.group(1)} {full.group(2)}" if full else code
                return m.group(1) + said + m.group(2)[tokens[n - 1].end():]
        return m.group(0)

    text = _PC_LABELLED.sub(lambda m: postcode(m, True), text)
    return _PC_SPELLED.sub(lambda m: postcode(m, False), text)


def _digit_groups_joined(text: str) -> str:
    """A number read out in groups or digit by digit, as Whisper writes it, in the form de-identification knows:
    "943, 476, 5919" (an NHS number) becomes "943 476 5919" and "0-7-7-0-0-9-0-0-1-2-3" (a phone number)
    "07700900123". Left as Whisper wrote them, neither was removed, and "0-7-7" was then said "zero to seven to
    seven" (a cardiology review)."""
    # digit by digit only with hyphens, seven digits or more: "5, 5, 4, 5, 5, 4, 5 mg" is a week of warfarin
    # doses and "ribs 3, 4, 5, 6, 7, 8" a list (joined, they became "five million ..." : a re-check)
    text = re.sub(r"(?<![\d.,-])\d(?:-\d(?!\d|[.,]\d)){6,}", lambda m: m.group(0).replace("-", ""), text)

    def grouped(m: re.Match) -> str:  # only the groups of an NHS number or a phone number, not a list of values:
        groups = re.split(r", ?| |-", m.group(0))  # "120, 130, 140 mg" and "1500, 1750, 2000 ml" stay lists
        shape = tuple(map(len, groups))
        identifier = shape == (3, 3, 4) or (groups[0].startswith("0") and shape in {(4, 3, 4), (5, 3, 3), (5, 6),
                                                                                      (4, 6), (3, 4, 4), (3, 3, 4)})
        return " ".join(groups) if identifier else m.group(0)

    # a comma with or without its space: Whisper wrote an NHS number "485,777, 3456", read as a thousands comma and
    # spelled out ("four hundred and eighty five thousand ..."), which no rule then found (a clinical-safety review)
    return re.sub(rf"(?<![\d.,-])\d{{3,5}}(?:(?:, ?|-)\d{{3,6}})+(?!\d|[.,]\d)(?![ \t]*(?i:{_UNIT_RE})\b)",
                  grouped, text)


def _numbers_said(text: str) -> str:
    # a full stop after it ends the sentence ("BP 140/90." and "at 8:30." were left as digits and a colon)
    t = re.sub(r"(?<![\w.])(\d+)\s*/\s*(\d+)(?![\w/]|\.\d)", r"\1 over \2", text)  # 140/90: a blood pressure
    t = re.sub(r"(?<![\w.:])(\d{1,2}):(\d\d)(?![\w:]|\.\d)", lambda m: number_words(int(m.group(1))) + (
        " o'clock" if m.group(2) == "00" else " " + ("oh " if m.group(2)[0] == "0" else "")
        + number_words(int(m.group(2)))), t)  # 8:30, a time
    t = re.sub(r"(?<=\d)-(?=\d)", " to ", t)  # 2-3 days
    t = re.sub(r"(?<=\d)-(?=[A-Za-z])|(?<=[A-Za-z])-(?=\d)", " ", t)  # 72-year-old, COVID-19
    return _NUMBER.sub(_say, t)
