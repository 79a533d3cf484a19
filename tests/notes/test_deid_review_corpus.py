"""De-identification on notes two privacy reviews wrote (2026-12-05), with their own marked identifiers.

Written by helper sessions acting as information-governance officers, not by the author of the rules, and first
run on the rules as they stood: deid_review_corpus (14 notes, 251 identifiers) recall 0.753 (whole identifier
removed), precision 0.980; deid_review_corpus_2 (12 notes from Ireland, India, Australia, New Zealand, the UK
and the US, 304 identifiers, written blind: its author had not read the rules) recall 0.711, precision 0.991.
On 2026-12-06 two more blind corpora (their authors read neither the rules, their tests nor the other corpora):
deid_review_corpus_3 (12 notes from the US, Canada, Scotland, Wales, South Africa, Singapore, Kenya, Australia,
England and Nigeria, 476 identifiers) first run recall 0.655, precision 0.980; the rules were widened against its
misses, and only then was deid_review_corpus_4 (12 notes from the US, Ireland, India, New Zealand, Hong Kong, the
Philippines, Ghana, Jamaica, Northern Ireland and England, 319 identifiers) run: 0.705 / 0.976 blind (the rules
before that day: 0.605 / 0.975). The rules were widened against corpus 4 too, and then deid_review_corpus_5 (6 US
notes as electronic records write them, and notes from the UK, Canada, Australia, South Africa, Ireland and New
Zealand, 316 identifiers) was run blind: 0.772 / 0.966 (the rules of the day before: 0.658 / 0.975); widened against corpus 5, then deid_review_corpus_6 (6 US and 6 other
notes: Scotland, England, Canada, Australia, Singapore, India; 320 identifiers) blind: 0.806 / 0.977 (the day
before: 0.650 / 0.979); widened against corpus 6, then deid_review_corpus_7 (5 US notes, England, Scotland, Ireland,
Canada, Australia, New Zealand; 318 identifiers) blind: 0.783 / 0.985 (the day before: 0.635 / 0.983); widened against corpus 7, then
deid_review_corpus_8 (5 US notes, England, Northern Ireland, Ireland, Canada, Australia, Nigeria; 316 identifiers)
blind: 0.801 / 0.989 (the day before: 0.671 / 0.996); widened against corpus 8, then deid_review_corpus_9 (5 US
notes, England, Scotland, Ireland, Canada, New Zealand, Kenya; 316 identifiers) blind: 0.848 / 0.975 (the day before:
0.690 / 0.979). The rules were then improved against each corpus's misses, so none of those is held out any more:
this test keeps what was gained (docs/notes.md). deid_review_corpus_10 (5 US notes, England, Scotland, Ireland,
Canada, Australia, Malaysia; 312 identifiers) was run blind on the final rules of that day, 0.766 / 0.980 (the day
before: 0.625 / 0.986), and the rules were NOT widened against it: its threshold guards that figure.
On 2026-12-06 (a second session) three more blind corpora: deid_review_corpus_11 (8 US notes as US records write them,
England, Canada, Australia, India; 397 identifiers) blind 0.763 / 0.978, deid_review_corpus_12 (notes dense in
identifiers without a title or label, one dictated all in lower case; England, Wales, Ireland, New Zealand, South
Africa, the US, Scotland; 400 identifiers) blind 0.715 / 0.977; the rules were widened against both (docs/notes.md);
then deid_review_corpus_14 (12 US notes as research corpora hold them; 359 identifiers) blind 0.864 / 0.981 (that
day's starting rules 0.819 / 0.984) and deid_review_corpus_15 (community and allied-health notes from eight countries;
400 identifiers) blind 0.853 / 0.955 (starting rules 0.797 / 0.956), deid_review_corpus_17 (a precision stress test of
US and UK notes dense in brands, devices, eponyms and units; 394 identifiers) blind 0.881 / 0.961 (starting rules 0.845
/ 0.960) and deid_review_corpus_16 (South Asia, Africa, South-East Asia, the Gulf; 496 identifiers) blind 0.722 / 0.973
(starting rules 0.712 / 0.969), and deid_review_corpus_19 (dictations and voicemail transcripts; 443 identifiers)
blind 0.668 / 0.977 (starting rules 0.578 / 0.978), each widened against in turn. Two more, written blind the same
day, were held out and measured once on the final rules: deid_review_corpus_13 (three US notes and one each from
England, Scotland, Canada, Australia, Singapore, Nigeria, the Philippines, Pakistan and South Africa; 400 identifiers)
0.850 / 0.983 (that day's starting rules 0.802 / 0.970) and deid_review_corpus_18 (twelve US notes of kinds the other
corpora lack: pathology, radiology, consults, portal messages, a prior authorisation, workers' compensation; 400
identifiers) 0.828 / 0.973 (starting rules 0.792 / 0.970); deid_review_corpus_10, held out since the day before,
moved from 0.766 / 0.980 to 0.808 / 0.977 without being used (docs/notes.md). In a third session, with the rules
unchanged, two more blind corpora were written and measured once, held out: deid_review_corpus_20 (obstetrics,
neonatal, paediatric, mental-health, sexual-health, oncology, hospice and safeguarding notes from ten countries; 416
identifiers) 0.889 / 0.995 and deid_review_corpus_21 (ordinary record exports: six US academic-centre notes, six from
an NHS trust and its GPs; 410 identifiers) 0.934 / 0.987. In a fourth session the rules were widened against the
misses of those five (a state's code with its town, a day and month alone where only a date reads so, businesses and
services named by their trade; tests/notes/test_deid_trades_and_short_dates.py), so none of them is held out any more,
and two more blind corpora were written and measured once on the widened rules, held out: deid_review_corpus_22
(ambulance, triage, pharmacy, dental, physiotherapy, coroner, occupational-health, school-nurse, custody, telehealth,
care-home and social-work notes from eleven countries; 467 identifiers) 0.807 / 0.982 (the session's starting rules
0.775 / 0.981) and deid_review_corpus_23 (six US notes of busy services and six from the UK, Australia, New Zealand,
Ireland and Canada; 522 identifiers) 0.824 / 0.990 (starting rules 0.780 / 0.990). The rules were then widened against
those two as well (a named day of the year, Scottish health boards, more trades, insurers, given names Faker lacks),
and two more blind corpora, written meanwhile, were measured once, held out: deid_review_corpus_24 (twelve US notes as
research de-identification corpora hold them; 399 identifiers) 0.890 / 0.983 (the session's starting rules 0.825 /
0.985) and deid_review_corpus_25 (ordinary hospital documents from England, Scotland, Wales, Northern Ireland,
Ireland, Australia, New Zealand, Canada, India, South Africa and Nigeria; 448 identifiers) 0.911 / 0.995 (starting
rules 0.895 / 0.995). Widened a third time, against 24 and 25 (a state's name with its town, numbered streets with a
compass word, a hospital by its initials, "Unit 4C", Meals on Wheels, "Nagar"), then two more blind corpora, written
meanwhile, measured once and held out: deid_review_corpus_26 (twelve everyday US notes; 400 identifiers) 0.907 /
0.975 (the session's starting rules 0.835 / 0.977) and deid_review_corpus_27 (everyday documents of England,
Scotland, Wales, Australia, New Zealand, Canada, Ireland, India, South Africa, Singapore and Kenya; 434 identifiers)
0.926 / 0.995 (starting rules 0.906 / 0.995). Widened a fourth time, against 26 and 27 (an organisation's initials
defined after its name, a ward's name after its floor and wing, a company's form after its trade, a group named by
its place), then two more blind corpora, written meanwhile, measured once and held out: deid_review_corpus_28
(twelve US specialty notes; 441 identifiers) 0.900 / 1.000 (the session's starting rules 0.821 / 1.000) and
deid_review_corpus_29 (specialty notes of England, Scotland, Wales, Northern Ireland, Ireland, Australia, New
Zealand, Canada, India, South Africa, Nigeria and Malaysia; 447 identifiers) 0.859 / 0.992 (starting rules 0.848 /
0.992). Widened a fifth time, against 28 and 29, then narrowed where a review of the session's change found false
removals (tests/notes/test_deid_trades_and_short_dates.py), and two more blind corpora measured once, held out:
deid_review_corpus_30 (six US and six UK, Irish, Australian, New Zealand and Canadian notes; 493 identifiers) 0.880 /
0.988 (starting rules 0.824 / 0.986) and deid_review_corpus_31 (India, Pakistan, Bangladesh, Sri Lanka, Nigeria,
Ghana, Kenya, Uganda, South Africa, Singapore, the Philippines; 400 identifiers) 0.772 / 0.988 (starting rules 0.767
/ 0.985). In a fifth session the rules were widened against 30 and 31 (whole address fields and address lines, a town
found once wherever it recurs, health facilities with their town or level, places of worship, numbered units, labelled
numbers and registers, names surname first under a label; tests/notes/test_deid_addresses_and_registers.py), and two
more blind corpora were measured once, held out: deid_review_corpus_32 (twelve US notes of rural, tribal, territorial,
border, correctional and telephone care; 407 identifiers) 0.862 / 0.974 (the session's starting rules 0.848 / 0.974)
and deid_review_corpus_33 (Jamaica, Trinidad, Barbados, Hong Kong, the Emirates, Malta, Fiji, Papua New Guinea,
Zimbabwe, Zambia, the Scottish islands and remote Western Australia; 409 identifiers) 0.844 / 0.989 (starting rules
0.780 / 0.989). Widened again the same session, against 32 and 33 (names family name first as Hong Kong writes them,
references said as such, Spanish and Maltese streets, Barbadian and Maltese postcodes, an unknown town before a state
and postcode, children listed with their ages), then two more blind corpora measured once, held out:
deid_review_corpus_34 (twelve US notes of the kinds a release-of-information office redacts; 415 identifiers) 0.954 /
0.992 (starting rules the same) and deid_review_corpus_35 (everyday UK, Irish, Canadian, Australian and New Zealand
notes; 422 identifiers) 0.964 / 0.985 (starting rules 0.950 / 0.985). After a review's fixes (34 and 35 unchanged), two more
blind corpora measured once on the session's final rules, held out: deid_review_corpus_36 (private and teaching
hospitals of India, Pakistan, Bangladesh, Nepal, Sri Lanka, Malaysia, Indonesia, Thailand, Kenya, Tanzania and Ghana;
409 identifiers) 0.848 / 0.989 (starting rules 0.792 / 0.989) and deid_review_corpus_37 (North American radiology,
pathology, laboratory, triage, therapy, home health, VA, military, crisis, Quebec, Ontario and Manitoba records; 403
identifiers) 0.868 / 0.988 (starting rules 0.859 / 0.988). The rules were then widened against 36 and 37 (0.870 and 0.911:
South Asian phones, Indonesian streets, military units, French-named facilities, masked SSNs, "Jan-05-2024"), so they
are held out no more. Two more blind corpora, written after it (2026-12-07) and measured once, held out:
deid_review_corpus_38 (twelve ordinary US records: a longitudinal primary-care record, discharge, ED, cardiology,
oncology, obstetrics, psychiatry, nursing-home transfer, well child, social work, a portal thread, an operation; 466
identifiers) 0.908 / 0.993 and deid_review_corpus_39 (everyday letters and notes of England, Scotland, Wales,
Ireland, Alberta, Australia, New Zealand, South Africa, Singapore, Nigeria and India; 517 identifiers) 0.861 / 0.991,
the same on the session's starting rules and on its first changes (names of more locales, all-capital names). The
rules were then widened against 38 and 39 (0.942 and 0.913: everyday words as given names, senders, Korean given
names, letterheads in capitals, address lines before a postcode, labelled references), so they are held out no more.
Two more, written meanwhile and measured once on those widened rules, held out: deid_review_corpus_40 (US records of
twelve kinds as Epic, Cerner, VistA, Meditech and athenahealth print them; 500 identifiers) 0.886 / 0.978 (starting
rules 0.858 / 0.980) and deid_review_corpus_41 (everyday records of eleven countries as their systems print them; 544
identifiers) 0.903 / 0.986 (starting rules 0.892 / 0.986). The rules were then widened against 40 and 41 (0.908 and
0.928: names in capitals after "Re:", footers, Korean names, a relation then an everyday given name in lower case,
a place's name after "&" and its company's form, letterheads of pharmacies, schools and health teams). Two more,
written meanwhile and measured once on those rules, held out: deid_review_corpus_42 (US inpatient and outpatient
records; 461 identifiers) 0.887 / 0.995 (starting rules 0.870 / 0.995) and deid_review_corpus_43 (everyday records of
twelve countries; 457 identifiers) 0.893 / 0.993 (starting rules 0.886 / 0.993). The rules were then widened
against 42 and 43 (0.920 and 0.921: names said mid-sentence once the full name is known, nurses' initials signing an
entry, surname-first names in capitals before a record number, initials after a title in capitals, accessions by
their year, eight-digit phones said as such, more registers, clinics, services and trusts in capitals). Two more,
written meanwhile and measured once on those rules, held out: deid_review_corpus_44 (US records of the kinds research
corpora hold; 436 identifiers) 0.915 / 0.997 (starting rules 0.899 / 0.997) and deid_review_corpus_45 (hospital and GP
records of five Commonwealth countries; 450 identifiers) 0.944 / 0.986 (starting rules 0.924 / 0.986). Then widened
against 44 and 45 (0.924 and 0.956: the initials of whoever dictated, typed or signed, "Ma." for Maria). Two more,
written meanwhile and measured once on those rules, held out: deid_review_corpus_46 (US hospital records; 448
identifiers) 0.935 / 0.998 (starting rules 0.929 / 0.998) and deid_review_corpus_47 (hospital and GP records of ten
Commonwealth countries; 450 identifiers) 0.944 / 0.957 (starting rules 0.920 / 0.963); then "cc: Mother" and "- NEW"
were no longer taken as names (47: 0.944 / 0.988), and the rules were widened against 46 and 47 once more. The last
two, written meanwhile and measured once on the session's final rules, held out: deid_review_corpus_48 (everyday US
records, months and weekdays alone marked too; 454 identifiers) 0.879 / 0.983 (starting rules 0.861 / 0.983) and
deid_review_corpus_49 (hospital and GP records of eleven countries; 493 identifiers) 0.947 / 0.985 (starting rules
0.913 / 0.978); then a role before a wide gap no longer joined the next field ("RN   Sent:"; 48: 0.879 / 0.993).
Four more, written in the next session by helpers who read neither the rules nor any corpus, and measured once on the
rules the session began with: deid_review_corpus_50 (US outpatient specialty notes as five EHRs print them; 410
identifiers) 0.920 / 0.987, deid_review_corpus_51 (community and allied-health records of six countries; 410)
0.951 / 0.984, deid_review_corpus_52 (US inpatient records; 406) 0.948 / 0.992 and deid_review_corpus_53 (records
of twelve countries of South Asia, Africa, South-East Asia, the Caribbean and the Gulf; 410) 0.902 / 0.987. Then
widened against them (0.939, 0.966, 0.975, 0.907: a letterhead over its address line, a unit named with its floor,
a surname-first line, the town and postcode under a box, who printed the record, initials after "Sign:").
Four more, written meanwhile by helpers who read neither, measured once on those rules (0.978 / 0.990, 0.963 / 0.979,
0.926 / 0.992, 0.868 / 0.976; the same on the session's starting rules but for one identifier of 55):
deid_review_corpus_54 (NHS hospital letters of four nations; 414 identifiers), deid_review_corpus_55 (US primary-care
and community records; 409), deid_review_corpus_56 (Canadian, Australian and New Zealand hospital records; 419) and
deid_review_corpus_57 (short, messy telephone, portal, chat, log and lower-case records; 385). Then widened against
them (0.978, 0.963, 0.943, 0.888: a suburb and town under a street, a ZIP after a street line's town, whoever typed
it by initials, a log entry's initials; "DOB", "Tone", "Bedside", "Hospice" no longer taken as names). A last
pair, written meanwhile and measured once on those rules (the same as on the session's starting rules):
deid_review_corpus_58 (US records in the style of the shared-task research corpora, "Record date:" visits; 410
identifiers) 0.954 / 0.992 and deid_review_corpus_59 (UK and Irish GP-system records; 413) 0.935 / 0.961, whose
false removals were SNOMED CT codes in brackets, "Bruce protocol", "Senna", "GP Connect" and "(ANP)": no longer
removed (59: 0.992); then widened against them (59: 0.964: initials closing an entry, "Printed ... by R Whitworth",
"Our ref: RP/sm", an age over 89 after a date of birth, "Previous surname"). Two more, written meanwhile and measured
once on the session's final rules, held out and never widened against: deid_review_corpus_60 (everyday US records of
community hospitals and clinics; 425 identifiers) 0.951 / 0.992 and deid_review_corpus_61 (hospital and specialist
records of twelve countries; 403) 0.973 / 0.990, the same as on the session's starting rules.
The held-out sets (every corpus measured once before being widened against) are listed in docs/notes.md."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from medapp.modalities.notes.deid import find_phi
from medapp.modalities.notes.io import read_note

HERE = Path(__file__).parent
TITLE = re.compile(r"(?i)^(?:(?:mrs|mr|ms|dr|sr|sister|nurse|professor|father|the|tuesday|wed)\.?\s+)")


def measure(corpus: Path) -> tuple[float, float, list, list]:
    """(recall, precision, misses, false removals). An identifier is caught when every character of it is removed
    (a title before it may stay); a removal is correct when it overlaps an identifier."""
    gold = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))
    caught, total, correct, removed, misses, false = 0, 0, 0, 0, [], []
    for name, marks in gold.items():
        text = read_note((corpus / name).read_bytes(), name)
        spans = find_phi(text)
        covered = {i for s in spans for i in range(s.start, s.end)}
        for start, end, kind, words in marks:
            total += 1
            title = TITLE.match(words)
            end -= len(m.group(0)) if (m := re.search(r",\s*MD$", words)) else 0
            need = {i for i in range(start + (title.end() if title else 0), end) if text[i] not in " \t\n,."}
            if need <= covered:
                caught += 1
            else:
                misses.append(f"{kind}:{words}")
        for s in spans:
            removed += 1
            if any(s.start < end and start < s.end for start, end, _, _ in marks):
                correct += 1
            else:
                false.append(f"{s.kind}:{s.text}")
    return caught / total, correct / max(removed, 1), misses, false


@pytest.mark.parametrize("corpus, min_recall, min_precision", [
    ("deid_review_corpus", 0.90, 0.99), ("deid_review_corpus_2", 0.89, 0.99), ("deid_review_corpus_3", 0.91, 0.99),
    ("deid_review_corpus_4", 0.86, 0.99), ("deid_review_corpus_5", 0.91, 0.99),
    ("deid_review_corpus_6", 0.92, 0.99), ("deid_review_corpus_7", 0.89, 0.99), ("deid_review_corpus_8", 0.93, 0.99),
    ("deid_review_corpus_9", 0.89, 0.99), ("deid_review_corpus_11", 0.88, 0.99),
    ("deid_review_corpus_12", 0.87, 0.98), ("deid_review_corpus_14", 0.89, 0.99), ("deid_review_corpus_15", 0.89, 0.98),
    ("deid_review_corpus_16", 0.77, 0.98), ("deid_review_corpus_17", 0.91, 0.98), ("deid_review_corpus_19", 0.76, 0.99),
    ("deid_review_corpus_10", 0.81, 0.97), ("deid_review_corpus_13", 0.86, 0.98), ("deid_review_corpus_18", 0.87, 0.97),
    ("deid_review_corpus_20", 0.91, 0.99), ("deid_review_corpus_21", 0.97, 0.98),
    ("deid_review_corpus_22", 0.83, 0.98), ("deid_review_corpus_23", 0.86, 0.98),
    ("deid_review_corpus_24", 0.90, 0.98), ("deid_review_corpus_25", 0.92, 0.99),
    ("deid_review_corpus_26", 0.92, 0.98), ("deid_review_corpus_27", 0.92, 0.99),
    ("deid_review_corpus_28", 0.90, 0.99), ("deid_review_corpus_29", 0.88, 0.99),
    ("deid_review_corpus_30", 0.93, 0.98), ("deid_review_corpus_31", 0.93, 0.98),
    ("deid_review_corpus_32", 0.93, 0.97), ("deid_review_corpus_33", 0.93, 0.98),
    # held out when measured (34 and 35 never used to widen the rules): their thresholds guard the figures since
    ("deid_review_corpus_34", 0.95, 0.99), ("deid_review_corpus_35", 0.96, 0.98),
    ("deid_review_corpus_36", 0.89, 0.98), ("deid_review_corpus_37", 0.92, 0.98),
    ("deid_review_corpus_38", 0.94, 0.99), ("deid_review_corpus_39", 0.91, 0.98),
    ("deid_review_corpus_40", 0.90, 0.98), ("deid_review_corpus_41", 0.92, 0.99),
    ("deid_review_corpus_42", 0.91, 0.99), ("deid_review_corpus_43", 0.91, 0.99),
    ("deid_review_corpus_44", 0.92, 0.99), ("deid_review_corpus_45", 0.95, 0.99),
    ("deid_review_corpus_46", 0.93, 0.99), ("deid_review_corpus_47", 0.94, 0.98),
    ("deid_review_corpus_48", 0.87, 0.99), ("deid_review_corpus_49", 0.94, 0.98),
    ("deid_review_corpus_50", 0.93, 0.98), ("deid_review_corpus_51", 0.96, 0.98),
    ("deid_review_corpus_52", 0.97, 0.99), ("deid_review_corpus_53", 0.90, 0.98),
    ("deid_review_corpus_54", 0.97, 0.99), ("deid_review_corpus_55", 0.96, 0.97),
    ("deid_review_corpus_56", 0.94, 0.99), ("deid_review_corpus_57", 0.88, 0.98),
    ("deid_review_corpus_58", 0.95, 0.99), ("deid_review_corpus_59", 0.96, 0.99),
    # held out from the seventh session's final rules, never widened against
    ("deid_review_corpus_60", 0.95, 0.99), ("deid_review_corpus_61", 0.97, 0.98)])
def test_the_privacy_reviews_notes_keep_what_was_gained(corpus, min_recall, min_precision):
    recall, precision, misses, false = measure(HERE / corpus)
    print(f"{corpus}: recall {recall:.3f}, precision {precision:.3f}; missed {misses}; false {false}")
    assert recall >= min_recall, misses
    assert precision >= min_precision, false
