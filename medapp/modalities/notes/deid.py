"""PHI scrubbing of clinical notes: the HIPAA Safe Harbor categories that occur in free text.

Each finding is replaced by a typed placeholder ([NAME], [DATE], [PHONE], [EMAIL], [URL], [ID],
[ADDRESS], [POSTCODE], [AGE>89], [LOCATION]) and kept in a list of spans so the author can see what
was removed. Rule-based: patterns for structured identifiers; names found after titles, name labels
("Patient:", "seen by"), relations ("his daughter Siobhan"), staff roles ("scrub nurse Luis",
"Kwame (HCA)"), in signatures and salutations, any given name of a large multi-locale gazetteer
(names.py; a name that is also a common word needs one of those contexts), and wherever a name
found once recurs. Places: hospitals, hospices, care homes, practices, surgeries, units and other
named organisations ("Larchfield Care Home"), wards ("Ward 7B"), hospitals by their short names ("the Royal
Free", "transferred to Addenbrooke's"), towns after "lives in", and any town of a GeoNames gazetteer after a
word of place ("daughter in Manchester", "returned from Lagos"; names.py). Clinical
roles, specialties, eponyms (Parkinson's, Crohn's) and drug names are never taken as names.
Recall and precision: tests/notes/phi_corpus.py (planted notes written with the first rules) and
tests/notes/deid_blind_corpus.py and the blind review corpora (see docs/notes.md). The word lists and shapes
are in deid_vocab.py.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from .deid_lowercase import lower_case_lines_with_capitals, mostly_lower_case, with_capitals
from .deid_vocab import (
    ABBREVIATIONS,
    AGE_OVER_89,
    AU_STATE,
    BRANDS,
    BRANDS_IN_CONTEXT,
    CA_PROVINCE,
    CAPS_NAME,
    CAPS_WORD,
    CARE_WORDS,
    CHINESE_SURNAMES,
    CHINESE_SYLLABLES,
    CONNECTORS,
    COUNTED,
    DIGIT_WORD,
    EPONYM_NOUNS,
    EPONYMOUS_THING,
    FULL_NAME,
    GENERIC_PLACE,
    HOUSE_NUMBER_WORDS,
    INITIALS,
    KOREAN_SURNAMES,
    KOREAN_SYLLABLES,
    LOWER,
    LOWER_PARTICLE,
    MONTHS,
    NAME_WORD,
    NAMED_PERSON,
    NAMED_PLACE_NOUN,
    NEVER_NAME,
    NOT_NAMES,
    NOT_NAMES_AFTER_TITLE,
    NOT_PLACE_NAMES,
    NOT_ROYAL,
    NUMBER_WORD,
    ORDINAL_DAY,
    PARTICLE,
    PLACE_NOUN,
    PLACE_WORD,
    RELATIONS,
    ROLES,
    SCORE_EPONYMS,
    STREET,
    STREET_ABBREVIATION_DOT,
    TITLES,
    TOWN_TOOLS,
    TRADE_GENERIC,
    TRADE_PLACE_NOUN,
    UK_AREA,
    UNITS,
    UPPER,
    US_STATE,
    US_STATE_NAME,
    WEEKDAYS,
    YEAR_SAID,
)
from .names import (
    COMMON,
    EPONYMS,
    EVERYDAY_GIVEN_NAMES,
    VERB_GIVEN_NAMES,
    given_names,
    plain_words,
    regions,
    states,
    surnames,
    towns,
)

_NAME_SYLLABLES = CHINESE_SYLLABLES | KOREAN_SYLLABLES  # a given name's halves written with a hyphen

# Labels of a person's record, as written before a name ("Patient:", "Resident: DELACROIX, Evangeline M.")
PERSON_LABELS = r"patient|name|pt|resident|client|member|insured|subscriber|scribe|pcp|ordering[ \t]+provider|provider"

# (kind, compiled pattern, group holding the PHI or 0); order matters: earlier kinds win overlaps. PLACE is a
# LOCATION named without a noun such as Hospital or Ward.
PATTERNS: list[tuple[str, re.Pattern, int]] = [
    # an HL7 v2 segment that identifies a person (patient, next of kin, guarantor, insured, merged record, visit
    # with its doctors and ward), pasted into a note: every field after the segment's name, whose numbers, phones
    # and addresses between | and ^ the rules below do not see (a re-check kept "123456^^^HOSP^MR")
    ("ID", re.compile(r"^(?:PID|PD1|NK1|GT1|IN1|IN2|MRG|PV1|ROL)\|(.+)$", re.M), 1),
    # a person name as DICOM and HL7 write it, family^given^middle^prefix^suffix ("SMITH^JOHN", "DOE^JANE^^^MRS"):
    # kept whole in a pasted HL7 message or DICOM header (an IT review). Taken as it stands (PN), never trimmed.
    ("PN", re.compile(r"(?<![\w^])[A-Za-z][A-Za-z'’-]*\^[A-Za-z'’-]*[A-Za-z](?:\^+[A-Za-z'’-]*[A-Za-z]\.?)*(?![\w^])"), 0),
    ("EMAIL", re.compile(r"\b[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+\b"), 0),
    ("URL", re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+", re.I), 0),
    # a reference after a label that says what it numbers ("specimen BC-24-77801", "lab ref. LAB/240608/3391", "ODS code
    # B86041", "AHCIP PHN: 61247-8803", "ABHA No.: 91-4821-7730-5562", "GMS card no. 0918 447 3C", "key BHK7QX2P";
    # kept, a blind review): three digits or more, or letters and digits mixed in six characters or more
    ("ID", re.compile(r"\b(?i:specimen|sample|accession|barcode|lab(?:oratory)?[ \t]+(?:ref\.?|reference|no\.?|number)|"
                      r"(?:ODS|practice|site)[ \t]+code|PHN|ABHA(?:[ \t]+(?:no\.?|number))?|(?:GMS[ \t]+)?card[ \t]+(?:no\.?|number)|"
                      r"enrol+ment[ \t]+(?:no\.?|number)|(?:authori[sz]ation|PA|approval|confirmation)[ \t]+key|key)(?![A-Za-z])"
                      r"[ \t]*(?:#|(?i:no\.?|number)(?![A-Za-z]))?[ \t]*[:#]?[ \t]*(?:(?i:is)[ \t]+)?"
                      r"(?!\d{1,3}(?![\w/-]))((?=[A-Z0-9/-]*\d(?:[A-Z/-]*\d){2}|(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{6})[A-Z0-9]+(?:[-/][A-Z0-9]+)*"
                      rf"(?:[ \t](?=[A-Z]*\d)[A-Z0-9]{{1,5}}){{0,3}})(?![\w/-])(?![ \t]*(?i:{UNITS})\b)"), 1),
    # the dictating clinician's and the typist's initials under a letter ("MI:cb", "PZ/ah  D: 08/29/2015"), the typist's
    # after "Typed:" ("Typed: 15/03/2024 (jp)")
    ("NAME_AS_IS", re.compile(r"^[ \t]*([A-Z]{2,3}[/:][a-z]{2,3})(?=[ \t]*$|[ \t]{2,}|[ \t]+[A-Z]:)", re.M), 1),
    ("NAME_AS_IS", re.compile(r"\b(?i:typed|dictated|transcribed)\b[^\n()]{0,30}\(([a-z]{2,3})\)"), 1),
    # an initial and a surname before a nurse's or a doctor's letters, and their initials in brackets after them
    # ("– S. Vaifale RN", "Anahera Walker RN (AW)")
    ("NAME_AS_IS", re.compile(rf"\b([A-Z]\.[ \t]?{NAME_WORD})(?=[ \t]+(?:RN|RGN|RM|EN|HCA|CNA|LPN|RMN|CNS|NP|MD|DO)\b)"), 1),
    ("SIGNED", re.compile(r"\b(?:RN|RGN|RM|EN|HCA|CNA|LPN|RMN|CNS|NP|MD|DO)[ \t]*\(([A-Z]{2,3})\)"), 1),
    # a clinician by initials with the role after them ("Case discussed daily with RL (attending)")
    ("SIGNED", re.compile(r"\b([A-Z]{2,3})[ \t]*\((?i:attending|resident|intern|fellow|registrar|consultant|reg|sho|"
                          r"charge[ \t]+nurse|nurse|physio|pharmacist|surgeon)\)"), 1),
    # "Ma." for Maria, as Filipino names write it ("Ma. Teresa Villanueva")
    ("NAME_AS_IS", re.compile(rf"\b(Ma\.[ \t]+{NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,2}})"), 1),
    # a first name signing a message at its line's end ("we will call you back this morning. - June")
    ("SIGNED_NAME", re.compile(rf"(?:^|[ \t.;!?])(?:-|--|—|–)[ \t]*({NAME_WORD})[ \t]*$", re.M), 1),
    # initials after a sentence and one dash, or after "Sign:", ending the line ("as documented. - BOH", "Sign: FNS")
    ("SIGNED", re.compile(r"(?:(?<=[.!?])[ \t]+-|\b(?i:sign|signed|signature|initials)[ \t]*:)[ \t]*([A-Z]{2,3})[ \t]*$",
                          re.M), 1),
    # who printed or edited the record, by their user name ("Printed by: RMARQUEZ on 02/21/2024")
    ("NAME_AS_IS", re.compile(r"\b(?:Printed|Entered|Modified|Edited|Created|Updated|Accessed)[ \t]+by:?[ \t]+"
                              r"(?!(?:SYSTEM|INTERFACE|ADMIN|SERVER|AUTO|BATCH|USER)\b)([A-Z]{5,12}|[a-z]{2,10}\.[a-z]{2,15})\b"
                              r"(?![ \t]*,?[ \t]+[A-Z][a-z])"), 1),
    # whoever typed or transcribed it, by initials ("Typed: K. Pohatu", "Typed by: M.T.", "Typed 11/01/2024 by LH")
    ("NAME_AS_IS", re.compile(r"\b(?i:typed|transcribed|dictated)(?:[ \t]+(?i:by))?[ \t]*:?[ \t]*"
                              r"(?:\d{1,2}/\d{1,2}/\d{2,4}[ \t]+(?i:by)[ \t]+)?((?:[A-Z]\.){1,3}(?:[ \t]?[A-Z][a-z'’-]+)?)"
                              r"(?![\w'’-])"), 1),
    ("SIGNED", re.compile(r"\b(?i:typed|transcribed|dictated)[ \t]+\d{1,2}/\d{1,2}/\d{2,4}[ \t]+(?i:by)[ \t]+([A-Z]{2,3})\b"), 1),
    # a log entry's initials after its date and time ("09/01 22:10 RB" over a nursing comment)
    ("SIGNED", re.compile(r"^[ \t]*\d{1,2}/\d{1,2}(?:/\d{2,4})?[ \t]+\d{1,2}:?\d{2}[ \t]+([A-Z]{2,3})[ \t]*$", re.M), 1),
    # who printed, typed or entered it, an initial and a surname ("Printed 12-Feb-2024 11:06 by R Whitworth",
    # "Typed by S Morgan 19/03/24")
    ("NAME_AS_IS", re.compile(rf"\b(?:Printed|Typed|Entered|Edited|Dictated|Transcribed|Scanned)\b[^\n]{{0,30}}?\bby[ \t]+"
                              rf"([A-Z]\.?[ \t]?{NAME_WORD})(?![\w'’-])"), 1),
    # a letter's reference of the writer's and the typist's initials ("Our ref: RP/sm")
    ("NAME_AS_IS", re.compile(r"\b(?i:our|your)[ \t]+ref(?:erence)?\.?[ \t]*:?[ \t]*([A-Z]{2,3}/[A-Za-z]{2,3})(?![\w/-])"), 1),
    # initials alone on an entry's last line, closing it ("... before departure.\nCQ\n\n"): not a heading, which has
    # its text under it
    ("SIGNED", re.compile(r"(?<=[^\s]\n)[ \t]*([A-Z]{2,3})[ \t]*(?=\n[ \t]*\n|\n?$(?![\s\S]))", re.M), 1),
    # an age over 89 in brackets after a date of birth ("DOB 09/01/1923 (101)")
    ("AGE", re.compile(r"\b(?i:dob|d\.o\.b\.?|born)[ \t:]*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}[ \t]*\((9\d|1[01]\d)\)"), 1),
    # a nurse's initials signing an entry at its line's end ("... patent, ceftriaxone due 0900. -- KB")
    ("SIGNED", re.compile(r"(?:^|[ \t.;])(?:--|—|–)[ \t]*([A-Z]{2,3})[ \t]*$", re.M), 1),
    # a phone of eight digits in two fours, said as one ("can be reached at 8555 3071", "mobile is 9555 2718")
    ("PHONE", re.compile(r"\b(?i:reached|call|ring|mobile|phone|tel|contact|number|line|whatsapp|hp)(?:[ \t]+(?i:is|on|at|no\.?))?"
                         r"[ \t]*:?[ \t]+(\d{4}[ \t]\d{4}(?:[ \t]*(?i:ext|x)\.?[ \t]*\d{1,5})?)\b(?![ \t]?\d)"), 1),
    ("ID", re.compile(r"\b\d{4}-\d{4}-\d{4}-\d{4}\b"), 0),  # a 16-digit card or national number ("PhilSys PCN")
    # any number with a country code, "+234 809 555 1194" (eight digits or more)
    ("PHONE", re.compile(r"(?<![\w+])\+\d{1,3}(?=(?:[ \t.()-]*\d){7})(?:[ \t.-]?(?:\(\d{1,5}\)|\d{1,5})){2,5}\b"), 0),
    # a phone number with its extension, before the NHS number below takes "021 435 8800" and leaves "ext. 212"
    ("PHONE", re.compile(r"(?<![\w+])\(?\d(?:[ ()-]{0,2}\d){6,14}[ \t]*(?i:ext|extn|x)\.?[ \t]*\d{1,5}\b"), 0),  # bounded:
    # unbounded, "1 1 1 ..." took 9 s for 20,000 characters (every start tried every length)
    ("PHONE", re.compile(r"(?<=\()x\d{3,5}(?=\))"), 0),  # an extension alone, "(x5521)"
    # a device's UDI in GS1 form, "(01)10603295071213(10)M55021"
    ("ID", re.compile(r"\(\d{2}\)[0-9A-Z]+(?:\(\d{2,4}\)[0-9A-Z]+)+"), 0),
    # an Aadhaar number, masked or not ("XXXX XXXX 6619"); a Hong Kong identity card with its check digit ("K618204(3)")
    ("ID", re.compile(r"\b(?:[X\d]{4}[ \t-]){2}\d{4}\b(?=[ \t]*(?:$|[\n,;.)]))", re.M), 0),
    ("ID", re.compile(r"\b[A-Z]{1,2}\d{6,8}\([0-9A]\)"), 0),  # "HN21036654(8)" too
    ("ID", re.compile(r"\b\d{2}-\d{6,7}[ \t]?[A-Z][ \t]?\d{2}\b"), 0),  # a Zimbabwean national ID, "75-2147363 F 75"
    # a web address without its scheme ("kevtran.substack.com/p/last-post")
    ("URL", re.compile(r"(?<![@\w.])(?:[a-z0-9-]{1,63}\.){1,6}(?:com|org|net|edu|gov|io|co|info|me|app|blog|uk|ie|au|nz|in|hk|ph|"
                       r"gh|jm|za|ca|sg|ng|ke)(?:/(?:[^\s)\]>,;\"]*[^\s)\]>,;\".])?)?(?![\w@])"), 0),
    # an IPv4 address (a telehealth session's log)
    ("ID", re.compile(r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\d.]\d)"), 0),
    # a token of letters and digits, with hyphens or dots inside: hospital and insurance numbers, national IDs,
    # licences, serials ("HB2403160022", "S3412876J", "5584-221-907-KT", "RN.415522", "iPhone-7F3A2C91": their digits
    # alone were removed, or nothing; a blind review), when _looks_like_id says so. A dose ("1000mg") is a number
    # and its unit.
    ("ID_TOKEN", re.compile(r"(?<![\w@./-])(?=[\w.-]*[A-Za-z])(?=(?:[A-Za-z.-]*\d){5})(?![\d.,]+(?:[a-zµ%/][A-Za-z]*|IU|U|MU)(?![\w.-]))"
                      r"(?!(?:NCT|ISRCTN|ACTRN|ChiCTR|CTRI|rs|GSE|GSM|SRR|ERR|PXD|CHEMBL|PMC|PMID)\d)"
                      r"[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*(?![\w@-]|\.\w)"), 0),
    ("ID", re.compile(r"\b(?:MRN|NHS(?:\s+(?:no|number))?|SSN|Medical record(?: number)?|Record(?: no)?|"
                      r"Hosp(?:ital)?\.?(?=[ \t]*(?:no\b|no\.|number|#|:))|Unit (?:no|number)|Acct|CHI|Case (?:no|number)|"
                      r"Patient ID|ID|Account(?: no)?|Insurance(?: no)?|Policy(?: no)?|"
                      r"Licen[cs]e(?: no)?|Lic\.?(?=[ \t]*#?[ \t]*[A-Z]{0,2}\d))[ \t]*(?:#|no\.?|number|:)?[ \t]*:?[ \t]*([A-Z]{0,4}[-. \t]?\d[\d \t.-]{2,}\d)"
                      r"(?!\d|\.\d)(?![ \t]*(?:kg|g|mg|ml|mmol|cm|mm|%)\b)",
                      re.I), 1),  # on its line: "MRN 0928374\n12 Ardmore Avenue" took the house number (a blind review)
    ("ID", re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), 0),  # US social security number
    ("ID", re.compile(r"(?:\b\d{2}/)?\bXXX-XX-\d{4}\b"), 0),  # masked, with a sponsor's family prefix
    # a number after a label that says it is one ("VHT No.: WAK/NML/VHT/027", "Household No.: KTZ-HH-114", "Call sign:
    # A214"; kept, a blind review); not a bed, room, page or dose
    ("ID", re.compile(r"\b(?:VHT|CHW|CHV|(?i:household|member|membership|client|beneficiary|employee|staff|badge|folder|"
                      r"file|card|register|registration|enrol+ment|family|call|incident|claim|policy|account|passport|"
                      r"licen[cs]e|certificate|insurance|medicaid|medicare|household|house|art|ncd|anc|tb))[ \t]+"
                      r"(?i:no\.?|number|id|sign)[ \t]*[:#][ \t]*"
                      r"((?=(?:[A-Z/-]*\d){3})[A-Z0-9](?:[A-Z0-9]|[/-](?=[A-Z0-9])){2,24})(?![\w/-])(?![ \t]?\d)"), 1),
    # a clinician's registration number after its register ("APC 284117", "MCR M23871K", "GMC 4412345")
    ("ID", re.compile(rf"(?:\b(?:GMC|NMC|HCPC|AHPRA|NPI|DEA|PMDC|MDCN|SLMC|HPCSA|KMPDC|UMDPC|HPCZ|MDPCZ|BMDC|NZMC|MCNZ|NCNZ|CPSBC|CPSA|CPSM|CPSNS|CPSNB|CPSO|CMQ|NMBI|IMC)|"
                      rf"(?:(?<=,[ \t])|(?<=\())(?:APC|MCR|MMC|MCI|PRC))(?:[ \t]+(?i:no\.?|number|reg(?:istration)?))?[ \t]*[:#]?[ \t]*"
                      rf"(?!(?:19|20)\d\d\b)([A-Z]{{0,3}}\d{{4,8}}[A-Z]?)\b(?![/-]\w|[ \t]?\d|[ \t]*(?i:{UNITS})\b)"), 1),
    # an insurance group number and a shop's store number ("group 00482GK", "store 8812")
    ("ID", re.compile(r"(?:\b(?i:group|grp)[ \t]*(?:#|(?i:no\.?|number))?[ \t]*:?[ \t]*(?=\d*[A-Z])|(?<=,[ \t])(?i:group)[ \t]+)"
                      r"((?=(?:[A-Z]*\d){4})[A-Z0-9]{4,12})\b"),
     1),  # "group 00482GK" (not "age group 1865")
    ("ID", re.compile(r"(?<=(?i:pharmacy)[ \t])(?i:store)[ \t]*#?[ \t]*(\d{3,6})\b(?![ \t]*(?i:units?|doses?|tabs?))"), 1),
    # a police, incident or report number ("Police Department case 24-011873")
    ("ID", re.compile(r"\b(?i:case|incident|report|crime|ref(?:erence)?)[ \t]*(?:#|no\.?|number)?[ \t]*:?[ \t]*"
                      r"((?:[A-Z]{1,4}-)?\d{2,4}[-/]\d{4,8})\b"), 1),
    ("ID", re.compile(r"\b(?i:authori[sz]ation|auth|claim|incident[ \t]+ref\.?|report[ \t]+number|police[ \t]+(?:reference|ref\.?))"
                      r"(?:[ \t]+(?i:no\.?|number|#))?[ \t]*[:#]?[ \t]*(?:(?i:is)[ \t]+)?"
                      r"([A-Z]{1,5}(?:-[A-Z]{1,5})?-\d{2,4}-\d{2,6}(?:-\d{1,6})?)\b"), 1),  # "authorization PRC-24-00731"
    ("ID", re.compile(r"\b(?i:police[ \t]+(?:reference|ref\.?))[ \t]*[:#]?[ \t]*([A-Z]{2,4}[ \t]\d{2,6}/\d{2,4})\b"), 1),  # "OB 1147/24"
    # a vehicle, a device or a badge by its number ("TX plate KGR-4471", "registration JKL 715 GP", "badge #7731")
    ("ID", re.compile(r"\b(?i:plate|registration|reg\b\.?|VIN|serial(?:[ \t]+(?:no\.?|number))?|S/N|(?-i:SN)(?=[ \t:#])|device[ \t]+ID|"
                      r"badge|DEA|IMEI|passport(?:[ \t]+no\.?)?|HKID|TRN|(?-i:PAN)|NHIS(?:[ \t]+no\.?)?|PhilHealth(?:[ \t]+PIN)?)(?![A-Za-z])[ \t]*(?:#|no\.?|number)?[ \t]*[:#]?[ \t]*"
                      r"((?=[A-Z0-9 -]*\d)[A-Z0-9](?:[A-Z0-9-]|[ \t](?=[A-Z0-9]))*[A-Z0-9])\b"), 1),
    # a number read out digit by digit ("four eight five, seven seven seven ..."): six digits or more
    # (seven or more, with no "and" and no unit after: "ribs three, four, five, six, seven and eight" is a list, and
    # "five, five, four, five, five, four, five milligrams" a week of warfarin doses: a re-check)
    ("ID", re.compile(rf"\b(?i:(?:{DIGIT_WORD}[ \t,-]+){{6,}}{DIGIT_WORD})\b"
                      rf"(?![ \t,]*(?i:milligrams?|micrograms?|grams?|units?|mg|mcg|ml|millilitres?|tablets?|puffs?))"), 0),
    ("ID", re.compile(r"\b\d{3}\s\d{3}\s\d{4}\b(?=.{0,0})"), 0),  # NHS number 943 476 5919
    # an NHS number said as numbers in words ("NHS number one hundred and forty three, four hundred and seventy six,
    # five thousand nine hundred and nineteen"; the recogniser wrote "NHS Umbur, I one hundred ...": a clinical-safety
    # review found it kept): five number words or more within three words of "NHS"
    ("ID", re.compile(rf"\bNHS\b(?:[ \t,.:]+[A-Za-z]+){{0,3}}?[ \t,.:]+((?i:{NUMBER_WORD}\b(?:[ \t,-]+(?:and[ \t]+)?"
                      rf"{NUMBER_WORD}\b){{4,}}))"), 1),
    # a year after a date of birth the date rules left ("date of birth, 3rd of March, I 1962": a re-check)
    ("DATE", re.compile(r"\b(?i:date[ \t]+of[ \t]+birth)\b[^.\n]{0,40}?(?<![\w/.:-])((?:19|20)\d{2})(?![\w/.:-])"), 1),
    ("PHONE", re.compile(r"(?:(?<=\s)|^|(?<=[(:]))(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)\s?|\d{2,5}[\s.-])\d{3,4}[\s.-]\d{3,4}\b"
                         r"(?:,?[ \t]*(?i:ext|extn|x|extension)\.?[ \t]*\d{1,5}\b|[ \t]*#\d{2,5}\b)?"), 0),  # with its extension
    ("PHONE", re.compile(r"(?:\+44[ \t]?|\b0)7\d{3}[ \t]?\d{6}\b"), 0),  # UK mobile 07700 900461
    ("PHONE", re.compile(r"\b03\d{2}[ \t-]\d{7}\b"), 0),  # a Pakistani mobile, 0321 5550448
    ("PHONE", re.compile(r"\b0\d{2,4}[ \t-]\d{6,8}\b|\b9[78]\d{2}-\d{6}\b"), 0),  # "0484 2301999", "09610-223344", "9841-362709"
    # UK landline in two groups, 01424 755255, (01424) 755255, +44 1424 755255, 01424755255 (a review found
    # them kept: the rule above wants three groups)
    ("PHONE", re.compile(r"(?:\+44[ \t]?(?:\(0\)[ \t]?)?|\(?\b0)\d{3,4}\)?[ \t]?\d{6}\b"), 0),
    # any number of 6 or more digits a label calls a phone or fax number ("Phone: 0142475525", "tel 555 0143")
    ("PHONE", re.compile(r"\b(?i:bleep|bleeps|pager|pgr|ext|extension)\.?(?:[ \t]+(?i:no\.?|number))?[ \t]*[:#]?"
                         r"[ \t]*(?:(?i:on)[ \t]+)?(\d(?:[-.]?\d){2,9})\b"), 1),  # "bleep the registrar on 2784" below
    ("PHONE", re.compile(r"\b(?i:bleep|page)[ \t]+(?:the[ \t]+)?[A-Za-z ]{2,30}?[ \t]+on[ \t]+(\d{3,6})\b"), 1),
    ("PHONE", re.compile(rf"(?=\(?[A-Za-z -]{{2,20}}[),][ \t]*\d{{4}}[ \t]\d{{4}})(?:\((?i:{RELATIONS})\)|\b(?i:{RELATIONS}),)[ \t]*(\d{{4}}[ \t]\d{{4}})\b(?![ \t]*(?:[-/.]?\d|(?i:{UNITS})\b))"), 1),
    ("PHONE", re.compile(r"\bPh\.?:[ \t]*(\+?\(?\d(?=(?:[^\d\n]{0,3}\d){5})[\d \t()-]{4,}\d)\b"), 1),  # "Ph: 650 0192"
    ("PHONE", re.compile(r"\b(?i:tel|telephone|phone|mobile|mob|fax|landline|cell|cellphone|whatsapp|HP)\.?(?:[ \t]+(?i:no\.?|number))?[ \t]*[:#]?"
                         r"[ \t]*(\+?\(?\d[\d \t()-]{4,}\d)\b"), 1),
    # after the phone rules ("Fax no:" is a phone); any other labelled number: a label ending in No, ID, # or ref, or the name of a health or professional
    # identifier of another country, before a token with four digits or more ("PPSN 1234567TA", "URN GH448201",
    # "NHI ZGT4471", "UHID SRMC/2024/118734", "HCPC OT71234", "Medicare ID 1EG4-TE5-MK73", "Medical Council No.
    # 412389"; kept, a blind review). A bare acronym is not enough: drug codes ("CGP 37849") and antibodies are not.
    ("ID", re.compile(r"(?:(?<=[A-Za-z][ \t])#|(?<=[A-Za-z])#|\b(?:(?:[A-Z][A-Za-z'’]*[ \t]+)?(?i:no\.|no\b|number|id|ref)|PPSN|PPS|URN|UR|NHI|UHID|IHI|MCRN|"
                      r"HCPC|GMC|NMC|AHPRA|NPI|MBI|MCNZ|HPCSA|IMC|NMBI|CPSO|PMDC|HRN|Medicare|Medicaid|"
                      r"member(?:[ \t]+(?:ID|no\.?|number))?))[ \t]*[:#]?[ \t]*"
                      r"((?:[A-Z]{2,4}[ \t](?=\d))?(?=[A-Z0-9/-]*\d(?:[A-Z/-]*\d){3})[A-Z0-9][A-Z0-9/-]{2,}[A-Z0-9]"
                      r"(?:[ \t]\d{1,5}){0,2}(?:/\d)?)\b"), 1),
    # after the phone rules, any run of eight digits or more (no dose, count or result is written so): "94347659 19" was kept
    # digits in three hyphenated groups or more, ten or more ("12-050178334-6"; a phone's were taken above)
    ("ID", re.compile(r"(?<!NDC[ \t])(?<!NDC:[ \t])(?<![\w-])(?=(?:-?\d){10})\d{1,12}(?:-\d{1,12}){2,}(?![\w-])"), 0),  # an NDC is a drug's
    ("ID", re.compile(r"(?<![\d.,])(?:\b[A-Z]{2,4}[ \t])?\d{8,}(?![\d.,]\d)"), 0),
    # seven digits in one run, a local phone or record number (a dictated "double 4, 72, 991"), not a count of
    # copies, cells or units ("benzylpenicillin 1200000 units")
    ("ID", re.compile(r"(?<![\d.,])(?:\b[A-Z]{2,4}[ \t])?\d{7}(?![\d.,]\d)"
                      r"(?![ \t]*(?:/|(?i:copies|cells|iu|units?|international)\b))"), 0),
    ("DATE", re.compile(rf"\b{WEEKDAYS}[ \t]+\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}\.?,?\s+\d{{2,4}}\b", re.I), 0),
    ("DATE", re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTHS}\.?,?\s+\d{{2,4}}\b", re.I), 0),
    ("DATE", re.compile(rf"\b{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,\s*|\s+)\d{{2,4}}\b", re.I), 0),
    ("DATE", re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), 0),
    ("DATE", re.compile(r"\b\d{4}[/.](?:0?[1-9]|1[0-2])[/.](?:0?[1-9]|[12]\d|3[01])\b"), 0),  # 2024/06/12
    ("DATE", re.compile(r"(?<![\d/.])(?:0?[1-9]|1[0-2])/(?:19|20)\d{2}\b(?![/.]\d)"), 0),  # a month and year, "Tdap 3/2019"
    # a month and day without the year after a word of time ("visited Sunday 10/13", "from 1/13 through 1/27", "on
    # 21/01"); not a dose ("on 1/2 tablet") nor the UK's days and weeks ("on 5/7", "2/52") unless a weekday says so
    # a range of them ("from 24/2 to 3/3")
    ("DATE", re.compile(r"\b(?i:from|between)[ \t]+((?:[12]?\d|3[01])/(?:0?[1-9]|1[0-2])[ \t]+(?i:to|and|until|-|–)[ \t]+"
                        r"(?:[12]?\d|3[01])/(?:0?[1-9]|1[0-2]))(?![/\d])"), 1),
    ("DATE", re.compile(rf"(?:\b(?i:on|from|through|thru|until|till|since|dated|by|before|after|for|seen|reviewed|"
                        rf"admitted|discharged|visited|returned|return|review|due|contact|yesterday|today|tonight|tomorrow|"
                        rf"scheduled|suspended|started|stopped|restarted|held|drawn|collected|done|performed|booked|"
                        rf"planned|called|call|adm|visit|fall|fell|last|next|start|starts|resumed|d/c|f/u|check|ED|"
                        rf"presented)[ \t]+"
                        rf"(?!(?:[1-6]/7|(?:[1-9]|1[01])/12|\d{{1,2}}/52)(?!\d))|\b(?:[01]?\d|2[0-3]):[0-5]\d[ \t]+(?!\d{{1,2}}/10\b)|\b{WEEKDAYS}[ \t]+|\b(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?[ \t]+)"
                        r"(?<![\d/])((?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?:[–-](?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))?|"
                        r"(?:1[3-9]|2\d|3[01])/(?:0?[1-9]|1[0-2]))"
                        rf"(?![/\d]|\.\d)(?![ \t]*(?i:{COUNTED}|of|mg|ml|tabs?|doses?|strength|mm[ \t]?hg)\b)"), 1),
    ("DATE", re.compile(rf"\b(?:{WEEKDAYS}|(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.?)[ \t]+(?:the[ \t]+)?"
                        rf"(?:[12]?\d|3[01])(?:st|nd|rd|th)\b(?:[ \t]+(?:of[ \t]+)?{MONTHS}\b\.?(?:,?[ \t]+\d{{4}}\b)?)?"), 0),
    ("DATE", re.compile(rf"\b(\d{{1,2}}(?:st|nd|rd|th))(?=(?:,|[ \t]+and|[ \t]+&)[ \t]+\d{{1,2}}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?{MONTHS}\b)"), 1),
    # a date said aloud: "the fourth of March", "twelfth of may nineteen thirty one", "March fourth twenty twenty-four",
    # "monday the eleventh" (a blind corpus of dictations)
    # (a month first only with its capital: "I may first check" is no date)
    ("DATE", re.compile(rf"\b(?:(?i:(?:the[ \t]+)?{ORDINAL_DAY}[ \t]+of[ \t]+{MONTHS}(?:[ \t,]+{YEAR_SAID})?)|"
                        rf"(?-i:{MONTHS})[ \t]+(?i:(?:the[ \t]+)?{ORDINAL_DAY}(?:[ \t,]+{YEAR_SAID})?)|"
                        rf"(?i:(?:mon|tues|wednes|thurs|fri|satur|sun)day[ \t]+the[ \t]+{ORDINAL_DAY}(?:[ \t]+of[ \t]+{MONTHS})?))"
                        rf"\b(?!-)"), 0),
    # a chief by his initials and name ("Grandfather Chief S. O. Akanni"; "Chief Complaint" is a heading)
    ("NAME", re.compile(rf"\bChief[ \t]+((?:[A-Z]\.[ \t]?){{1,3}}{NAME_WORD})"), 1),
    # a name spelled out ("Raymond Banks, B-A-N-K-S")
    ("NAME_AS_IS", re.compile(r"\b[A-Z](?:-[A-Z]){2,}\b"), 0),
    # a number said digit by digit after its label ("m r n two two four six eight one", "extension two oh four")
    ("ID", re.compile(rf"\b(?i:m[ \t]?r[ \t]?n|mrn|nhi|nhs(?:[ \t]+number)?|record[ \t]+number|hospital[ \t]+number)[ \t]+"
                      rf"((?i:{DIGIT_WORD}(?:[ \t,-]+{DIGIT_WORD}){{2,}}))\b"), 1),
    ("PHONE", re.compile(rf"\b(?i:extension|ext|bleep|pager)[ \t]+((?i:{DIGIT_WORD}(?:[ \t,-]+{DIGIT_WORD}){{2,}}))\b"), 1),
    # a day of the month alone, "on Monday the 11th", "last Friday, the 16th"; not "on the 2nd attempt"
    ("DATE", re.compile(rf"(?:\b(?i:on|by|from|until|till|since|before|after|of|for)[ \t]+(?:{WEEKDAYS}[ \t]+)?|"
                        rf"\b{WEEKDAYS}[ \t]+)(the[ \t]+(?:[12]?\d|3[01])(?:st|nd|rd|th)(?:[ \t]+of[ \t]+{MONTHS}\b|\b"
                        r"(?=[ \t]*(?:[.,;:)\n]|$)|[ \t]+(?:if|when|at|in|as|but|so|unless|with|confirmed|showed|revealed|"
                        r"after|before|for|from|by|until|because|to[ \t]+the|and[ \t]+(?:was|is|he|she|they|returned|will|now))\b)))",
                        re.M), 1),
    # a dated entry at a line's start ("09/05 — Telephone encounter"), a range of days ("2–9 July")
    ("DATE", re.compile(r"^[ \t]*((?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])|(?:1[3-9]|2\d|3[01])/(?:0?[1-9]|1[0-2]))"
                        r"(?=[ \t]*[—–:-][ \t]|[ \t]{3,}\d)", re.M), 1),  # and a table's dated row, "04/03     11.2"
    ("DATE", re.compile(rf"\b(?:[12]?\d|3[01])[–-](?:[12]?\d|3[01])(?:st|nd|rd|th)?[ \t]+{MONTHS}\b(?:[ \t]+\d{{4}})?"), 0),
    ("DATE", re.compile(rf"\b{MONTHS}\.?[ \t]+(?:[12]?\d|3[01])(?:st|nd|rd|th)?[–-](?:{MONTHS}\.?[ \t]+)?(?:[12]?\d|3[01])"
                        rf"(?:st|nd|rd|th)?\b(?![/\d])"), 0),
    ("DATE", re.compile(r"(?<![\d/])((?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])[–-](?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01]))"
                        r"(?![/\d])"), 1),  # "9/30-10/1"
    ("DATE", re.compile(rf"\b{MONTHS}-\d{{1,2}}-\d{{2,4}}\b"), 0),  # "Jan-05-2024", as US record systems print it
    ("DATE", re.compile(rf"\b\d{{4}}-{MONTHS}-\d{{1,2}}\b|(?<!\d[-/])\b{MONTHS}-\d{{4}}\b|\b{MONTHS}\.?[ \t]+['’]\d{{2}}\b"), 0),
    # a day and month with a time of day ("05/06 11:05 - Visit by ...")
    ("DATE", re.compile(r"(?<![\d/])((?:0?[1-9]|[12]\d|3[01])/(?:0?[1-9]|1[0-2]))(?=[ \t]+(?:[01]?\d|2[0-3]):[0-5]\d\b)"), 1),
    ("DATE", re.compile(r"\b\d{1,2}(?:/\d{1,2}/|\.\d{1,2}\.|-\d{1,2}-)\d{2,4}\b"), 0),  # one separator: "co-careldopa 12.5/50" is a dose
    ("DATE", re.compile(rf"\b{MONTHS}\s+\d{{4}}\b", re.I), 0),
    # a day and month without the year is still a date of the patient's care ("admitted on 3 March"); months
    # capitalised here, so "may 2" (the verb) is left
    ("DATE", re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}\b"), 0),
    # on one line, a full stop only after an abbreviated month, and not a count: "in August.\n2 day hx" and "Since
    # June 2 episodes" lost "2 day" and "2 episodes" (a privacy review)
    ("DATE", re.compile(rf"\b{MONTHS}(?:(?<=\b[A-Za-z]{{3}})\.|(?<=\bSept)\.)?[ \t]+\d{{1,2}}(?:st|nd|rd|th)?\b"
                        rf"(?![.:/]?\d)(?![ \t]*(?:mg|ml|mL|g|kg|%))(?![ \t]+(?i:{COUNTED})\b)"), 0),
    ("DATE", re.compile(rf"\b\d{{1,2}}[-/]{MONTHS}[-/]\d{{2,4}}\b", re.I), 0),  # 05-Feb-2025
    # a flat before the number, a possessive or a compass point in the street, more kinds of street ("Flat 3, 88
    # King's Road", "4510 N Sheridan Rd", "41 Sydenham Hill" were kept: a privacy review)
    ("ADDRESS", re.compile(rf"\b(?:Flat|Apt\.?|Apartment)[ \t]+\d{{1,4}}[A-Z]?,[ \t]+(?:{PLACE_WORD}[ \t]+){{1,3}}"
                           r"(?:Court|House|Lodge|Mansions|Tower|Heights|Place|Building|Apartments)\b"), 0),
    # a house number with its letter ("14a") or said in words ("fourteen Maple Road", as a dictation may give it)
    # (a flat, suite, level or block before it, "Flat 2F1, 37 Easter Road", "Level 1, 640 Pittwater Road", "3/21
    # Sydney Road", and a suite, flat or unit after it, "1967 Riverside Drive, Suite 300": a blind review)
    ("ADDRESS", re.compile(rf"(?:#\d{{1,5}}[ \t]*[-–][ \t]*(?=\d))?\b(?:(?:Flat|Apt\.?|Apartment|Unit|Suite|Level|Floor|Shop|House[ \t]+No\.?)[ \t]+"
                           rf"[0-9A-Z]{{1,5}}(?:/\d{{1,2}})?(?:,?[ \t]+(?:(?:Blk|Block)[ \t]+[0-9A-Z]{{1,3}},?[ \t]+)?|/)"
                           rf"(?:(?:\d{{1,4}}/)?\d{{1,5}}[A-Za-z]?[ \t]+)?|"
                           rf"(?:(?:Blk|Block)[ \t]+)?(?:\d{{1,4}}/)?(?:(?<![:\d])\d{{1,5}}[A-Za-z]?(?:[–-]\d{{1,5}})?|{HOUSE_NUMBER_WORDS})"
                           rf"[ \t]+)(?:(?:[NS][EW]|[NSEW])\.?[ \t]+)?"
                           rf"(?:(?:[{UPPER}][{LOWER}]+(?:['’]s)?[ \t]){{1,3}}{STREET}|Broadway)\b(?!(?<=Dr)[ \t]+(?!Apt|Suite|Ste|Unit|Flat|North|South|East|West)[A-Z][a-z])"
                           rf"{STREET_ABBREVIATION_DOT}"
                           r"(?:[ \t](?:[NS][EW]|[NSEW]|North|South|East|West)\b(?![ \t]+[A-Z]))?"
                           r"(?:[ \t]\d{1,3}(?=,|\s))?"
                           r"(?:,?[ \t]+(?:(?i:suite|ste\.?|apt\.?|apartment|unit|flat|floor|bldg\.?|building)|#)[ \t]*#?[0-9A-Z][0-9A-Z-]{0,7}\b)?"
                           r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)?"  # the town after the street, too
                           r"(?:,?[ \t]+\d{4}(?=[ \t]*(?:$|[\n.;])))?", re.M), 0),  # and its postcode ("Manurewa 2102.")
    ("ADDRESS", re.compile(rf"\b\d{{1,5}},?[ \t]+(?i:rue|avenue|boulevard|chemin|route|allée|place)[ \t]+"
                           rf"(?:(?:de|du|des|la|le)[ \t]+)*{PLACE_WORD}(?:-{PLACE_WORD})*"
                           r"(?:,?[ \t]+(?i:unit|app\.?|apt\.?|suite|bureau)[ \t]*\d{1,5})?"), 0),  # "212 rue Principale, unit 4"
    ("ADDRESS", re.compile(rf"\b\d{{1,4}}[A-Za-z]?[ \t]+{PLACE_WORD}(?:[ \t]+{PLACE_WORD})?(?=,[ \t]*{PLACE_WORD}"
                           rf"(?:[ \t]+{PLACE_WORD})?,?[ \t]+{UK_AREA}\d[A-Z\d]?[ \t]*\d[A-Z]{{2}}\b)"), 0),
    ("ADDRESS", re.compile(rf"\b(?!(?:Phone|Tel|Telephone|Mobile|Home|Contact|Number|Ph)\b){PLACE_WORD}[ \t]*\(H\)"), 0),
    ("ADDRESS", re.compile(rf"\b(?:(?:Plot|House|Room|Street|Sector|Block|Blk|Lot|Phase|Building|Bldg|Flat|No\.?|Door[ \t]+No\.?|"
                           rf"H\.[ \t]?No\.?)[ \t]*\d[0-9A-Z/-]*(?:,[ \t]*|[ \t]+)){{2,5}}"
                           rf"(?:(?:Mohalla|Colony|Nagar)[ \t]+{PLACE_WORD}|(?:{PLACE_WORD}[ \t]+){{1,3}}"
                           rf"(?:Road|Street|St\.?|Lane|Chawl|Nagar|Colony|Avenue|Rd\.?))?"), 0),
    ("ADDRESS", re.compile(rf"\b(?:No\.?[ \t]*)\d{{1,4}}(?:/\d{{1,3}})?[A-Z]?,[ \t]*(?:{PLACE_WORD}[ \t]+){{1,3}}"
                           rf"(?:Road|Street|St\.?|Lane|Avenue|Rd\.?)"), 0),  # "No. 42/1, Peradeniya Road"
    ("ADDRESS", re.compile(rf"(?:\bNo\.?[ \t]*\d{{1,4}}[A-Z]?,[ \t]*)?\b(?:Jalan|Lorong|Lebuh|Persiaran|Lrg\.?|Jln\.?|Jl\.)[ \t]+(?:{PLACE_WORD}|[A-Z]{{1,3}}(?=[ \t]?\d))(?:[ \t]+(?:{PLACE_WORD}|"
                           rf"\d{{1,4}}(?:/\d{{1,4}})?)){{0,3}}"), 0),
    ("PLACE", re.compile(rf"\b((?:Taman|Kampung|Kg\.)[ \t]+{PLACE_WORD}(?:[ \t]+{PLACE_WORD}){{0,2}})"), 1),  # "Kizhakkethil (H)": a house's name in Kerala
    # a street as Puerto Rico, Spain and Malta write it, its noun first ("5314 Calle Nogal", "Ave. Rafael Cordero 450",
    # "Carr. 175 Km 3.2", "Urb. Villa del Carmen", "Triq San Ġużepp")
    ("ADDRESS", re.compile(rf"\b(?:\d{{1,5}}[ \t]+)?(?:Calle|Avenida|Carr\.(?=[ \t]+\d{{1,4}}[ \t]+Km\b)|Carretera|Urb\.|Urbanizaci[oó]n|Triq|Sqaq)"
                           rf"(?:[ \t]+(?:(?:del|de|las|la|los|el)(?!\w)|Km[ \t]+\d{{1,3}}(?:\.\d)?|San|Santa|Sta\.|{PLACE_WORD}|"
                           rf"\d{{1,4}}(?:[ \t]?[A-Z]-\d{{1,3}})?(?![\d.]))){{1,5}}"), 0),
    ("LOCATION!", re.compile(rf"\b(Colonia[ \t]+(?:(?:Los|Las|La|El|San|Santa)[ \t]+)?{PLACE_WORD})"), 1),  # a colonia (Texas)
    ("POSTCODE", re.compile(r"\bBB\d{5}\b"), 0),  # Barbados
    # Malta's, on a line that says Malta ("Santa Venera SVR 1012, Malta"; "ETA 1300" is a time)
    ("POSTCODE", re.compile(r"(?<=[a-zà-ÿġħżċ][ \t])[A-Z]{3}[ \t]\d{4}\b(?=[ \t]*(?:[,.\n]|$))(?=[^\n]*\bMalta\b)", re.M), 0),
    ("PLACE", re.compile(rf"\b((?:St\.?[ \t]+)?{PLACE_WORD}(?:[ \t]{PLACE_WORD})?)(?=[ \t]+(?:BB\d{{5}}\b|"
                         rf"[A-Z]{{3}}[ \t]\d{{4}}\b(?=[^\n]*\bMalta\b)))"), 1),
    ("ADDRESS", re.compile(r"\b(?:P\.?[ \t]?O\.?[ \t]*Box|Private[ \t]+Bag)[ \t]*\d{1,6}(?:-\d{5})?\b"), 0),
    # a numbered street ("CVS on W 38th St")
    ("ADDRESS", re.compile(r"\b(?:\d{1,5}[ \t]+)?(?:(?:[NSEW]|North|South|East|West)\.?[ \t]+)?\d{1,3}(?:st|nd|rd|th)[ \t]+"
                           r"(?:Street|St|Avenue|Ave|Road|Rd)\b(?:,?[ \t]+(?:Apt\.?|Suite|Unit|#)[ \t]*[0-9A-Z]{1,5}\b)?"), 0),
    # a Bengaluru address by cross and main road ("No. 14, 3rd Cross Road", "#221, 5th Main")
    ("ADDRESS", re.compile(r"(?:\b(?:No\.?|H\.[ \t]?No\.?)[ \t]*|#)\d{1,4}[A-Z]?,[ \t]*(?:\d{1,2}(?:st|nd|rd|th)[ \t]+(?:Cross|Main)"
                           r"(?:[ \t]+Road)?|\d{2,3}[ \t]+Feet[ \t]+Road)(?:,[ \t]*\d{1,2}(?:st|nd|rd|th)[ \t]+(?:Cross|Main)(?:[ \t]+Road)?)?\b"), 0),
    # an Indian locality by its block, stage or layout ("Koramangala 4th Block", "HSR Layout")
    ("PLACE", re.compile(r"\b((?:[A-Z][a-z]{2,}|[A-Z]{2,4})[ \t]+(?:\d{1,2}(?:st|nd|rd|th)[ \t]+(?:Block|Stage|Phase)|Layout))\b"), 1),
    # Welsh and Irish places by their first syllables ("Llandeilo", "Llangadog", "Ballyfermot"), whatever their size
    # (not before another name's word: "Llanelli Community Mental Health Team" is the team's rule's)
    ("LOCATION!", re.compile(r"\b(?:Llan[a-zâêîôûŵŷ]{3,}|Bally(?!hoo)[a-z]{3,})\b(?![ \t]+[A-Z])"), 0),
    # a Welsh street or house ("Stryd Fawr", "Heol y Ffynnon", "Tŷ Capel")
    ("ADDRESS", re.compile(rf"(?:\b\d{{1,4}}[A-Za-z]?[ \t]+)?\b(?:Stryd|Heol|Ffordd|Lôn|Rhodfa|Tŷ)[ \t]+(?:(?:y|yr)[ \t]+)?{PLACE_WORD}"
                           rf"(?:[ \t]+{PLACE_WORD})?"), 0),
    # a UK postcode of a real area, and a US ZIP after a state's code ("CD45RA", "C57BL" and "CGP 37849" are a cell
    # marker, a mouse strain and a drug: they were removed from the abstracts)
    ("POSTCODE", re.compile(rf"\b{UK_AREA}\d[A-Z\d]?\s*\d[A-Z]{{2}}\b"), 0),
    ("POSTCODE", re.compile(rf"(?<=\b{US_STATE}\s)\d{{5}}(?:-\d{{4}})?\b"), 0),
    ("POSTCODE", re.compile(rf"\b(?:{US_STATE_NAME}),?[ \t]+(\d{{5}}(?:-\d{{4}})?)\b"), 1),  # "Parma, Ohio 44134-2210"
    # a UK postcode district alone ("LS6"), after the word postcode or after a house, its street and its town
    # ("14 Maple Road, Leeds LS6": kept, a re-check); never alone, where it is a vertebra, a nerve root or a
    # vitamin (L5, S1, B12)
    ("POSTCODE", re.compile(rf"(?:\b(?i:post[ \t-]?code|postal[ \t]+code)(?:[ \t]+(?i:is|was))?[ \t]*[:,-]?[ \t]*|"
                            rf"\b(?:\d{{1,5}}[A-Za-z]?|{HOUSE_NUMBER_WORDS})[ \t]+(?:[NSEW]\.?[ \t]+)?"
                            rf"(?:[A-Z][a-z]+(?:['’]s)?[ \t]){{1,3}}{STREET}\b\.?,?[ \t]+"
                            rf"(?:[A-Z][a-z]+(?:[ \t][A-Z][a-z]+)?,?[ \t]+)?)"
                            rf"({UK_AREA}\d[A-Z\d]?)\b(?![ \t]*\d[A-Z]{{2}})"), 1),
    # Irish Eircode "P31 X2Y7" (routing key, then four of its 25 characters with a letter and a digit), Canadian
    # "M5V 3L9", Australian "VIC 3216" (four digits only after a state's code)
    ("POSTCODE", re.compile(r"\b(?:[AC-FHKNPRTV-Y]\d{2}|D6W)[ \t](?=[0-9AC-FHKNPRTV-Y]{0,3}\d)"
                            r"(?=[0-9AC-FHKNPRTV-Y]{0,3}[AC-FHKNPRTV-Y])[0-9AC-FHKNPRTV-Y]{4}\b"), 0),
    # (Canadian with its space: "T2N1M0" is a tumour's stage)
    ("POSTCODE", re.compile(r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ \t]\d[ABCEGHJ-NPRSTV-Z]\d\b"), 0),
    ("POSTCODE", re.compile(rf"\b[A-Z][a-z]+,?[ \t]+{AU_STATE}[ \t]+(\d{{4}})\b"), 1),
    # an Indian PIN, labelled ("PIN 600116", "Pincode: 600 020"); after a town it is found with the town
    ("POSTCODE", re.compile(r"\bSingapore[ \t]+(\d{6})\b"), 1),
    ("POSTCODE", re.compile(rf"(?:,[ \t]*|^)(\d{{5}})(?=[ \t]+{PLACE_WORD}(?:[ \t]+{PLACE_WORD})?,[ \t]*(?:Selangor|Johor|Kedah|Kelantan|"
                            rf"Melaka|Negeri[ \t]+Sembilan|Pahang|Perak|Perlis|Pulau[ \t]+Pinang|Penang|Sabah|Sarawak|Terengganu|"
                            rf"Kuala[ \t]+Lumpur|Putrajaya|Labuan|Wilayah)\b|[ \t]+(?!(?i:units?|iu|cells|copies|mg|mcg|ml)\b){PLACE_WORD}"
                            rf"(?:[ \t]+{PLACE_WORD})?[ \t]*$)", re.M), 1),
    ("POSTCODE", re.compile(r"\b(?:Kerala|Tamil[ \t]+Nadu|Karnataka|Maharashtra|Gujarat|Punjab|Haryana|Rajasthan|Bihar|Odisha|"
                            r"Telangana|Andhra[ \t]+Pradesh|Uttar[ \t]+Pradesh|Madhya[ \t]+Pradesh|West[ \t]+Bengal|Assam|"
                            r"Delhi|Goa|Jharkhand|Chhattisgarh|Uttarakhand|Himachal[ \t]+Pradesh)[ \t]*[-–,]?[ \t]*"
                            r"([1-9]\d{2}[ \t]?\d{3})\b"), 1),
    ("POSTCODE", re.compile(r"\b(?i:pin(?:[ \t]?code)?)[ \t]*[:-]?[ \t]*([1-9]\d{2}[ \t]?\d{3})\b"), 1),
    ("AGE>89", re.compile(r"\b(9\d|1[0-1]\d)(?=[\s-]*(?:years?|yrs?|y/?o|year-old|-year-old)\b)", re.I), 1),
    ("AGE>89", re.compile(rf"\b(?i:aged?|age:|age[ \t]*/[ \t]*sex[ \t]*:|turned|turns)\s*({AGE_OVER_89})\b"
                          rf"(?![ \t]*(?:%|(?i:percent|per|kg|mmhg|bpm)\b))"), 1),
    # in words, before "years old" ("ninety-three years old", "a ninety-three-year-old": kept, a re-check)
    ("AGE>89", re.compile(rf"\b({AGE_OVER_89})(?=[ \t-]*(?:(?i:years?[ \t-]+old|year-old|years[ \t]+of[ \t]+age|yo|yrs?[ \t]+old)\b|(?i:y/o|y\.o\.)))"), 1),
    ("AGE>89", re.compile(rf"\b[MF][ \t]?/[ \t]?(9\d|1[0-1]\d)\b(?![ \t]*(?i:{UNITS}|lbs?)\b)"), 1),  # "M/91", "M / 92"
    ("AGE>89", re.compile(rf"(?:\b(?i:{RELATIONS})|\b(?!(?i:heart|resp|respiratory|pulse|blood|oxygen|sats?|weight|glucose|"
                          rf"temp|temperature|systolic|diastolic)\b){NAME_WORD}[ \t]+{NAME_WORD})[ \t]*"
                          rf"\((9\d|1[0-1]\d|{AGE_OVER_89})(?=[ \t]*[,)])"), 1),  # "mother (94,"
    ("AGE>89", re.compile(r"\b(?i:lived|live|living)[ \t]+to[ \t]+(?:be[ \t]+)?(9\d|1[0-1]\d)\b(?![.\d])"), 1),  # "lived to 101"  # sex and age, "M/91" (a blind review)
    # "(92 y)", "90F", "Mrs Okeke, 96, fell" (a privacy review)
    ("AGE>89", re.compile(r"\b(9\d|1[0-1]\d)(?:[ \t]?(?:y|yo|yrs?|y\.o\.)(?=[\s,.;)])|(?:F|M|yF|yM)\b)"), 1),
    ("AGE>89", re.compile(rf"\b{TITLES}[ \t]+(?:{INITIALS})?{NAME_WORD}(?:[ \t]+{NAME_WORD})?,[ \t]+({AGE_OVER_89})"
                          rf"(?=[ \t]*(?:[,)]|={{2,}}|$)|[ \t]{{2,}})", re.M), 1),
    ("AGE>89", re.compile(rf"\b{NAME_WORD}(?:[ \t]+(?:{NAME_WORD}|[\"“][^\"”\n]{{1,15}}[\"”])){{0,2}}[ \t]+{CAPS_WORD},[ \t]+"
                          rf"({AGE_OVER_89})(?=[ \t]*(?:[,)]|={{2,}}|$)|[ \t]{{2,}})", re.M), 1),
    # (two titles in a row, "Dato' Hj. Zulkifli bin Osman"; a Malay name in capitals, "Datin NORAINI BINTI ABDUL RAHMAN")
    # a Chinese name family name first: in capitals before its given names ("CHEUNG Mei Ling", "AU-YEUNG Hoi Yan"), or
    # before a hyphenated Cantonese given name ("Leung Chi-keung", "Ho Ka-yee"); _chinese_name checks the syllables
    ("CHINESE", re.compile(rf"\b((?!(?:HE|SO|LAW|LOW|SUN|SONG|PAN|WAN|DU|YE|SU|LU|HU|DONG|DING|MAN|HAN|TONG|IP)\b){CHINESE_SURNAMES.upper()}[ \t]+[A-Z][a-z]{{1,6}}(?:-[a-z]{{2,6}}|[ \t]+[A-Z][a-z]{{1,6}})?"
                           rf"(?:,?[ \t]+[A-Z][a-z]{{2,10}}(?=[ \t]*[,)(]))?|"
                           rf"{CHINESE_SURNAMES}[ \t]+[A-Z][a-z]{{1,5}}-[a-z]{{2,6}})\b"), 1),
    # a facility named in Spanish, Vietnamese or Gaelic, its noun first ("Hospital San Gabriel de Caguas")
    ("LOCATION!", re.compile(rf"\b((?:Hospital(?=[ \t]+(?:San|Santa|Santo|General[ \t]+de|Universitario|Regional[ \t]+de|del|de)\b)|"
                             rf"Cl[ií]nica|Centro[ \t]+de[ \t]+Salud(?:[ \t]+{PLACE_WORD})?|Escuela|Colegio|Farmacia|Iglesia|"
                             rf"Parroquia|Nh[aà][ \t]+Thu[oố]c|Ionad[ \t]+Sl[aà]inte|Sgoil)"
                             rf"(?:[ \t]+(?:(?:de|del|la|las|los|el|na|a)[ \t]+)?(?:San|Santa|Santo|{PLACE_WORD})){{1,4}})"), 1),
    # wife, son or daughter of ("W/O Murugan Ramasamy"); not "S/O Pneumonia" (suggestive of), "D/O" a disorder: the
    # words must be a name's (_relative_name)
    ("RELATIVE_OF", re.compile(rf"\b(?:W|S|D)/O\.?[ \t]+({FULL_NAME})"), 1),
    ("NAME", re.compile(rf"\b((?:Md|Mohd|Muhd)\.?[ \t]+{NAME_WORD}[ \t]+{FULL_NAME})"), 1),  # "Md. Shahidul Islam"
    # Korean names, the given name's syllables joined by a hyphen ("Eun-ji Seo", "Kang, Dong-hyun", "Baek Jae-won")
    ("KOREAN", re.compile(rf"\b((?:{KOREAN_SURNAMES},?[ \t]+)?([A-Z][a-z]{{1,4}})-([a-z]{{2,4}})(?:[ \t]+{KOREAN_SURNAMES})?)\b(?!-)"), 1),
    ("TITLED", re.compile(rf"\b{TITLES}\s+(?:{TITLES}\s+)?((?:{INITIALS})?(?:{CAPS_NAME}|{CAPS_WORD}[ \t]+[A-Z][a-z]+-[a-z]+\b|"
                          rf"{CAPS_WORD}(?:[ \t]+(?:BIN|BINTI|BINTE|BT|BTE|A/L|A/P|S/O|D/O)[ \t]+{CAPS_WORD}(?:[ \t]+{CAPS_WORD})?)?"
                          rf"(?![a-z])|"
                          rf"(?:(?:{LOWER_PARTICLE}|{PARTICLE})[ \t]){{0,2}}{FULL_NAME}"
                          rf"(?:[ \t]+[A-Z]\.(?:[A-Z]\.)?(?=[ \t]*[),;\n]|[ \t]+\())?))"), 1),
    # a message's sender or recipient, a caller, at a line's start ("From: Sunita Krishnamurthy" in a portal thread):
    # a person's name, given name first, of two words or more; not "To: Claims Department", "To: Sheffield Children's Hub"
    ("HEADER_NAME", re.compile(rf"^[ \t]*(?:From|To|Cc|Sender|Recipient|Caller|Sent[ \t]+by|Called[ \t]+by)[ \t]*:[ \t]*"
                               rf"((?:{INITIALS})?{FULL_NAME})", re.M), 1),
    # in capitals after a title in capitals ("MRS MAY PEMBERTON", "DR. OLUWASEUN ADEYEMI"), up to an everyday word
    # ("DR SMITH SAW HIM"); not "12 MAIN DR SPRINGFIELD"
    ("CAPS_TITLED", re.compile(rf"\b(?<![a-z][ \t])(?:MRS|MR|MS|MISS|MX|PROF|MDM|(?:(?<![A-Z][ \t])|(?<=\bBY[ \t])|(?<=\bTO[ \t])|(?<=\bOF[ \t])|(?<=\bAND[ \t])|(?<=\bCC[ \t]))DR)\.?[ \t]+((?:[A-Z]\.[ \t]?){{0,3}}(?:(?!(?:AND|OR|MRS?|MS|DR|THE|OF|TO|WITH|IN|ON|AT|FOR)\b){CAPS_WORD}[ \t]){{0,3}}{CAPS_WORD})"
                               r"(?![\w'’-])"), 1),
    # all in capitals after a person's label, up to a form's gap ("Re: GRACE ELIZABETH OYELARAN   DOB",
    # "RE: NUR AISYAH BINTI AHMAD FAIZAL")
    ("CAPS_TITLED", re.compile(rf"\b(?:(?i:{PERSON_LABELS})|RE|Re)[ \t]*:[ \t]*((?:{CAPS_WORD}[ \t](?:(?:BIN|BINTI|BINTE|A/L|A/P|S/O|D/O)[ \t])?)"
                               rf"{{1,3}}{CAPS_WORD})(?=[ \t]{{2,}}|[ \t]*(?:[,(\n]|$))", re.M), 1),
    # a name's parts asked for on a form ("Surname: MOKOENA   First names: Blessing Thandeka")
    ("NAME", re.compile(rf"\b(?i:surname|last[ \t]+name|family[ \t]+name|first[ \t]+names?|given[ \t]+names?|forenames?|"
                        rf"middle[ \t]+names?)[ \t]*:[ \t]*((?:{CAPS_WORD}|{NAME_WORD})(?:[ \t](?:{CAPS_WORD}|{NAME_WORD})){{0,3}})"), 1),
    # an earlier or birth surname in a registration's table, its value after a wide gap ("Previous surname   Desai")
    ("NAME_AS_IS", re.compile(rf"^[ \t]*(?i:previous|former|maiden|birth)[ \t]+(?i:surname|name|family[ \t]+name)[ \t]*:?"
                              rf"[ \t]{{2,}}({NAME_WORD}(?:-{NAME_WORD})?)[ \t]*$", re.M), 1),
    # initials and a surname in capitals after who printed or signed ("Printed by: H McALLISTER  15/03/2024")
    ("NAME_AS_IS", re.compile(rf"\b(?i:printed|signed|entered|reviewed|verified|authori[sz]ed|dictated|typed|seen)[ \t]+(?i:by)[ \t]*:?[ \t]*"
                              rf"((?:[A-Z]\.?[ \t]){{1,2}}{CAPS_WORD})(?![\w'’-])"), 1),
    # a surname in capitals and an initial after a person's label ("Patient: HOLLOWAY F (4857773457)")
    ("NAME_AS_IS", re.compile(rf"\b(?i:{PERSON_LABELS})[ \t]*:[ \t]*({CAPS_WORD}[ \t]+[A-Z])(?=[ \t]*(?:[|(]|\n|$)|[ \t]{{2,}})"), 1),
    ("NAME", re.compile(rf"\b(?i:{PERSON_LABELS})\s*[:\-]?\s+({CAPS_NAME})"), 1),
    # a surname in capitals, of one or two words, then the given names in capitals or not, after a label
    # ("PATIENT: KOWALCZYK,EDMUND JOSEPH", "Mother: DELA CRUZ, Maria Teresa S.": a blind review)
    # and without the comma after a label's colon, given names in lower case ("Patient: NGUYEN Thi Lan"), never a
    # heading in capitals ("PATIENT LIST", "NEWBORN ADMISSION NOTE")
    ("NAME", re.compile(rf"\b(?i:{PERSON_LABELS}|mother|father|baby|infant|newborn|next[ \t]+of[ \t]+kin|nok|guardian)(?:[ \t]*:?[ \t]+((?:{CAPS_WORD}[ \t]+)?{CAPS_WORD},[ \t]*"
                        rf"(?:{CAPS_WORD}(?:[ \t]+{CAPS_WORD}){{0,2}}|{NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,2}}"
                        rf"(?:[ \t]+[A-Z]\.(?![ \t]*[a-z]))?))|[ \t]*:[ \t]*({CAPS_WORD}(?:[ \t]+{NAME_WORD}){{1,3}})\b)"), 0),
    # "Surname, Given names" after a label ("Patient: Nguyen, Bao-Tran", "Ramírez-Ochoa, José Luis": the given
    # names were left; a blind review)
    ("NAME", re.compile(rf"\b(?i:{PERSON_LABELS}|re)[ \t]*:[ \t]*"
                        rf"((?:{PARTICLE}[ \t])?{NAME_WORD},[ \t]*{FULL_NAME}(?:[ \t]+[A-Z]\.(?![ \t]*[a-z]))?)"), 1),
    # an explicit name label opening a line or a sentence takes the words after it in any case ("Name: ANNA
    # KOWALSKA", "patient name: anna kowalska" were kept: a security review); "Drug name:" does not open one
    ("NAME", re.compile(rf"(?:^|(?<=[\n.;]))[ \t]*(?i:patient[ \t]+name|full[ \t]+name|name(?:[ \t]+of[ \t]+(?:the[ \t]+)?{NAMED_PERSON})?)[ \t]*:[ \t]*"
                        rf"([{UPPER}{LOWER}](?:[{UPPER}{LOWER}'\-]+|\.)(?:[ \t]{{1,2}}(?:[SDWsdw]/[Oo][ \t]+(?!(?:Sh|Shri|Sri|Smt|Late|Mr|Mrs)\b))?(?:[{UPPER}]\.[ \t])?[(\"“]?[{UPPER}{LOWER}][{UPPER}{LOWER}'\-]+"
                        rf"[)\"”]?){{0,3}})", re.M), 1),  # "K. Iyer", "Niamh Ní Shúilleabháin", "Daniel (Danny) Whitlock"
    # a surname alone in capitals after the patient's label, as patient-administration systems print a handover
    # ("Patient: HOLLINGWORTH    DOB: 14/03/1941" kept it: a clinical-safety review); the field ends at two spaces,
    # the line's end or the next label, and the word is a surname or no everyday word ("Patient: ALERT" stays)
    ("CAPS_SURNAME", re.compile(r"^[ \t]*(?:Patient|PATIENT|Pt|PT|Name|NAME|Patient name|PATIENT NAME)[ \t]*:[ \t]*"
                                r"([A-Z][A-Z'’-]{2,})(?=[ \t]{2,}|[ \t]*(?:$|[,;(]|(?:DOB|D\.O\.B|NHS|MRN|Hosp|Age)\b))",
                                re.M), 1),
    ("NAME", re.compile(rf"\b(?:Patient|Name|Pt|Patient name|Seen by|Signed|Author|Referred by|Dictated by|Visit by|Clinician|"
                        rf"Typed by:|Transcribed by:|Reported by:|Entered by:|Prepared by:|Completed by:|Received by:|"
                        rf"Partner|Client|Resident|Guardian|Carer|cc|CC|"
                        rf"Consultant|GP|Next of kin|NOK|Mother|Father|Wife|Husband|Daughter|Son)[ \t]*[:\-]?[ \t]+"
                        rf"((?:{INITIALS})?{FULL_NAME})"), 1),
    ("NAME", re.compile(rf"\b(?:Child|Baby|Infant|Contact)[ \t]*:[ \t]*"  # with the colon: "Infant Milk" is formula
                        rf"((?:{INITIALS})?{FULL_NAME})"), 1),
    # more labels of a person (a blind review: "Pt name:", "Father's name:", "Re:", "Attending:", "Resident:")
    ("NAME", re.compile(rf"\b(?i:pt[ \t]+name|patient'?s[ \t]+name|(?:father|mother|husband|wife|partner|spouse)'?s"
                        rf"[ \t]+name|re|attending|resident|seen[ \t]+by|reviewed[ \t]+by|intern|fellow|nurse|"
                        rf"midwife|keyworker|key[ \t]+worker|care[ \t]+coordinator|link[ \t]+worker|MA|CMA|tech|technician|chaperone|"
                        rf"interpreter|supervisor|case[ \t]+manager|parents)[ \t]*:[ \t]*((?:{INITIALS})?{FULL_NAME})"), 1),
    # a nickname the patient goes by: 'prefers "Des"', "known as Des" (then every later occurrence)
    ("NAME", re.compile(rf"\b(?i:prefers|preferred[ \t]+name(?:[ \t]+is)?|known[ \t]+as|goes[ \t]+by|called|(?:pet[ \t]+|nick)?name[ \t]+is|pet[ \t]+name|nicknamed?|known[ \t]+to[ \t]+(?:the[ \t]+|her[ \t]+|his[ \t]+)?(?:family|friends|staff|all)[ \t]+as|"
                        rf"answers[ \t]+to|responds(?:[ \t]+best)?[ \t]+to)[ \t]*:?[ \t]+(?:to[ \t]+be[ \t]+called[ \t]+)?"
                        rf"[\"'“‘]?({NAME_WORD}(?:[ \t]+{NAME_WORD})?|[A-Z]{{2,3}}(?=[\"'”’]))[\"'”’]?"), 1),
    ("NAME", re.compile(rf"^[ \t]*(?:(?:--+|Regards,?|Signed,?)[ \t]*)?((?:{INITIALS})?{NAME_WORD}(?:[ \t]+{NAME_WORD})?),?[ \t]*"
                        rf"(?:MD|RN|MBBS|FRCP|DO|NP|PA)\b",
                        re.M), 1),
    ("NAME", re.compile(rf"\b({NAME_WORD}[ \t]+{NAME_WORD})[ \t]*\((?i:patient|pt|mother|father|wife|husband|daughter|son)\)"), 1),
    # places before untitled names: "Victoria" in "Royal Victoria Infirmary" is a place, not a person
    ("LOCATION", re.compile(rf"\b((?:[A-Z]{{2,5}}[ \t]+(?=St\.?[ \t]|Saint[ \t]))?(?:(?:(?:St\.?|Saint)[ \t]+{PLACE_WORD}[ \t]+the[ \t]+{PLACE_WORD}|"  # "St. Albert the Great Church"
                            rf"St\.?|Saint|Mt\.?|Mount|Govt\.?|Ft\.?|"
                            rf"C[ \t]+of[ \t]+E|CofE|RC|(?:AMEZ?|CME)(?=[ \t]+(?:Zion[ \t]+)?Church)|{PLACE_WORD})(?:[ \t]+(?:and|&|of|for|on|upon)[ \t]+"
                            rf"(?:the[ \t]+)?{PLACE_WORD})?[ \t]{{1,2}}){{1,5}}{PLACE_NOUN}"  # not across a form's gap
                            r"(?:,?[ \t]+(?:Inc|LLC|Ltd|Corp|PLC|LLP)\b)?(?:[ \t]+(?:II|III|IV)(?=[ \t]*[^\w \t]|[ \t]+[a-z]|$))?)\b"  # "... Co.";
                            # a health centre's level, "Namulonge Health Centre III" (Uganda)
                            r"(?:[ \t]+for[ \t]+(?:Sick[ \t]+)?(?:Children|Women(?:[ \t]+and[ \t]+Children)?|"
                            r"Tropical[ \t]+Diseases|Nervous[ \t]+Diseases))?"
                            rf"(?=(?:[ \t]+of[ \t]+({PLACE_WORD}(?:[ \t]+{PLACE_WORD})?))?)"), 0),  # "... of Edinburgh"
    # a Welsh hospital, school, home, practice or centre ("Ysbyty Glan Clwyd", "Ysgol Dyffryn Conwy")
    # (PREFIXED: a name needs a word after its noun that no generic place has: "Klinik Pakar Perubatan" is any specialist
    # clinic)
    ("PREFIXED", re.compile(rf"\b((?:Ysbyty|Ysgol|Cartref|Meddygfa|Canolfan|Scoil|Gaelscoil|Coláiste|Ospidéal|Pharmacie|Clinique(?:[ \t]+médicale)?|Paroisse|Résidence|Hôpital|École|CLSC|Centre[ \t]+hospitalier|GMF|Klinik|(?:Jamia[ \t]+)?Masjid|Gurdwara(?:[ \t]+Sahib)?(?![ \t]+Sahib\b)|Mandir|Botika(?:[ \t]+ng[ \t]+Barangay)?)(?:['’]r)?(?:[ \t]+(?:(?:y|yr|du|de|des|de[ \t]+la|et)[ \t]+)?"
                            rf"(?:[A-ZÀ-Þ][\wÀ-ÿ]*(?:-[\wÀ-ÿ]+)+|{PLACE_WORD}))"  # "Saint-François-de-Sherbrooke"
                            rf"{{1,3}})"), 1),
    ("PLACE", re.compile(rf"\b(Isle[ \t]+of[ \t]+{PLACE_WORD})"), 1),  # "Isle of Harris"
    ("LOCATION!", re.compile(r"\bJakarta[ \t]+(?:Pusat|Barat|Selatan|Timur|Utara)\b"), 0),  # a city of Jakarta
    ("ADDRESS", re.compile(r"\bRT[ \t]?\d{2,3}[ \t]?/[ \t]?RW[ \t]?\d{2,3}\b"), 0),  # a neighbourhood unit, "RT 006/RW 03"
    # a police station named after it, as South Asia writes it ("Police Station Sahnewal")
    ("LOCATION!", re.compile(rf"\b(Police[ \t]+Station[ \t]+{PLACE_WORD}(?:[ \t]{PLACE_WORD})?)"), 1),
    # a military unit ("4th Infantry Division", "B Company, 2nd Battalion, 8th Infantry Regiment")
    ("LOCATION!", re.compile(r"\b((?:[A-Z][ \t]+Company,[ \t]+)?(?:\d{1,3}(?:st|nd|rd|th)[ \t]+(?:[A-Z][a-z]+[ \t]+){0,3}"
                             r"(?:Battalion|Regiment|Squadron)(?:,[ \t]+)?)*\d{1,3}(?:st|nd|rd|th)[ \t]+(?:[A-Z][a-z]+[ \t]+){1,3}"
                             r"(?:Division|Battalion|Regiment|Brigade(?:[ \t]+Combat[ \t]+Team)?|Squadron|Corps|Fleet))\b"), 1),
    # a place after a label of place ("Hometown: Nnewi", "Residence: Githurai 45"), whether or not a gazetteer has it
    ("PLACE", re.compile(rf"\b(?i:hometown|home[ \t]+town|residence|place[ \t]+of[ \t]+birth|birthplace|village|"
                         rf"suburb|district|barangay|LGA|parish|sub-?county|upazila|thana|tehsil|taluka?|mandal|county|town|"
                         rf"city|locality|municipality|tikina|chiefdom|township)[ \t]*:[ \t]*"
                         rf"({PLACE_WORD}(?:[ \t]{PLACE_WORD}){{0,2}}(?:[ \t]\d{{1,3}}\b|[ \t][A-Z]\b)?)"), 1),  # one space: not
    # across a form's columns ("Village: Kiteezi        Parish: Kiryamuli")
    # the word before a full UK postcode, a town or county ("Derbyshire DE56 1AB")
    ("PLACE", re.compile(rf"\b(?!(?i:post[ \t]?code|postal|zip|ref)\b)((?:Co\.[ \t]+)?{PLACE_WORD}(?:[ \t]+{PLACE_WORD})?)(?=(?:,?[ \t]+|[ \t]*\n[ \t]*){UK_AREA}\d[A-Z\d]?[ \t]*\d[A-Z]{{2}}\b)"), 1),
    ("PLACE", re.compile(rf"\b({PLACE_WORD}(?:[ \t]+{PLACE_WORD})?)(?=[ \t]+(?:P\.[ \t]?O\.|Dist\.|District|Taluk|Tehsil)"
                         rf"(?:[ \t]|,|$))", re.M), 1),
    # the last town of an address with its PIN ("..., Thiruvalla - 689584"; "Platelets - 250000" is a count)
    ("PLACE", re.compile(rf",[ \t]+({PLACE_WORD})[ \t]*[-–][ \t]*(?=[1-9]\d{{5}}\b(?![-/.,]?\d))"), 1),
    ("POSTCODE", re.compile(rf",[ \t]+{PLACE_WORD}[ \t]*[-–][ \t]*([1-9]\d{{5}})\b(?![-/.,]?\d)(?=[ \t]*(?:$|[\n,.;]))", re.M), 1),
    ("PLACE", re.compile(rf"\b((?:Brgy\.?|Barangay)[ \t]+{PLACE_WORD}(?:[ \t]+{PLACE_WORD})?)"), 1),  # a barangay
    ("PLACE", re.compile(rf"\b({PLACE_WORD}(?:[ \t]+{PLACE_WORD})?)(?=(?:,[ \t]+|[ \t]*\n[ \t]*)Co\.[ \t]+{PLACE_WORD})"),
     1),  # ", Co. Cork", and "Trim\nCo. Meath"
    # the town of an address before its state and ZIP, province and postal code ("Wappingers Falls, NY 12590")
    ("PLACE", re.compile(rf"\b({PLACE_WORD}(?:[ \t]+{PLACE_WORD}){{0,2}})(?=,?[ \t]+(?:{US_STATE}[ \t]+\d{{5}}|"
                         rf"{AU_STATE}[ \t]+\d{{4}}|{CA_PROVINCE}[ \t]+[A-Z]\d[A-Z])\b)"), 1),
    ("PLACE", re.compile(rf"\b({PLACE_WORD}(?:[ \t]+{PLACE_WORD})?)[ \t]+(?:neighbou?rhood|suburb|estate)\b"), 1),
    ("PLACE", re.compile(rf"\b(County[ \t]+(?!Council|Court|Hall|Hospital|General){PLACE_WORD})\b"), 1),  # County Cork
    # a street named without its number ("at the junction of Klipspruit Valley Road and Chris Hani Road", "on Bank St")
    ("STREET", re.compile(rf"\b((?:[NSEW][ \t]+)?(?:{PLACE_WORD}[ \t]+){{1,3}}(?:Road|Street|Avenue|Boulevard|Crescent|Terrace|Highway|"
                          rf"Freeway|Parkway|Lane|Ln|Rd|Ave|Blvd|Square|Quay|St(?![ \t]*\.?[ \t]*[A-Z])|Dr(?=[ \t]+[a-z]))"
                          rf"(?:[ \t](?:[NS][EW]|[NSEW])(?![\w.]))?)\b"), 1),
    ("STREET", re.compile(rf"\b(?:on|off|along|near)[ \t]+((?:[NSEW]\.?[ \t]+)?{PLACE_WORD}(?:[ \t]+{PLACE_WORD})?[ \t]+"
                          r"(?:St|Dr|Rd|Ave|Blvd|Ln)\.?(?:[ \t][NSEW](?![\w.]))?)(?=[ \t]*[(,;]|[ \t]*\.[ \t]*(?:$|\n|[A-Z])|[ \t]+[a-z]|[ \t]*$)", re.M), 1),
    # a hospital by its short name: "Kettering General", "St George's", "University of Chicago" (kept, a review)
    ("PLACE", re.compile(rf"\b({PLACE_WORD}[ \t]+General)\b(?![ \t]+(?i:practi\w*|surgery|surgeon|medicine|medical|"
                         rf"paediatrics|pediatrics|anaesthe\w*|anesthe\w*|ward|hospital|infirmary|"
                         rf"public|population)\b)"), 1),
    ("PLACE", re.compile(rf"\b((?:St\.?|Saint)[ \t]+{NAME_WORD}(?:['’]s|(?<=s)['’]))(?![ \t]+(?i:wort|fire|dance|ward|wing)\b)"), 1),
    ("PLACE", re.compile(rf"\b(University[ \t]+of[ \t]+{PLACE_WORD}(?:[ \t]+{PLACE_WORD})?)"), 1),
    ("PLACE", re.compile(rf"\b(University[ \t]+Hospital[ \t]+{PLACE_WORD}(?:[ \t]+{PLACE_WORD})?)"), 1),
    # an Irish county in an address, "Ballincollig, Co. Cork" (a blind review); not a company's "& Co."
    ("PLACE", re.compile(rf"(?:(?<=,[ \t])|^[ \t]*)(Co\.[ \t]+{PLACE_WORD})", re.M), 1),
    # a specialty's numbered or lettered ward or unit, as hospitals of South Asia and Africa name them ("Medical Unit II",
    # "Surgical Unit B", "Medicine Ward 2", "Medical Ward M3"; kept, a blind review)
    ("LOCATION!", re.compile(r"\b((?:Medical|Medicine|Surgical|Surgery|Paediatric|Pediatric|Orthopaedic|Orthopedic|Gynae|"
                             r"Gynaecology|Obstetric|Psychiatric|Male|Female|General)[ \t]+(?:Ward|Unit)[ \t]+"
                             rf"(?:[IVX]{{1,4}}|\d{{1,2}}[A-Z]?|[A-Z]\d{{0,2}}))\b(?![/-])(?![ \t]+(?i:{COUNTED}|units?|doses?)\b)"), 1),
    ("LOCATION", re.compile(r"\b(Ward[ \t]+(?:\d{1,3}[A-Z]?|[A-Z]\d{0,2}[A-Z]?)(?![\w-])(?:[ \t]+(?:North|South|East|West)\b)?)"), 1),
    ("LOCATION", re.compile(r"\b(Unit[ \t]+\d{1,2}[A-Z])(?![\w/-])"), 1),
    # a parish or school named for Our Lady ("Our Lady of the Assumption", "Our Lady of Lourdes")
    ("LOCATION!", re.compile(rf"(?:(?<=\b[Aa]t[ \t])|(?<=\b[Ff]rom[ \t]))(Our[ \t]+Lady[ \t]+of[ \t]+(?:the[ \t]+)?{PLACE_WORD}"
                             rf"(?:[ \t]+{PLACE_WORD})?)"), 1),  # a parish where she goes, not a prayer to Our Lady
    # a hospital by its initials ("UAB Hospital", "UCLA Medical Center"); not a department's ("ED Clinic", "VA Hospital")
    ("LOCATION!", re.compile(r"\b(?!(?:GP|ED|ER|OR|ICU|HDU|ENT|OB|OBGYN|MRI|CT|VA|NHS|HIV|GUM|TB|PICU|NICU|"
                             r"CCU|DVT|COPD|IBD|MS|RA|CF|MND|ALS|US|UK|USA|HMO|PPO|SNF|LTC|IP|OP|AMU|MAU|CDU|OPD|IPD|MICU|SICU|"
                             r"CVICU|TICU|PACU|OSH|LTACH|LTAC|DGH|IRF|VAMC|OF|THE|AND|TO|AT|IN|FROM|BY|ON|FOR|PT|PMH)\b)[A-Z]{2,5}"
                             r"[ \t]+(?:Hospital|Medical[ \t]+Cent(?:er|re)|Health[ \t]+System|Infirmary|Hospice|"
                             r"Children['’]s[ \t]+Hospital)\b(?![ \t]+(?i:course|stay|admission|day|bed|medicine|number|no)\b)"), 0),
    ("PLACE", re.compile(r"\b((?:(?!(?:Visited|Visit|Lives|Living|Moved|From|In|At|Near|To|Stays|Staying|Resides|Back|Went)\b)"
                         r"[A-Z][a-z]+[ \t]+)?[A-Z][a-z]+[ \t]?[Nn]agar)\b"), 1),
    # a Scottish or Welsh health board by its area ("NHS Forth Valley", "NHS LOTHIAN"): the boards, not any word after
    # "NHS" ("NHS IVF", "NHS Pension")
    ("LOCATION!", re.compile(r"\bNHS[ \t]+(?i:Ayrshire(?:[ \t]+(?:and|&)[ \t]+Arran)?|Borders|Dumfries(?:[ \t]+(?:and|&)[ \t]+"
                             r"Galloway)?|Fife|Forth[ \t]+Valley|Grampian|Greater[ \t]+Glasgow(?:[ \t]+(?:and|&)[ \t]+Clyde)?|"
                             r"Highland|Lanarkshire|Lothian|Orkney|Shetland|Tayside|Western[ \t]+Isles|Golden[ \t]+Jubilee)\b"), 0),
    ("PLACE", re.compile(rf"\b({PLACE_WORD}[ \t]+Children['’]s)(?![ \t]+(?i:ward|unit|services?|social|centre|center)\b)"), 1),
    ("PLACE", re.compile(rf"\b(?:at|to|from)[ \t]+((?:[A-Z]{{2,5}}[ \t]+)?(?:St\.?|Saint)[ \t]+{NAME_WORD})\b(?!['’])"), 1),  # "to St. Hedwig"
    ("LOCATION!", re.compile(rf"\b({PLACE_WORD}[ \t]+\d{{1,2}}[A-Z]?[ \t]+(?:MICU|SICU|CCU|CICU|NICU|PICU|ICU|HDU|ITU))\b"), 1),
    ("LOCATION", re.compile(rf"\b((?:St\.?[ \t]+)?(?:{PLACE_WORD}[ \t]+)?{PLACE_WORD}[ \t]+(?:Ward|Wing))\b"), 1),
    # a unit by its floor and wing ("Unit: 5 North", "then Ortho 3 East", "4 West SICU", "4 West Family Birth Center")
    ("LOCATION!", re.compile(rf"\b((?:(?:{PLACE_WORD}|[A-Z]{{2,5}})[ \t]+)?\d{{1,2}}[ \t]?(?:North|South|East|West)(?:east|west)?"
                             r"(?:[ \t](?:Cardiac|Cardiology|Telemetry|Tele|Stroke|Surgical|Surgery|Medical|Medicine|Oncology|"
                             r"Orthopa?edics?|Ortho|Rehab|Rehabilitation|Family|Birth|Birthing|Center|Centre|Unit|Step|Down|"
                             r"Step-Down|Stepdown|Neuro|Neurology|Renal|Respiratory|Maternity|Postpartum|Antepartum|Labor|"
                             r"Delivery|Women's|Children's|Pediatrics|Paediatrics|Observation|Short|Stay|Trauma|Burns|"
                             r"Transplant|Vascular|Thoracic|Geriatrics|Psychiatry|Behavioral|Behavioural|Heart|Lung|Mother-Baby|"
                             r"Progressive|Care|Intermediate|"
                             r"[A-Z]{2,5})\b){0,3})"
                             r"(?![ \t]+(?:Street|St|Road|Rd|Avenue|Ave|Lane|Drive|Dr)\b)"), 1),
    ("PLACE", re.compile(rf"\b(?i:lives|living|resides|residing|moved|born|grew up|based)\b[^.\n]{{0,25}}?\b"
                            rf"(?:in|at|near)[ \t]+({NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,2}})"), 1),
    # a hospital by its short name, as staff say it: "the Royal Free", "at Addenbrooke's" after a word of care
    # ("under the renal team at", "transferred to"); eponyms ("secondary to Crohn's") are never places
    ("PLACE", re.compile(rf"\b(Royal[ \t]+(?!{NOT_ROYAL}\b){PLACE_WORD}(?:[ \t]+{PLACE_WORD})?)"), 1),
    ("PLACE", re.compile(rf"\b(?i:{CARE_WORDS})\b[^.\n]{{0,40}}?\b(?i:at|to|from)[ \t]+(?:the[ \t]+)?"
                            rf"({NAME_WORD}['’]s)(?![ \t]+(?i:{EPONYM_NOUNS})\b)"), 1),
    # and a list after a colon, "Three children: June (local), one son ..." (a blind review)
    ("NAME", re.compile(rf"\b(?:(?i:{RELATIONS})(?:[ \t]*[,:])?|(?i:children|kids|sons|daughters|siblings|brothers|sisters|"
                        rf"grandchildren|grandkids)[ \t]*:)[ \t]+(?:(?i:is|was|called|named)[ \t]+)?[\"“‘]?({FULL_NAME})"), 1),
    # a wide gap ends a form's field unless a colon asks for what follows ("RN   Sent: Tue" is two fields)
    ("NAME", re.compile(rf"\b(?i:{ROLES})(?:[ \t]*:[ \t]+|,?[ \t]{{1,2}}(?![ \t]))[\"“‘]?((?:{INITIALS})?{FULL_NAME}"
                        rf"(?:[ \t]+[A-Z]\.(?=[ \t]*(?:[),;\n]|$|[ \t]{{2}})))?)", re.M), 1),
    ("NAME", re.compile(rf"\b(?i:named|christened)[ \t]+({FULL_NAME})"), 1),  # "a girl ... named Aurora Mae"
    # a colleague by first name after the talk or the task ("spoke w/ Rose at bed board", "Transported by Mark and
    # writer", "clinic with Jade in 4 weeks"; kept, a blind review): a word that is never a name ("with Cardiology",
    # "with Family") is trimmed away
    ("NAME", re.compile(rf"\b(?i:spoke|spoken|talked|discussed|d/w|s/w|handed[ \t]+over|escorted|transported|accompanied|"
                        rf"clinic|review|reviewed|seen|called|paged|informed|updated|message[ \t]+left|liaised|placed|booked|left)[ \t]+"
                        rf"(?i:with|w/|by|to|for)[ \t]+((?:[A-Z]\.[ \t]*)?(?:{PARTICLE}[ \t]+)?{NAME_WORD}(?:[ \t]+{NAME_WORD})?)"
                        rf"(?=[ \t]+(?:at|in|from|on|and|re|regarding|to|who|about)\b|[ \t]*[(,.;]|[ \t]*$)", re.M), 1),
    ("NAME", re.compile(rf"\b(?i:asked|ask|told|tell|phoned|rang|emailed|texted)[ \t]+({NAME_WORD})(?=[ \t]+(?:at|in|from)[ \t]+[A-Z])"), 1),
    # a name with its initial after "by", "to", "from" or "per" ("Handed over by N. O'Sullivan to G. Ní Bhriain")
    ("NAME", re.compile(rf"\b(?i:by|to|from|per|cc|and)[ \t]+((?:[A-Z]\.[ \t]?){{1,2}}(?:{PARTICLE}[ \t]+|O['’])?{NAME_WORD})"
                        rf"(?![ \t]*[a-z])"), 1),
    ("NAME_AS_IS", re.compile(rf"^[ \t]*(?:/es/[ \t]*)?({CAPS_WORD}[ \t]+(?:[A-Z]\.?[ \t]+)?{CAPS_WORD}),[ \t]*"
                              r"(?:MD|RN|DO|NP|PA|MBBS|PhD|DDS|DMD)\b", re.M), 1),
    ("NAME_AS_IS", re.compile(r"\b(?i:acknowledged|recorded|typed|dictated|entered|transcribed|witnessed|checked|verified|"
                              r"countersigned|completed)(?:[ \t]+(?i:by)[ \t]*:?|[ \t]*:)[ \t]*"
                              r"(?!(?:SHO|RN|DN|GP|HCA|CNS|OT|FY1|FY2|ST|SPR|PA|NP|MD|DO|ED|ICU|AND|THE)\b)"
                              r"([A-Z]{2,3})(?![\w-])"), 1),
    ("NAME_AS_IS", re.compile(r"\b(?i:typed|dictated|transcribed)[ \t]+((?!(?:OK|TTO|TTA|BP|HR|RR|GP|ED|NAD|DNR|ECG|EKG|CXR|CT|MRI|"
                              r"OT|PT|IV|PO|SC|IM|PRN|BD|TDS|QDS|OD|ok)\b)(?:[a-z]{2,3}|[A-Z]{2,3}))(?=[ \t]+\d{1,2}[/.]\d|[ \t]*$)", re.M), 1),
    ("NAME_AS_IS", re.compile(r"\((?i:initials)[ \t]*:?[ \t]*([A-Z]{2,3})\)"), 1),  # "Joanna Pruitt, RN (initials JP)"  # "typed jm 16/05/24"
    ("NAME_AS_IS", re.compile(r"\b(?i:typed|dictated|transcribed)[ \t]+by[ \t]+([a-z]{2,3})\b(?=[ \t]*(?:$|[.,;]))", re.M), 1),
    # a name before a credential ("signed by Mahesh Iyer, MD", "Read by: Yuki Tanabe, MD", "Oluwaseun Adebayo, LPN")
    ("NAME_WHOLE", re.compile(rf"\b((?:{INITIALS})?{FULL_NAME})(?:,[ \t]*|[ \t]+(?=(?:RGN|RM|CPN|RAN|RPN)\b))(?:M\.D\.(?!\w)|(?:MD|DO|RN|LPN|NP|PA-C|CRNA|MBBS|MBChB|FRCP|PhD|"
                        r"DDS|CRSS|APRN|PMHNP-BC|CNM|FNP|FNP-BC|DNP|MSW|LCSW|RD|PharmD|IBCLC|RPN|RGN|RM|LPC|CPN|RAN|RCIS|MPT|FNP-C)\b)"), 1),
    # a given name and a surname before RN or NP without the comma ("Jess Nguyen RN, Dr ..."; "Charge RN" is a role)
    ("NAME_WHOLE", re.compile(rf"\b((?:{INITIALS})?{NAME_WORD}[ \t]+{NAME_WORD})[ \t]+(?:RN|NP|LPN|FNP-C|FNP)\b"), 1),
    # a name in capitals before a doctor's or nurse's credential, surname first or not ("ATTENDING: GRACE, WILLIAM
    # THOMAS M.D.", "cc: SHELDON STERLING, M.D.", "Dictated By: OSEI, KWAME, M.D."), and "Sterling, Joanna MD" (a
    # blind review); every word a name's ("DISCHARGE SUMMARY MD" is none)
    ("NAME_WHOLE", re.compile(rf"(?:(?<=:)[ \t]*|(?<![\w,][ \t])(?<![\w,]))((?<=[ \t:])(?:{CAPS_WORD}[ \t]+){{1,3}}{CAPS_WORD}|"
                              rf"{CAPS_WORD},[ \t]*(?:{CAPS_WORD}[ \t]+){{0,2}}{CAPS_WORD}|{NAME_WORD},[ \t]*{NAME_WORD}(?:[ \t]+{NAME_WORD})?)(?:,[ \t]*|[ \t]+)(?:M\.D\.|MD|D\.O\.|DO|RN|NP|PA-C|MBBS|DNP|PharmD)(?![\w.])"), 1),
    # a first name or a full name with the grade or role after it, as ward lists and sign-offs write them ("Ffion F1
    # / Sian SN", "Ffion Harries FY1 bleep 3317"; a blind review); "F1" and "F2" only at the end of an entry
    # ("Prostaglandin F2 alpha" is a drug)
    ("NAME_WHOLE", re.compile(rf"\b({FULL_NAME})[ \t]+(?:FY[12]|SHO|SN|SpR|StR|HCA|CNM\d?|ANP|ACP|CNS|SSN|F[12](?=[ \t]*(?:[/),;]|$)))\b(?![ \t]*:)", re.M), 1),
    # a patient on a ward list: a surname in capitals, the given name before it or not, then the age and sex
    # ("BED 5  empty -> ED admission BANKS 72y ?PE", "Gwilym EVANS 82M  MRN ..."; kept, a blind review)
    ("NAME_WHOLE", re.compile(rf"(?:^[ \t]*|(?i:bed|bay|room)[ \t]+\d{{1,3}}[A-Z]?\b[^\n]{{0,30}}?[ \t])"
                              rf"((?:{NAME_WORD}[ \t]+)?(?!(?:ED|ICU|HDU|CCU|AMU|MAU|SAU|OPD|ITU|NSTEMI|STEMI|COPD|CKD|CCF|"
                              rf"UTI|CAP|HAP|AKI|DKA|PE|DVT|TIA|CVA|MI|ACS|AF|LRTI|NOF)\b)[A-Z][A-Z'’-]{{2,}})"
                              rf"(?=[ \t]+\d{{1,3}}[ \t]?(?:y|yo|yrs|M|F)\b)", re.M), 1),
    # a maiden name, "(née Eze)"
    ("NAME", re.compile(rf"\b(?:née|nee|Née|Nee)[ \t]+({NAME_WORD}(?:[ \t]+{NAME_WORD})?)"), 1),
    # a signature or a typist's reference in initials ("Signature: PvdM", "Signed: TB", "Ref: OAH/LP", "... -NW")
    ("NAME_AS_IS", re.compile(r"\b(?i:signature|signed|initials)[ \t]*:?[ \t]*([A-Z][A-Za-z]{1,3}|(?:[A-Z]\.){2,3})[ \t]*$", re.M), 1),
    ("NAME_AS_IS", re.compile(r"^[ \t]*(?:(?i:dictated|typed|ref)[ \t]*:?[ \t]*)?([A-Z]{2,4}/(?:[a-z]{2,3}|[A-Z]{2,4}))[ \t]*$",
                              re.M), 1),  # "HOP/kp", "ED/ks" under a letter
    ("NAME_AS_IS", re.compile(r"\b(?i:ref|our[ \t]+ref|your[ \t]+ref)[ \t]*:[ \t]*([A-Z]{2,4}/[A-Z]{2,4})\b"), 1),
    ("NAME_AS_IS", re.compile(r"(?<=\s)-{1,2}([A-Z]{2,3})[ \t]*$", re.M), 1),  # "-NW", "--DS"
    # a name in Chinese, Japanese or Korean characters in an English note ("Mdm Goh Siew Lan (吳秀蘭)")
    ("NAME_AS_IS", re.compile(r"[\u3400-\u9fff\uac00-\ud7af]{2,4}"), 0),
    ("NAME", re.compile(rf"\b({FULL_NAME})[ \t]*\((?i:[^)\n]{{0,25}}?\b(?:{ROLES}|{RELATIONS}))\b[^)\n]{{0,20}}\)"), 1),
    ("NAME", re.compile(rf"\b({INITIALS}{NAME_WORD}),[ \t]+(?i:{ROLES})\b"), 1),
    # a name set off before who the person is: "Grace, her carer, says ..."; "Ask Jo on ext 4432" (a review)
    ("NAME", re.compile(rf"\b({FULL_NAME}),[ \t]+(?i:his|her|their|my|our|the patient's|pt's)[ \t]+"
                        rf"(?i:{RELATIONS}|{ROLES})\b"), 1),
    ("NAME", re.compile(rf"\b(?:(?i:ask|call|contact|ring|phone|bleep|page)[ \t]+)?({FULL_NAME})[ \t]+(?:on[ \t]+"
                        rf"(?i:ext(?:ension)?|bleep|pager|x)\.?[ \t]*\d|\((?i:ext(?:ension)?|bleep|pager|x)\.?[ \t]*\d)"),
     1),
    ("NAME", re.compile(rf"\b(?i:bleep|page|ring|call)[ \t]+({FULL_NAME})[ \t]+on[ \t]+\d"), 1),
    ("NAME", re.compile(rf"\b({FULL_NAME})[ \t]*\((?i:{RELATIONS})\)"), 1),
    ("NAME", re.compile(rf"\b(?:Dear|Hi|Hello|Thanks?,?)[ \t]+({FULL_NAME})"), 1),
    ("NAME", re.compile(rf"(?:Yours sincerely|Yours faithfully|Kind regards|Best wishes|Many thanks|Regards|Signed)"
                        rf",?[ \t]*\n+[ \t]*({FULL_NAME})"), 1),
    ("NAME", re.compile(rf"^[ \t]*((?:{INITIALS})?(?:(?:{LOWER_PARTICLE}|{PARTICLE})[ \t]){{0,2}}{NAME_WORD}"
                        rf"(?:[ \t]+{NAME_WORD})?)[ \t]*,?[ \t]*\n[ \t]*(?:[A-Z][a-z]+[ \t]+)?"
                        rf"(?:General Practitioner|GP|Consultant|Registrar|Physician|Surgeon|Nurse|Specialist|"
                        rf"Physiotherapist|Pharmacist|Psychiatrist|Paediatrician|Social Worker|Midwife|Therapist|"
                        rf"Dietitian|\w+ologist)\b", re.M), 1),
]
@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    text: str


def never_name(word: str) -> bool:
    """A role, specialty, drug, abbreviation or eponym ("Parkinson's"): never part of a person's name."""
    w = word.strip(",.;:()")
    if w in ABBREVIATIONS or NEVER_NAME.search(w):
        return True
    possessive = re.search(r"['’]s?$", w)
    return bool(possessive) and w[:possessive.start()].lower() in EPONYMS  # Parkinson's, Graves'


def _trim_name(text: str, start: int, end: int, after_title: bool = False) -> tuple[int, int] | None:
    """The span without leading non-name words, cut before the first word that is never a name."""
    not_names = NOT_NAMES_AFTER_TITLE if after_title else NOT_NAMES
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    while words and (text[words[0][0]:words[0][1]].strip(",") in not_names or never_name(text[slice(*words[0])])):
        words.pop(0)
    for i, (a, b) in enumerate(words):
        if never_name(text[a:b]):
            words = words[:i]
            break
    while words and text[words[-1][0]:words[-1][1]].strip(",") in not_names:
        words.pop()
    if not words or any(text[a:b].strip(",") in ABBREVIATIONS for a, b in words):
        return None
    a, b = words[0][0], words[-1][1]
    while b > a and text[b - 1] in ",.;:":
        b -= 1
    return (a, b) if b > a else None


# words of a sentence before a place's name, written in capitals in headings ("Referred To Falls Prevention Service")
_LEADING_VERBS = {"Back", "Attends", "Attended", "Attend", "Attending", "Referred", "Refer", "Refers", "To", "Follow", "Up", "In",
                  "Advised", "Seen", "Admitted", "Transferred", "Discharged", "Visited", "Visits", "Visit", "Via", "At",
                  "From", "Contact", "Contacted", "Call", "Called", "Phone", "Phoned", "Ring", "Rang", "Book", "Booked"}


def _trim_place(text: str, start: int, end: int, noun: bool) -> tuple[int, int] | None:
    """A named place keeps its generic words ("Royal", "Day") but needs one distinctive word."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    while words and (text[slice(*words[0])].lower() in CONNECTORS or text[slice(*words[0])] in NOT_NAMES
                     and text[slice(*words[0])] not in GENERIC_PLACE or text[slice(*words[0])] in _LEADING_VERBS):
        words.pop(0)
    names = [text[a:b] for a, b in words]
    body = names[:-1] if noun and len(names) > 1 else names
    if noun and names and names[-1] in ("Home", "Centre", "Center", "Practice") and len(body) > 1:
        body = body[:-1]  # "Care Home", "Health Centre", "Medical Practice"
    if noun and len(names) == 1:
        return None  # the noun alone ("Duty Doctors aware": "Duty" is no name's word)
    span = text[words[0][0]:words[-1][1]] if words else ""
    trade = noun and _TRADE_END.search(span) and not _NAMED_END.search(span)  # "Red Rock Radiology", not "Primary Care"
    generic = GENERIC_PLACE | TRADE_GENERIC if trade else GENERIC_PLACE
    distinctive = [w for w in body if w not in generic and w not in NOT_NAMES and w.lower() not in CONNECTORS
                   and not never_name(w)]
    if trade and not _ORG_CONTEXT.search(text, max(0, words[0][0] - 24), words[0][0]):
        # named by a trade, the name needs a proper noun ("Cascadia Health", not "Repeat Labs"), unless it is said
        # as an organisation is ("walker from Pine Tree Medical Supply", "Insurance: Copper State Mutual Insurance")
        distinctive = [w for w in distinctive if _proper(w)]
    return (words[0][0], words[-1][1]) if distinctive else None


_COMPANY_FORM = r"(?:,?[ \t]+(?:Inc|LLC|Ltd|Corp|PLC|LLP)\.?)?"
_ORG_CONTEXT = re.compile(r"(?:\b(?i:at|from|with|via|by|employed[ \t]+by|works[ \t]+for)|\b(?i:employer|insurer|insurance|"
                          r"pharmacy|payer|plan|agency|vendor|dme|supplier|company|practice|pcp|gp|provider|lab|imaging|"
                          r"carrier|program|programme)[ \t]*:)[ \t]*$")
_TRADE_END = re.compile(rf"\b{TRADE_PLACE_NOUN}{_COMPANY_FORM}$")
_NAMED_END = re.compile(rf"\b{NAMED_PLACE_NOUN}{_COMPANY_FORM}$")


def _proper(word: str) -> bool:
    """A word only a name would be: a town, a given name, a word the notes encoder's English vocabulary lacks
    ("Quabbin", "Cuyahoga"), or one written with an inner capital, hyphen or apostrophe ("BrightPath", "Tri-County")."""
    w = word.strip(",.;:()")
    low = w.lower()
    if low in towns(with_words=True) or low in given_names() or not low.isalpha() or any(c.isupper() for c in w[1:]):
        return True
    # the encoder's vocabulary is general English: clinical words it lacks read as clinical by their endings
    # ("Femoral Lines", "Parenteral Antimicrobial Therapy Service", "Opioid Treatment Program")
    return low not in plain_words() and not low.endswith(_CLINICAL_ENDINGS) and low not in _CLINICAL_WORDS


_CLINICAL_ENDINGS = ("al", "ic", "ous", "oid", "osis", "itis", "ary", "ive", "ial", "ics", "ine", "one", "ide", "ate", "omy",
                     "ase", "gen", "ism", "emia", "aemia", "ectomy", "scopy", "xone")
_CLINICAL_WORDS = {"cath", "bowel", "pertinent", "medicaid", "medicare", "ostomy", "dialysis", "rehab", "physio", "echo",
                   "ortho", "neuro", "onc", "haem", "paeds", "peds", "obs", "gynae", "psych", "resus", "triage",
                   # care and its paperwork, which the general vocabulary lacks ("Medicaid Waiver Program")
                   "waiver", "copay", "deductible", "formulary", "enrolment", "authorisation", "reimbursement",
                   "capitation", "telehealth", "telemedicine", "respite", "wraparound", "bridging", "caregiver",
                   "caregiving", "homebound", "readmission", "stewardship", "infusion", "apheresis"}


def _towns(text: str, taken: list[bool]) -> list[Span]:
    """Towns and cities of the gazetteer where a place is said: "daughter in Manchester", "returned from Lagos"
    (under Safe Harbor a town is an identifier; a country or a state is not). Not a score or scale named
    after a town ("the Glasgow Coma Scale", "on the Bristol stool chart")."""
    gazetteer, address_towns = towns(), towns(with_words=True)
    out = []
    town = rf"{PLACE_WORD}(?:[ \t-]+(?:(?:on|upon|under|super|sur|en|in|le|la|de|del|the|of|es|al|el)[ \t-]+)?{PLACE_WORD}){{0,2}}"
    # after a word of place, and the towns listed after it ("in Hiroshima and Nagasaki", "from Leeds, Bradford")
    for m in re.finditer(rf"\b(?i:in|from|to|via|near|around|outside|nr\.?|out[ \t]+of)[ \t]+({town}(?:(?:,|[ \t]+and|[ \t]+or)"
                         rf"[ \t]+{town})*)", text):
        for part in re.finditer(town, m.group(1)):
            words = list(re.finditer(r"[^\s-]+", part.group(0)))
            first = m.start(1) + part.start()
            for n in range(len(words), 0, -1):  # the longest town: "Milton Keynes", "Stoke-on-Trent"
                start, end = first, first + words[n - 1].end()
                if n < len(words) and words[n].group(0)[0].isupper():
                    continue  # a town's name inside a longer name: "in Ann Emerg Med", "Suffolk County"
                if _take_town(text, start, end, gazetteer, taken, out):
                    break
    # in an address, before its postcode or state and ZIP ("Glasgow G51 4TF", "Springfield, IL 62704"), and
    # "Leeds-based" (kept, a privacy review)
    # and before a US state's code ("Boston, MA", "Cleveland, OH": kept, a blind review)
    # and before an Australian state's code and postcode ("Geelong VIC 3216") or an Indian PIN ("Chennai - 600116",
    # "Chennai 600 020"; the PIN is removed with it: six digits alone are too common to remove), and before a UK
    # postcode district that ends the address ("Leeds LS6."; alone it may be a vertebra or a vitamin: L5, B12)
    for m in re.finditer(rf"\b({PLACE_WORD}(?:[ \t]+{PLACE_WORD})?)(?=,?[ \t]+(?:{UK_AREA}\d[A-Z\d]?[ \t]*\d[A-Z]{{2}}|"
                         rf"{US_STATE}[ \t]+\d{{5}}|{AU_STATE}[ \t]+\d{{4}}|{CA_PROVINCE}[ \t]+[A-Z]\d[A-Z])\b|-based\b|,[ \t]*{US_STATE}\b(?![a-z])|"
                         rf"[ \t]+{US_STATE}(?=[ \t]*(?:[)\n;]|$))|,[ \t]*(?:{US_STATE_NAME})\b|[ \t]+City\b|"
                         rf"(?:,|[ \t]*[-–])?[ \t]+([1-9]\d{{2}}[ \t]?\d{{3}})\b(?![-/.,]?\d|[ \t]*(?:%|(?i:{UNITS})\b))|"
                         rf",?[ \t]+({UK_AREA}\d[A-Z\d]?)(?=[ \t]*(?:[.,;)\n]|$)))", text):
        start, end = m.span(1)
        postal = re.match(rf",?[ \t]+(?:{AU_STATE}[ \t]+\d{{4}}|{US_STATE}[ \t]+\d{{5}}|{CA_PROVINCE}[ \t]+[A-Z]\d[A-Z])\b", text[end:])
        if text[start:end].lower() not in address_towns and not (  # "Normal IL", "Bath BA1 3NG": a town and a word too
                postal and all(w not in NOT_NAMES and w not in GENERIC_PLACE and not _STREET_END.search(w)
                               for w in text[start:end].split())):  # any town before a state and postcode ("Halls Creek WA 6770")
            continue
        if not any(taken[start:end]):
            out.append(Span(start, end, "LOCATION", text[start:end]))
            taken[start:end] = [True] * (end - start)
        for g in (2, 3):  # a PIN, a UK postcode district alone ("Leeds LS6.")
            pin = m.span(g)
            if m.group(g) and not any(taken[slice(*pin)]):
                out.append(Span(*pin, "POSTCODE", m.group(g)))
                taken[slice(*pin)] = [True] * (pin[1] - pin[0])
    # after a hospital, practice or home and a comma: "St Mary's Hospital, Manchester" kept the city while
    # "in Cambridge" lost it (a review)
    for m in re.finditer(rf"(?<![\d.,])\d{{5}}[ \t]+({town})(?=[ \t]*(?:[,\n]|$))", text, re.M):  # "40400 Shah Alam"
        _take_town(text, *m.span(1), address_towns, taken, out)
    for m in re.finditer(rf"\b{PLACE_NOUN}(?:['’]s)?,?[ \t]+(?!{PLACE_NOUN}\b)({town})\b", text):  # not "Medical Center"
        words = list(re.finditer(r"[^\s-]+", m.group(1)))
        comma = "," in text[m.start():m.start(1)]  # "Royal Wessex Infirmary, Bath": a town that is also a word too
        for n in range(len(words), 0, -1):  # "Clinic, Glasgow Coma Scale 15" keeps Glasgow (_take_town)
            if re.match(rf"[ \t]+{PLACE_NOUN}\b", text[m.start(1) + words[n - 1].end():]):
                continue  # a team's or a service's name after its clinic ("Primary Care Clinic, Green Team")
            if _take_town(text, m.start(1), m.start(1) + words[n - 1].end(), address_towns if comma else gazetteer,
                          taken, out):
                break
    return out


def _take_town(text: str, start: int, end: int, gazetteer, taken: list[bool], out: list[Span]) -> bool:
    """Take text[start:end] as a town when the gazetteer has it, nothing took it yet, and it does not name a score,
    scale or chart ("Glasgow Coma Scale", "Bristol stool chart") or a possessive."""
    if text[start:end].lower() not in gazetteer or any(taken[start:end]) or re.match(
            rf"['’]s\b|[ \t]+(?i:{TOWN_TOOLS})s?\b", text[end:]):
        return False
    out.append(Span(start, end, "LOCATION", text[start:end]))
    taken[start:end] = [True] * (end - start)
    return True


# "she is 93", "he's ninety-three", "who turned 90": an age, unless a measure follows or a vital sign is the
# subject of the sentence ("sats on air, she is 93", "she is 93 percent")
_AGE_SAID = re.compile(rf"(?:\b(?i:she|he|who|the[ \t]+patient|patient|pt|resident|client|gentleman|lady|man|woman)(?:[ \t]+(?i:is|was|turned|turns|has[ \t]+turned|"
                       rf"will[ \t]+be)|['’](?i:s))|\b(?i:shes|hes)|\bI(?:['’]m|[ \t]+am))(?:[ \t]+(?i:now|only|nearly|almost|just|about))?[ \t]+({AGE_OVER_89})\b"
                       rf"(?![ \t]*(?:%|[-/.,:]\d|(?i:percent|per|over|on|in|out|of|and[ \t]+\d|kg|kilo\w*|kilograms?|"
                       rf"mm\w*|cm|bpm|beats|breaths|points?|mg|ml|units?|litres?|degrees|minutes|mins|seconds|hours|days|"
                       rf"weeks|months|lbs?|pounds|stone|centile|percentile)\b))")
_VITALS = re.compile(r"\b(?i:sats|saturations?|saturating|spo2|o2|oxygen|pulse|heart[ \t]+rate|hr|bp|blood[ \t]+pressure|"
                     r"systolic|diastolic|temp|temperature|weight|weighs|score|mmse|moca|rate|glucose|sugars?|cbg|bm)\b")


# a day and month that can only be a date, the day 13-31 ("NSTEMI 14/2.", "call 3/15 by peer", "Fall at the home
# 16/02."; kept, a blind review), at the end of a clause; not a count in brackets ("(7/14, 50%)") nor a spread
_DAY_MONTH = re.compile(r"(?<![\d/.:(])(?<!\+/-[ \t])(?<!±[ \t])(?<!±)((?:0?[1-9]|1[0-2])/(?:1[3-9]|2\d|3[01])|(?:1[3-9]|2\d|3[01])/(?:0?[1-9]|1[0-2]))"
                        r"(?![/\d]|\.\d)(?=[ \t]*(?:[.:;,)\n]|$)|[ \t]+(?:by|at|via|with|[-–])[ \t]|[ \t]+(?:[01]?\d|2[0-3]):[0-5]\d\b)", re.M)
# not a score, a power, visual acuity or a count out of a total ("GCS 3/15", "VA 6/18", "3/28 nodes")
_FRACTION = re.compile(r"(?<![\d/])\d{1,3}/\d{1,3}(?![\d/])")
_SCORED = re.compile(r"\b(?i:gcs|amts?|mmse|moca|mrc|power|score|scored|va|acuity|vision|nodes?|cores?|ratio|x|phq-?9?|gad-?7?|"
                     r"news2?|epds|audit(?:-c)?|nihss|cat|ess|qrisk3?|pain|hads|k10|dass|ace-?iii|bdi|pcl-?5?)[ \t:]*$")


def _days_and_months(text: str, taken: list[bool]) -> list[Span]:
    out = []
    for m in _DAY_MONTH.finditer(text):
        start, end = m.span(1)
        if any(taken[start:end]) or _SCORED.search(text, max(0, start - 12), start) or re.fullmatch(
                r"6/(?:18|24|36|60)", m.group(1)):
            continue
        if _FRACTION.search(text[max(0, start - 30):start]) or _FRACTION.search(text[end:end + 30]):
            continue  # one of a list of scores ("attention 12/18, memory 9/26, fluency 5/14")
        out.append(Span(start, end, "DATE", m.group(1)))
        taken[start:end] = [True] * (end - start)
    return out


# a day and month without the year and without a word of time before it ("Blood cx 6/1", "LABS  02/26  02/28")
_SHORT_DATE = re.compile(r"(?<![\d/.:])(\d{1,2})/(\d{1,2})(?![/\w]|\.\d)")
_MONTH_FIRST = re.compile(r"(?:0?[1-9]|1[0-2])/(?:1[3-9]|2\d|3[01])(?:/\d{2,4})?")
_DAY_FIRST = re.compile(r"(?:1[3-9]|2\d|3[01])/(?:0?[1-9]|1[0-2])(?:/\d{2,4})?")
_NOT_A_DAY_AFTER = re.compile(rf"[ \t]*(?i:{COUNTED}|of|mg|ml|tabs?|strength|mm[ \t]?hg|cm[ \t]?h2o|sets?|bottles?|cores?|nodes?)\b")
_DEVICE_SETTING = re.compile(r"\b(?i:bipap|cpap|nippv|niv|peep|ipap|epap|vent|ventilator|settings?|ps|pressure|ht|height|"
                             r"biceps|triceps|supinator|knees?|ankles?|reflexes|plantars?)[ \t:]*(?i:at|of|on)?[ \t]*$")
# not a pair of values under a paired label or an eye's acuity ("H/H 9/27", "Hb/plt 10/5", "RE 6/5"), nor a drug's
# strength before its dose ("Oramorph 10/5 PRN", "Loestrin 1/20 daily")
_PAIRED_LABEL = re.compile(r"(?:\b[A-Za-z]+/[A-Za-z]+|\b(?:RE|LE|OD|OS|OU|R|L))[ \t:]*$")
_DOSING_AFTER = re.compile(r"[ \t]*(?i:prn|bd|bid|tds|tid|qds|qid|od|om|nocte|mane|daily|qhs|qd|stat|mg|mcg|micrograms?|"
                           r"tabs?|caps?|puffs?|lymph|biops\w*|specimens?|sessions?|fractions?|cycles?|on[ \t]+the)\b")  # "BiPAP 10/5"


def _short_dates(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """A day and month written with neither year nor a word of time, taken where only a date reads so:
    - written with a leading zero ("02/26", "07/04"): a count, a score or the UK's "3/12" (three months) never is;
    - in a note that writes its other dates month first ("2/27", "10/31/2024") and never day first, a month and day
      that no score or fraction reads as ("6/3", "10/9", "3/12"; not "4/5", "7/10", "1/2");
    - in a note that writes them day first and never month first, a day after its month ("29/2", "10/04"); not
      the UK's days and months ("10/7" is ten days, "18/12" eighteen months).
    Never after a score's or vital sign's name nor before a unit or a count ("power 4/5", "x 2/7 days")."""
    dates = [s.text for s in found if s.kind == "DATE"]
    month_first = any(_MONTH_FIRST.fullmatch(d) for d in dates)
    day_first = any(_DAY_FIRST.fullmatch(d) for d in dates)
    out = []
    for m in _SHORT_DATE.finditer(text):
        start, end = m.span()
        first, second = int(m.group(1)), int(m.group(2))
        if any(taken[start:end]) or not (1 <= first <= 31 and 1 <= second <= 31) or min(first, second) > 12:
            continue
        if (_SCORED.search(text, max(0, start - 12), start) or _VITALS.search(text, max(0, start - 16), start)
                or _DEVICE_SETTING.search(text, max(0, start - 20), start) or _PAIRED_LABEL.search(text, max(0, start - 12), start)
                or _DOSING_AFTER.match(text, end)
                or _NOT_A_DAY_AFTER.match(text, end) or re.fullmatch(r"0?6/(?:18|24|36|60)", m.group(0))):
            continue
        padded = "0" in (m.group(1)[0], m.group(2)[0]) and len(m.group(1)) == len(m.group(2)) == 2
        listed = _FRACTION.search(text[max(0, start - 30):start]) or _FRACTION.search(text[end:end + 30])
        if padded:
            pass
        elif month_first and not day_first:
            if first > 12 or first <= second <= 10 or listed and first <= second:
                continue  # a score or a share ("4/5", "7/10"), one of a list of subscores ("memory 9/26, ...")
        elif day_first and not month_first:
            if not (first > second and second not in (7, 12)):
                continue
        else:
            continue
        out.append(Span(start, end, "DATE", m.group(0)))
        taken[start:end] = [True] * (end - start)
    return out


def _ages_said(text: str, taken: list[bool]) -> list[Span]:
    """An age over 89 said with a pronoun ("she is 93", "he's ninety-three"), as a dictation gives it."""
    out = []
    for m in _AGE_SAID.finditer(text):
        start, end = m.span(1)
        sentence = text[max(0, m.start() - 80):m.start()]
        sentence = re.split(r"[.!?;\n]", sentence)[-1]
        if any(taken[start:end]) or _VITALS.search(sentence):
            continue
        out.append(Span(start, end, "AGE>89", m.group(1)))
        taken[start:end] = [True] * (end - start)
    return out


_BRAND = re.compile(rf"(?:(?<![\w-])({BRANDS})|(?:\b(?i:at|to|from|called|with|for)[ \t]+(?:the[ \t]+)?|\b(?i:pharmacy)[ \t]*:[ \t]*)"
                    rf"({BRANDS_IN_CONTEXT}|(?<=(?i:at|om|ed)[ \t])CVS|(?<=:[ \t])CVS|(?<=\b(?i:at|om|ed)[ \t]the[ \t])CVS|"
                    rf"(?<=to[ \t])CVS(?=[ \t]+(?i:on|at|in|pharmacy)\b)))(?![\w-])"
                    rf"(?![ \t]+(?i:disease|exam|examination|clinic|review|risk|system|check)\b)"
                    rf"((?:[ \t]+(?:Pharmacy|Chemists?|Drugs?|Stores?|Supermarket)(?![\w-]))?"  # "CVS Pharmacy" whole
                    rf"(?:[ \t]+(?!{MONTHS}\b|{WEEKDAYS}|(?:Pharmacy|Rx|Stores?)\b){PLACE_WORD}(?:[ \t]+{PLACE_WORD}){{0,2}}(?![\w'’-]))?)")
# an employer after the work done there ("31 yrs at Caterpillar", "works as a millwright at Toyota Motor Manufacturing
# Canada", "cashier at Shoprite Protea Glen"); generic employers ("the Army", "the NHS") are no identifier
_EMPLOYER = re.compile(r"\b(?:(?i:works?|worked|working|employed|job|shifts?|retired|volunteers?|volunteering|"
                       r"nights|cashier|barman|barmaid|waitress|waiter|cleaner|labourer|laborer|driver|machinist)"
                       r"(?:[ \t]+(?i:as[ \t]+an?)[ \t]+[a-z][a-z -]{1,30}?|[ \t]+(?:weekends|nights|days|evenings|part-time|"
                       r"full-time|shifts))?[ \t]+(?i:at|for|from)|(?i:years|yrs)[ \t]+(?i:at))[ \t]+(?:the[ \t]+)?"
                       r"((?:[A-Z][\w'’&-]*)(?:[ \t]+(?:[A-Z][\w'’&-]*|&|of|and)){0,4})")
_GENERIC_EMPLOYERS = {"Army", "Navy", "RAF", "Marines", "Air", "Force", "NHS", "HSE", "Police", "Council", "Government",
                      "Post", "Office", "Civil", "Service", "Fire", "Brigade", "Railways", "Home", "Weekends", "Christmas",
                      "Night", "Nights", "Work", "School", "Hospital", "University", "College", "Church", "I",
                      "A", "An", "The", "His", "Her", "Their", "Our", "My", "Local", "Same", "Age", "Present", "Time"}


# a labelled address field, "Address: Plot No. 30-C, Karve Road, Erandwane, Pune" (its house, street, locality and
# town were removed in parts or not at all where the gazetteers lack them; a blind review): the field's value to the
# end of its line, a column gap, a semicolon, a bracket or the sentence's end
_ADDRESS_FIELD = re.compile(r"(?:^[ \t]*|(?<=[ \t]{2})|(?<=[\t,|;])|(?<=[,|;:][ \t]))(?i:(?:home|residential|postal|mailing|previous|prev|current|permanent|usual|correspondence|"
                            r"patient['’]?s|pt['’]?s|new|old|temporary|delivery)[ \t]+)?(?i:address|addr)"
                            r"(?:[ \t]+(?i:on[ \t]+file|verified|confirmed|given))?[ \t]*:[ \t]*"
                            r"([^\n;|(]*?)(?=[ \t]{2,}|\t|[ \t]*(?:[;|(\n]|$)|\.[ \t]*$|(?<!St)(?<!Mt)(?<!No)(?<!Dr)\.(?=[ \t]+[A-Z]))",
                            re.M)
_NO_ADDRESS = re.compile(r"(?i:see|as[ \t]|same|unknown|not[ \t]|none|nil|nfa|no[ \t]+fixed|n/a|withheld|on[ \t]+file|"
                         r"confirmed|verified|updated|changed|unchanged|correct|given|declined|homeless|\[)")


def _address_fields(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """What an address label's value holds and no rule took yet (a value with a digit or a comma, not "see above")."""
    out = []
    for m in _ADDRESS_FIELD.finditer(text):
        start, end = m.span(1)
        value = m.group(1)
        if (not re.search(r"\d|,", value) or _NO_ADDRESS.match(value) or not re.search(r"[A-Z]", value)
                or _NOT_AN_ADDRESS.search(value)):
            continue
        out += _untaken_parts(text, start, end, taken)
    # an address on a line of its own or after any label ("Plot No. 30-C, Karve Road, Erandwane, Pune - 411004",
    # "Home: 7 Kirk Brae, Banchory"): a house number or word first, parts set off by commas, each a name or a number,
    # and a street or postcode the rules found in it
    for m in _ADDRESS_LINE.finditer(text):
        start, end = m.span(1)
        parts = [p.strip() for p in m.group(1).split(",")]
        if (len(parts) >= 2 and all(re.match(r"[A-Z\d]", p) and len(p.split()) <= 5 or p.split()[0] in _ADDRESS_SMALL
                                    for p in parts if p)
                and not _MEASURE.search(m.group(1)) and not _NOT_AN_ADDRESS.search(m.group(1))
                and _address_evidence(text, start, end, found)):
            out += _untaken_parts(text, start, end, taken)
    return out


_ADDRESS_SMALL = ("off", "near", "opp.", "opposite", "behind")
# a measure or a clinical word makes a line no address ("6 Minute Walk Test, 320 m, Sats 91%")
_MEASURE = re.compile(r"\d[ \t]*(?:%|(?:mg|mcg|ml|mL|kg|g|mmol|mm|cm|m|s|ms|bpm|kph|mph|hrs?|mins?|units?)\b)|"
                      r"\b(?i:sats|news|obs|test|score|walk|drive|rise|degrees?|minutes?|hours?)\b")
_HOUSE_NUMBER = re.compile(r"\b(?:Flat|Plot|House|Apt|Blk|Lot|Villa|Door|Shop|Suite|PMB|P\.?[ \t]?O\.?[ \t]+Box|Private[ \t]+Bag)"
                           r"[ \t]*(?:No\.?)?[ \t]*[A-Z]?\d")
_NOT_AN_ADDRESS = re.compile(r"\b(?:Ward(?![ \t]+No\.)|Wing|Bed|Bay|Theatre|Cubicle|Lives|Living|Exp|Expiry|Batch|Site(?![ \t]+[A-Z]\b)|Dose|"
                             r"Route|Given|Steps?|Stairs|Rail)\b|\b(?:with|alone|storey|house|steps?|stairs)\b")


def _address_evidence(text: str, start: int, end: int, found: list[Span]) -> bool:
    """A house word with its number, a postcode, a place, or a street whose name holds a word only a name would be (not
    "6 Minute Walk", "2 Hr Close")."""
    if _HOUSE_NUMBER.search(text, start, end):
        return True
    for f in found:
        if not start <= f.start < end:
            continue
        if f.kind == "POSTCODE" or f.kind == "LOCATION" and not re.search(rf"\b{PLACE_NOUN}$", f.text):
            return True
        if f.kind == "ADDRESS" and any(len(w) >= 3 and re.search(r"[a-z]", w) and _proper(w)
                                       and w.lower() not in plain_words() for w in re.findall(r"[\w'’-]+", f.text)):
            return True
    return False
_ADDRESS_LINE = re.compile(r"^[ \t]*(?:[A-Z][A-Za-z ]{0,20}:[ \t]*)?((?:\d{1,5}[A-Za-z]?(?:[-/]\w{1,4})?|(?:Flat|Unit|Plot|House|Apt|"
                           r"Blk|Block|Lot|Shop|Door|Villa|No\.?|PMB|Private[ \t]+Bag|P\.?[ \t]?O\.?[ \t]+Box)\b)[^\n;|(]*?)(?=[ \t]{2,}|\t|[ \t]*(?:[;|(\n]|$)|\.[ \t]*$|"
                           r"(?<!St)(?<!Mt)(?<!No)(?<!Dr)\.(?=[ \t]+[A-Z]))",
                           re.M)


def _is_state(part: str) -> bool:
    """A state, province or region: wider than an identifier under Safe Harbor ("IL", "NSW", "Anambra State")."""
    return bool(re.fullmatch(rf"{US_STATE}|{AU_STATE}|{CA_PROVINCE}|.+[ \t](?:State|Region|Province)", part)) or (
        part.lower() in states() or part.lower() in regions())


_FIELD_LABEL = re.compile(r"\b[A-Z][A-Za-z-]*(?:[ \t][A-Za-z-]+)?[ \t]*:")


def _untaken_parts(text: str, start: int, end: int, taken: list[bool]) -> list[Span]:
    """The stretches of text[start:end] between what earlier rules took (a postcode, a town, a phone) and the labels
    of the fields inside it ("Village:", "Union:")."""
    out, i = [], start
    while i < end:
        if taken[i]:
            i += 1
            continue
        j = i
        while j < end and not taken[j]:
            j += 1
        cuts = [i] + [x for m in _FIELD_LABEL.finditer(text, i, j) for x in m.span()] + [j]
        for a, b in zip(cuts[::2], cuts[1::2]):
            while a < b and text[a] in " \t,.-–":
                a += 1
            while b > a and text[b - 1] in " \t,.-–":
                b -= 1
            pieces = [(a + m.start(), a + m.end()) for m in re.finditer(r"[^,]+", text[a:b])]
            while pieces and _is_state(text[slice(*pieces[-1])].strip()):  # "..., Nyanga, Zimbabwe": not the country
                pieces.pop()
            while pieces and _is_state(text[slice(*pieces[0])].strip()):
                pieces.pop(0)
            if not pieces:
                continue
            a, b = pieces[0][0], pieces[-1][1]
            while a < b and text[a] in " \t":
                a += 1
            while b > a and text[b - 1] in " \t":
                b -= 1
            if b > a and (re.search(r"[A-Z\d]", text[a:b]) or text[a:b] in _ADDRESS_SMALL):
                out.append(Span(a, b, "ADDRESS", text[a:b]))
                taken[a:b] = [True] * (b - a)
        i = j
    return out


# a hospital or health centre with its town or village after it ("Divisional Hospital Wakwella", "Rural Health Centre
# Manga Mandi", "Primary Health Centre, Thiruvennainallur"; kept, a blind review): words only a name would be
_FACILITY_END = re.compile(r"(?:Hospital|Health[ \t]+Cent(?:re|er)|Health[ \t]+Unit|Health[ \t]+Post|Clinic|Dispensary|PHC|CHC)$")
_FACILITY_TAIL = re.compile(rf",?[ \t]+({PLACE_WORD}(?:[ \t]+{PLACE_WORD})?)(?![\w'’-])(?![ \t]+{PLACE_NOUN}\b)")


_OF_STATE = re.compile(rf"[ \t]+of[ \t]+({US_STATE_NAME})\b")


def _facility_towns(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    out = []
    for span in found:
        state = _OF_STATE.match(text, span.end) if span.kind == "LOCATION" and (
            _TRADE_END.search(span.text) or _NAMED_END.search(span.text)) else None
        if state and not any(taken[span.end:state.end()]):  # a plan or insurer of its state ("Molina Healthcare of Ohio")
            out.append(Span(span.end + len(re.match(r"[ \t]+", text[span.end:]).group(0)), state.end(), "LOCATION",
                            text[span.end:state.end()].strip()))
            taken[span.end:state.end()] = [True] * (state.end() - span.end)
            continue
        if span.kind != "LOCATION" or not _FACILITY_END.search(span.text):
            continue
        m = _FACILITY_TAIL.match(text, span.end)
        if not m or any(taken[slice(*m.span(1))]):
            continue
        words = m.group(1).split()
        if (all(_proper(w) and w not in NOT_NAMES and w not in GENERIC_PLACE and not never_name(w)
                and not w.lower().endswith(_CLINICAL_TAILS + _CLINICAL_ENDINGS) and not w.lower().endswith("ray")
                for w in words)
                and re.match(r"[ \t]*(?:[,.;:()\n]|$|(?:on|in|at|for|and|to|from|with|via|by|under)\b)", text[m.end(1):])):
            out.append(Span(*m.span(1), "LOCATION", m.group(1)))
            taken[slice(*m.span(1))] = [True] * len(m.group(1))
    return out


_STREET_END = re.compile(rf"\b(?:{STREET})\.?$")
# what follows a town's name when it names a disease, a test or a line ("Lyme serology", "Hickman line", "Bethesda
# category", "Framingham risk"; a review)
_EPONYM_AFTER = r"syndrome|disease|line|serology|category|risk|sign|criteria|rule|test|catheter|study|score|virus|fever"
_EPONYM_TOWNS = {"salter", "ringer", "hartmann", "doppler", "swan", "ganz", "trendelenburg", "babinski", "weber", "paget",
                 "colles", "monteggia", "chance", "lyme", "bethesda", "hickman", "framingham", "wells", "apgar", "glasgow"}
_CLINICAL_TAILS = ("ia", "oma", "pathy", "algia", "uria", "itis", "osis", "emia", "aemia", "ine", "ole", "mab", "nib")


def _recurring_places(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """A town or locality found once (in an address, after "lives in") is removed where it recurs ("Address: ...,
    Redcliffe QLD 4020" ... "Blue Care Redcliffe"; kept, a blind review), as a name is; a place that is also an
    everyday word ("Bath", "Reading") only where the rules find it."""
    places = set()
    for s in found:
        if s.kind not in ("LOCATION", "ADDRESS"):
            continue
        for part in re.split(r"[ \t]*,[ \t]*", s.text):
            words = part.split()
            if (1 <= len(words) <= 3 and all(re.fullmatch(rf"{PLACE_WORD}|[A-Z][a-z]+-[A-Z]?[a-z]+", w) for w in words)
                    and part.lower() not in regions() and part.lower() not in states() and not _STREET_END.search(part)
                    and not re.search(rf"\b{PLACE_NOUN}$", part)
                    and all(_proper(w) and w not in GENERIC_PLACE and w not in NOT_NAMES and not never_name(w)
                            for w in words)
                    and (len(words) > 1 or len(part) >= 4 and part.lower() not in plain_words())  # "Reading", "San"
                    and not any(w.lower() in EPONYMS | _EPONYM_TOWNS or w.lower().endswith(_CLINICAL_TAILS) for w in words)):
                places.add(part)
    out = []
    for place in sorted(places, key=len, reverse=True):
        for m in re.finditer(rf"(?<![\w-]){re.escape(place)}(?![\w-])", text):
            if not any(taken[m.start():m.end()]) and not re.match(rf"['’]s\b|(?:[ \t]+\w+)?[ \t]+(?i:{TOWN_TOOLS}|{_EPONYM_AFTER})s?\b",
                                                                  text[m.end():]) and not EPONYMOUS_THING.match(text, m.end()):
                out.append(Span(m.start(), m.end(), "LOCATION", m.group(0)))
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
    return out


# a child or relative listed with an age in brackets ("Children Chidera (9 yrs) and Somto (5 yrs)")
_WITH_AGE = re.compile(rf"({NAME_WORD})[ \t]*\((?:aged?[ \t]*)?\d{{1,2}}(?:[ \t]*(?:yrs?|years?|y|yo|y/o|mo|mos|months?)"
                       rf"(?:[ \t]+old)?)?\)")
_FAMILY_BEFORE = re.compile(rf"\b(?i:{RELATIONS}|children|kids|sons|daughters|grandchildren|grandkids|siblings|brothers|"
                            rf"sisters)\b[^.\n]{{0,60}}$")
# a name written surname first under a label, as Ugandan and Kenyan registers do ("VHT member: Nakato Harriet",
# "Head of household: Ssemakula Joseph"): two words ending a field, one a given name, the other a word only a name is
_LABELLED_PAIR = re.compile(rf"(?:^|(?<=[ \t]{{2}}))[A-Z][A-Za-z /'’-]{{0,30}}\b(?i:member|household|child|patient|client|"
                            rf"mother|father|guardian|caregiver|carer|name|contact|informant|kin|nok|spouse|husband|wife|"
                            rf"head|owner|seen|worker|officer|volunteer|by|VHT|CHW|CHV)[ \t]*:[ \t]*({NAME_WORD})[ \t]+({NAME_WORD})"
                            rf"(?=[ \t]{{2,}}|[ \t]*(?:$|[,;]))", re.M)


def _listed_people(text: str, taken: list[bool]) -> list[Span]:
    out = []
    for m in _WITH_AGE.finditer(text):
        word = m.group(1)
        if (not any(taken[slice(*m.span(1))]) and _FAMILY_BEFORE.search(text, max(0, m.start() - 70), m.start())
                and _proper(word) and word not in NOT_NAMES and not never_name(word)):
            out.append(Span(*m.span(1), "NAME", word))
            taken[slice(*m.span(1))] = [True] * len(word)
    gazetteer = given_names()
    for m in _LABELLED_PAIR.finditer(text):
        a, b = m.group(1), m.group(2)
        if any(taken[m.start(1):m.end(2)]) or any(w in NOT_NAMES or never_name(w) for w in (a, b)):
            continue
        if (a.lower() in gazetteer and _proper(b) and b.lower() not in plain_words()
                or b.lower() in gazetteer and _proper(a) and a.lower() not in plain_words()):
            out.append(Span(m.start(1), m.end(2), "NAME", text[m.start(1):m.end(2)]))
            taken[m.start(1):m.end(2)] = [True] * (m.end(2) - m.start(1))
    return out


def _chinese_name(name: str) -> bool:
    """Given names of Chinese syllables ("CHEUNG Mei Ling", "Leung Chi-keung"; not "NG Tube", "LEE Will Review")."""
    given = re.split(r"[ \t-]+", name.split(",")[0])[1:]  # an English name after a comma is the person's too
    return all(_syllables(w.lower()) for w in given if w)  # "NG Tube", "KOH Prep", "Lee Follow-up" stay


def _syllables(word: str) -> bool:
    """The word is one to three romanised Chinese syllables ("ka", "meiling", "zhiwei")."""
    if word in CHINESE_SYLLABLES:
        return True
    return any(word[:i] in CHINESE_SYLLABLES and (word[i:] in CHINESE_SYLLABLES or
                                                  any(word[i:j] in CHINESE_SYLLABLES and word[j:] in CHINESE_SYLLABLES
                                                      for j in range(i + 1, len(word))))
               for i in range(1, len(word)))



def _shops_and_employers(text: str, taken: list[bool]) -> list[Span]:
    """Shops, pharmacies and employers by their bare names ("Walgreens on Capitol Dr", "Rx sent to Boots", "31 yrs at
    Caterpillar"; kept, a blind review): where a person works or shops narrows who they are."""
    out = []
    for m in _BRAND.finditer(text):
        start, end = m.start(1) if m.group(1) else m.start(2), m.end(3)  # with its branch ("Shoprite Lentegeur")
        if not any(taken[start:end]):
            out.append(Span(start, end, "LOCATION", text[start:end]))
            taken[start:end] = [True] * (end - start)
    for m in _EMPLOYER.finditer(text):
        words = m.group(1).split()
        while words and words[-1] in ("of", "and", "&"):
            words.pop()
        if not words or any(taken[m.start(1):m.start(1) + 1]) or re.fullmatch(r"[A-Z0-9]{2,6}", " ".join(words)):
            # an acronym alone is a disease as often as a firm ("6.0 years for SCC")
            continue
        end = m.start(1) + list(re.finditer(r"\S+", m.group(1)))[len(words) - 1].end()  # "Acme  Widgets" whole
        if not any(re.sub(r"['’]s$", "", w) not in _GENERIC_EMPLOYERS and w not in GENERIC_PLACE and w not in NOT_NAMES
                   and w.lower() not in towns() and not re.fullmatch(rf"{MONTHS}|{WEEKDAYS}", w) for w in words):
            continue
        start = m.start(1)
        if not any(taken[start:end]):
            out.append(Span(start, end, "LOCATION", text[start:end]))
            taken[start:end] = [True] * (end - start)
    return out


_SCORE = re.compile(rf"{SCORE_EPONYMS}(?=(?:[ \t]+(?i:score|index|stage|scale))?[ \t]*[:=]?[ \t]*\d{{1,3}}(?![\d:]|st|nd|rd|th|"
                    rf"[ \t]+(?i:days?|weeks?|hours?|visits?|months?|years?)\b))")


# Words before a month ("in June", "since Jun"): they make a name that is also a month the month
_BEFORE_A_MONTH = r"in|since|until|till|from|by|of|last|next|early|late|mid"
# a month's short form that is also a name, said as the month ("was 81 in Jan", "since Jun")
_MONTH_SAID = re.compile(rf"\b(?i:{_BEFORE_A_MONTH})[ \t]+(?:Jan|Mar|Jun|Aug|Sept?|Dec)$")

# a named day of the year is a date ("New Year's Eve", "Boxing Day"); a month or a feast alone ("in March", "over
# Christmas") is left, as nineteen of twenty-three reviewers left it (a month alone: 2 points of precision on them)
_HOLIDAY = re.compile(r"\b(?:New[ \t]+Year['’]s[ \t]+(?:Eve|Day)|Christmas[ \t]+(?:Eve|Day)|Boxing[ \t]+Day|Hogmanay|"
                      r"Thanksgiving[ \t]+Day|Independence[ \t]+Day|Memorial[ \t]+Day|Labou?r[ \t]+Day|Canada[ \t]+Day|"
                      r"Australia[ \t]+Day|Anzac[ \t]+Day|Waitangi[ \t]+Day|St\.?[ \t]+Patrick['’]s[ \t]+Day)\b")


def _holidays(text: str, taken: list[bool]) -> list[Span]:
    out = []
    for m in _HOLIDAY.finditer(text):
        if not any(taken[m.start():m.end()]):
            out.append(Span(m.start(), m.end(), "DATE", m.group(0)))
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
    return out


def _given_names(text: str, taken: list[bool]) -> list[Span]:
    """Untitled given names from the gazetteer, with a following surname when there is one; not a name this note
    uses as a score's ("Abbey Pain Scale 6 ... repeat Abbey at 72h")."""
    gazetteer = given_names()
    eponyms_here = {m.group(1).lower() for m in re.finditer(rf"\b({NAME_WORD})(?={EPONYMOUS_THING.pattern})", text)}
    out = []
    for m in re.finditer(rf"\b({NAME_WORD})(?:[ \t]+(?:[A-Z]\.[ \t]*|{PARTICLE}[ \t]+|(?:{LOWER_PARTICLE}[ \t]+){{1,2}})?"
                         rf"({NAME_WORD}))?(?![{LOWER}]*['’]s\b)", text):
        first = m.group(1)
        if first.lower() in EVERYDAY_GIVEN_NAMES and first.istitle() and _everyday_given_name(text, m, taken):
            out.append(Span(m.start(1), m.end(2), "NAME", text[m.start(1):m.end(2)]))
            taken[m.start(1):m.end(2)] = [True] * (m.end(2) - m.start(1))
            continue
        if (first.lower() not in gazetteer or first in NOT_NAMES or any(taken[m.start(1):m.end(1)]) or never_name(first)
                or first.lower() in eponyms_here or _MONTH_SAID.search(text, max(0, m.start() - 8), m.end(1))):
            continue
        if EPONYMOUS_THING.match(text, m.end()):  # "Ivor Lewis oesophagectomy" is an operation (removed, a review)
            continue
        end = m.end(1)
        last = m.group(2)
        if (last and last not in NOT_NAMES and not never_name(last) and not any(taken[m.start(2):m.end(2)])
                and (last.lower() not in COMMON or last.lower() in _SURNAME_WORDS)):  # "Mercedes Luna", "Mary King"
            end = m.end(2)
        out.append(Span(m.start(1), end, "NAME", text[m.start(1):end]))
        for i in range(m.start(1), end):
            taken[i] = True
    return out


# everyday words that are family names too, after a given name of the gazetteer
_SURNAME_WORDS = {"baker", "bell", "berry", "carter", "chase", "cooper", "dean", "drew", "duke", "earl", "field", "frank",
                  "grant", "guy", "heath", "hill", "hunter", "king", "lane", "lee", "luna", "lynn", "mason", "miles",
                  "noble", "page", "parker", "porter", "prince", "ray", "reed", "rich", "robin", "rosa", "rose", "russell",
                  "stone", "taylor", "wade", "young", "norman", "grace", "hope", "may"}
_EPONYM_USE = re.compile(rf"(?:['’]s?)?[ \t]+(?i:{EPONYM_NOUNS}|syndrome|extension|manoeuvre|maneuver)\b")
# what a signature's capitals may be instead of a person's initials ("MD (PCP)", "RN (EC)", "-- OK")
_NOT_INITIALS = {"OK", "TBC", "TBA", "NKA", "NFA", "AND", "PCP", "EC", "CNS", "CCU", "HDU", "SHO", "SPR", "NOK", "ANP",
                 "ACP", "CNM", "DNP", "PHN", "MHN", "RMN", "LPN", "CNA", "HCA", "ENP", "APP", "NEW", "OLD", "OFF", "YES",
                 "NIL", "SAME", "STOP", "HOLD", "DONE", "SEEN", "AM", "PM", "ON", "NO",  # "Apixaban 5 mg – NEW"
                 # a note's headings, on a line of their own ("CVS" over a blank line, then the heart sounds)
                 "ROS", "CVS", "RS", "GI", "GU", "OE", "MSK", "ENT", "SH", "FH", "DH", "PC", "HPC", "ICE", "IMP", "DDX",
                 "MSE", "OBS", "CBG", "TTO", "NB", "PS", "RIP", "RR", "SAT", "CC", "EWS", "PO", "QDS", "TED", "LFT",
                 "UE", "TFT", "PMH", "ABG", "VBG", "AXR", "USS", "MDT", "EOL", "POA", "HX", "SHX", "FHX", "DHX", "PSH",
                 "ALL", "END", "TO", "CT", "NAD", "A&E", "ED", "ICU", "PT", "OT", "SLT", "SALT", "DN", "GP", "RX", "DX"}
_NAME_ENDS = re.compile(r"[ \t]*(?:[,(:;/|\n]|$|[A-Z]{2,}\b|[-–—][ \t])")  # "Will Roberts HCSW", "Will Danso, on 26/02"


def _everyday_given_name(text: str, m: re.Match, taken: list[bool]) -> bool:
    """A given name that is also a word, then a family name ("Will Danso", "Grace O'Neill", "Mercedes Luna"): the
    second word a family name of the lists or no everyday word, not a month's, a place's or a term's; after a verb
    ("Will", "May", "Mark") a name's ending must follow ("Will Roberts HCSW /", not "Will Ozempic be covered")."""
    last = m.group(2)
    if (not last or len(last) < 3 or not re.search("[aeiouyAEIOUY]", last)  # "Pat Gc" (a case reference, PAT-GC)
            or any(taken[m.start(1):m.end(2)]) or last in NOT_NAMES or never_name(last) or last.isupper()
            or not (last.lower() in surnames() or last.lower() not in plain_words()) or last.lower() in regions()
            or re.match(MONTHS + r"\b|" + WEEKDAYS, last) or EPONYMOUS_THING.match(text, m.end())
            or re.match(rf"[ \t]*(?:{EPONYM_NOUNS})\b", text[m.end():]) or _SCORE.match(text, m.start())):
        return False
    return m.group(1).lower() not in VERB_GIVEN_NAMES or bool(_NAME_ENDS.match(text, m.end()))


# A hospital or practice in capitals, as a letterhead writes it ("KENYATTA NATIONAL HOSPITAL", "ST. BRENDAN
# REGIONAL MEDICAL CENTER"; kept, a blind review). Not CLINIC or SURGERY: "VASCULAR SURGERY" heads a letter.
# a full stop only in a short word ("ST. BRENDAN", "U.S."): "ALLEN TEST NORMAL. MARIA HOSPITAL" is two sentences
_CAPS_PLACE = re.compile(r"(?<![\w'’.&-])((?:(?:[A-ZÀ-ÖØ-ÞĀ-Ž][A-ZÀ-ÖØ-ÞĀ-Ž'’&-]*|[A-Z]{1,2}\.|(?:[A-Z]\.){2,3}|&)[ \t]+){1,7}(?:HOSPITAL|INFIRMARY|HOSPICE|MEDICAL[ \t]+CENT(?:ER|RE)|"
                         r"HEALTH(?:[ \t]+CENT(?:ER|RE)|[ \t]+SERVICES|[ \t]+TEAM)?|REHABILITATION|RADIOLOGY|IMAGING|NURSING[ \t]+HOME|"
                         r"CARE[ \t]+HOME|POLYCLINIC|MEDICAL[ \t]+PRACTICE|HEALTH[ \t]+BOARD|LABORATORIES|CANCER[ \t]+CENT(?:ER|RE)|"
                         r"ASSOCIATES|WARD|CENT(?:ER|RE)|(?:HEALTH[ \t]+)?COMPLEX|FAMILY[ \t]+(?:MEDICINE|PRACTICE|DOCTORS|HEALTH(?:[ \t]+TEAM)?)|"
                         r"PRIMARY[ \t]+CARE|CANCER[ \t]+CARE|URGENT[ \t]+CARE|PEDIATRICS|PAEDIATRICS|MEDICAL[ \t]+GROUP|"
                         r"PHYSICIANS|POLYCLINICS?|(?:HOME[ \t]+INFUSION[ \t]+)?PHARMACY|(?:HIGH[ \t]+)?SCHOOL|"
                         r"(?:FAMILY[ \t]+)?HEALTH[ \t]+TEAM|(?:NHS[ \t]+)?(?:FOUNDATION[ \t]+)?TRUST|CLINIC|SERVICES?)"
                         # the company's form after a comma: "PEACHTREE HEART ASSOCIATES, P.C."
                         r"(?:,?[ \t]+(?:P\.[ \t]?[CA]\.|PC|PA|PLLC|LLC|INC\.?|LTD\.?|P\.?L\.?L\.?C\.))?)(?![\w'’])")


def _caps_places(text: str, taken: list[bool]) -> list[Span]:
    """Places in capitals with one word that is not generic ("NATIONAL HOSPITAL" alone is not a place)."""
    out = []
    for m in _CAPS_PLACE.finditer(text):
        start, end = m.span(1)
        words = [w.strip(".&-").capitalize() for w in m.group(1).split()]
        words = [w for w in words if w and w.lower() not in CONNECTORS and not re.fullmatch(r"[IVX]+", w.upper())]
        if any(taken[start:end]) or not any(w not in GENERIC_PLACE and w not in NOT_NAMES and w.upper() not in
                                            ABBREVIATIONS and not never_name(w) for w in words[:-1]):
            continue
        # a clinic, a service or a trust only with a word only a name would be ("NOVENA HEART & VASCULAR CLINIC",
        # "HAURAKI DISTRICT NURSING SERVICE"); not a department's heading ("DIABETES CLINIC", "RENAL SERVICES")
        if re.search(r"(?:CLINIC|SERVICES?|TRUST)$", m.group(1)) and (not any(
                _proper(w) for w in words[:-1] if w not in GENERIC_PLACE and w.upper() not in ABBREVIATIONS
                and not w.lower().endswith(("ed", "ing"))) or re.search(r"\b(?:FROM|TO|BY|WITH|AT|IN)\b", m.group(1))):
            continue  # "MEDICATIONS DISPENSED FROM CLINIC": a sentence in capitals
        out.append(Span(start, end, "LOCATION", text[start:end]))
        taken[start:end] = [True] * (end - start)
        town = re.match(r",[ \t]*([A-Z][A-Z'’-]{2,}(?:[ \t][A-Z]{3,})?)\b(?![a-z])", text[end:])
        if town and town.group(1).lower() in towns(with_words=True):  # "..., LAHORE", "..., IBADAN"
            a, b = end + town.start(1), end + town.end(1)
            out.append(Span(a, b, "LOCATION", text[a:b]))
            taken[a:b] = [True] * (b - a)
    return out


_CODE_AT_LINE_END = re.compile(r"[ \t]+(\d{4,6})[ \t]*$", re.M)


def _towns_in_addresses(text: str, taken: list[bool]) -> list[Span]:
    """Towns of the gazetteer on an address's own line ("Belper" under the street) or last in a list of places
    after a comma ("Orlando East, Soweto", "Surulere, Lagos."), where nothing else marks them as a place."""
    gazetteer = towns()
    out = []
    town = rf"{PLACE_WORD}(?:[ \t-]+{PLACE_WORD}){{0,2}}"
    for m in re.finditer(rf"(?:^[ \t]*({town})[ \t]*$|(?<=,[ \t])({town})(?=[ \t]*(?:[.,;(\n]|$)|[ \t]{{2,}}|"
                         r"[ \t]+\d{4,6}[ \t]*$))", text, re.M):
        group = 1 if m.group(1) else 2
        if _take_town(text, *m.span(group), gazetteer, taken, out):
            code = _CODE_AT_LINE_END.match(text, m.end(group))
            if code:  # "Frankton, Hamilton 3204": the postcode with its town
                start = code.start(1)
                if not any(taken[start:start + 4]):
                    out.append(Span(start, start + len(code.group(1)), "POSTCODE", code.group(1)))
                    taken[start:start + len(code.group(1))] = [True] * len(code.group(1))
    for m in re.finditer(rf"(?<=,[ \t])({town})", text):  # "Ysbyty Gwynedd, Bangor", after a place found
        if m.start() >= 3 and taken[m.start() - 3]:
            words = list(re.finditer(r"[^\s-]+", m.group(1)))
            for n in range(len(words), 0, -1):
                if _take_town(text, m.start(), m.start() + words[n - 1].end(), gazetteer, taken, out):
                    break
    return out


_NUMBERED_PLACES = {"route", "building", "bldg", "plot", "block", "blk", "unit", "flat", "suite", "lot", "house", "box",
                    "apt", "apartment", "sector", "phase", "street", "road", "avenue", "lane", "central", "highway", "hwy",
                    "camp", "door", "villa", "shop", "estate", "ward", "zone", "kilometre", "km", "mile", "farm", "stand"}
def _numbered_place(part: str) -> bool:
    """A building, plot or route by its number ("Plot 5091", "Route 12, Building 7"), not a dose ("Dose 12")."""
    m = re.fullmatch(r"([A-Za-z]+)\.?[ \t]+\d+[A-Za-z]?", part)
    return bool(m) and m.group(1).lower() in _NUMBERED_PLACES


_LINE_ENDS = re.compile(r"[ \t]*(?:$|\n|[ \t]{2,}|\||•|[ \t]+(?i:tel|ph|phone|fax)\b)", re.M)
_PLACE_PART = re.compile(r"[A-Z0-9][\w'’.-]*(?:[ \t]+(?:[A-Z0-9][\w'’.-]*|of|on|the|upon|in|de|la|y|and|&)){0,4}")


def _before_postcodes(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """The parts of an address line before its postcode, set off by commas, that nothing else took: a street without a
    number, a suburb, a town outside the gazetteer ("Grenville Place, Cork T12 K4R7", "Horfield, Bristol BS7 9QJ";
    kept, a blind review); not a state or a country, nor what a field's label or a wide gap sets apart."""
    out = []
    for code in [s for s in found if s.kind == "POSTCODE"]:
        if not _LINE_ENDS.match(text, code.end):
            continue  # a postcode inside a sentence: the address rules had their turn
        line_start = text.rfind("\n", 0, code.start) + 1
        segment = text[line_start:code.start]
        cut = max((m.end() for m in re.finditer(r"[ \t]{2,}|\t|[|:;•]|\.[ \t]", segment)), default=0)
        offset = line_start + cut
        for m in re.finditer(r"[^,]+", text[offset:code.start]):
            a, b = offset + m.start(), offset + m.end()
            while a < b and text[a] in " \t":
                a += 1
            while b > a and text[b - 1] in " \t":
                b -= 1
            part = text[a:b]
            words = part.split()
            if (b > a and not any(taken[a:b]) and _PLACE_PART.fullmatch(part) and not _is_state(part)
                    and not re.fullmatch(r"[\d\s-]+", part) and not any(never_name(w) or w in ABBREVIATIONS for w in words)
                    and not re.fullmatch(r"[A-Z]{2,5}(?:-[A-Z]{1,2})?", part)  # a credential: "FNP-C"
                    and (_numbered_place(part) or (part.lower() in towns() or not all(
                        w.lower() in plain_words() for w in words if not w.isdigit()))
                         and not re.search(r"[A-Za-z][ \t]+\d+$", part))):  # "Ground Floor", "Dose 12"
                out.append(Span(a, b, "LOCATION", part))
                taken[a:b] = [True] * (b - a)
    return out


# A patient's surname first on a line of its own or before a field ("Haddad, Samir F", "Delgado, Francisco R    MRN")
_SURNAME_FIRST_LINE = re.compile(r"^[ \t]*([A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?),[ \t]*([A-Z][a-z]+)(?:[ \t]+[A-Z]\.?)?"
                                 r"(?=[ \t]*$|[ \t]{2,}|[ \t]*\()", re.M)


def _surname_first_lines(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """`found` with each such line's name whole (a given-name rule took only "Samir"): the given name must be one."""
    for m in _SURNAME_FIRST_LINE.finditer(text):
        surname, given = m.group(1), m.group(2)
        if given.lower() not in given_names() or never_name(surname) or surname in GENERIC_PLACE or (
                surname.lower() in plain_words() and surname.lower() not in surnames()):
            continue
        a, b = m.start(1), m.end()
        found = [f for f in found if f.end <= a or f.start >= b]
        found.append(Span(a, b, "NAME", text[a:b]))
        taken[a:b] = [True] * (b - a)
    return sorted(found, key=lambda f: f.start)


# The town and four-digit postcode on the line under a street or a box (New Zealand, South Africa, Denmark: "PO Box
# 10442" then "Hamilton 3242"); a town outside the gazetteer is still the address's.
_TOWN_CODE_LINE = re.compile(r"[ \t]*([A-Z][a-z'’]+(?:[ \t-][A-Z][a-z'’]+){0,2})[ \t]+(\d{4})[ \t]*")
_SUBURB_LINE = re.compile(r"[ \t]*([A-Z][a-z'’]+(?:[ \t-][A-Z][a-z'’]+){0,2})[ \t]*")


def _town_code_lines(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """Down from a street line that ends its line: a suburb on a line of its own, then the town and its four-digit
    code ("1290 Cameron Road" / "Greerton" / "Tauranga 3112"); and a ZIP after the street line's own town
    ("1407 N Mays St, Round Rock 78664")."""
    out: list[Span] = []

    def take(a: int, b: int, kind: str) -> None:
        out.append(Span(a, b, kind, text[a:b]))
        taken[a:b] = [True] * (b - a)

    for address in [s for s in found if s.kind == "ADDRESS"]:
        line_end = text.find("\n", address.end)
        line_end = len(text) if line_end < 0 else line_end
        rest = text[address.end:line_end]
        if zip_code := re.fullmatch(r"[ \t]+(\d{5}(?:-\d{4})?)[ \t]*", rest):
            if not any(taken[address.end + zip_code.start(1):address.end + zip_code.end(1)]):
                take(address.end + zip_code.start(1), address.end + zip_code.end(1), "POSTCODE")
            continue
        if rest.strip(" \t,"):
            continue  # something else follows the street on its line
        start = line_end + 1
        for _ in range(2):  # a suburb, then the town and code; or the town and code at once
            if start >= len(text):
                break
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            m = _TOWN_CODE_LINE.fullmatch(text, start, end) or _SUBURB_LINE.fullmatch(text, start, end)
            words = m.group(1).split() if m else []
            if m is None or any(never_name(w) for w in words) or (
                    m.group(1).lower() not in towns() and all(w.lower() in plain_words() for w in words)):
                break  # "Dose 2000", "Room 1204", "Dear Tevita,"
            if not any(taken[m.start(1):m.end(1)]):
                take(m.start(1), m.end(1), "LOCATION")
            if m.re is _TOWN_CODE_LINE:
                if not any(taken[m.start(2):m.end(2)]):
                    take(m.start(2), m.end(2), "POSTCODE")
                break
            start = end + 1
    return out


# A hospital's unit named after a person or a place, with its floor ("Callahan 7 Medical Unit", "Sonoran 5 Telemetry",
# "Lindgren Medical ICU"): the name and number say which building; "Tower 4 Medical Unit" or "Level 5" do not.
_NAMED_UNIT = re.compile(r"\b([A-Z][a-z]{3,})(?:[ \t]+\d{1,2}[A-Z]?(?:[ \t]+(?:[A-Z][a-z'’]+|&)){0,3}[ \t]+(?:Unit|Telemetry|ICU|"
                         r"Ward|Step-?[Dd]own)|(?:[ \t]+(?:Medical|Surgical|Cardiac|Neuro|Neuroscience|Cardiothoracic|"
                         r"Trauma|Burns?|Coronary))+[ \t]+(?:ICU|CCU|Intensive[ \t]+Care[ \t]+Unit))\b")


def _named_units(text: str, taken: list[bool]) -> list[Span]:
    out = []
    for m in _NAMED_UNIT.finditer(text):
        word, (a, b) = m.group(1), m.span()
        if any(taken[a:b]) or word in GENERIC_PLACE | TRADE_GENERIC or never_name(word) or (
                word.lower() in plain_words() and word.lower() not in surnames() and word.lower() not in towns()):
            continue
        out.append(Span(a, b, "LOCATION", m.group(0)))
        taken[a:b] = [True] * (b - a)
    return out


# A letterhead or an addressee's practice: the line of capitalised words just above an address line ("Bayview Eye
# Specialists - Retina Service" over "4470 Mission Gorge Place"; "Lake Wendouree Eye Specialists" over its street).
# A department after a dash stays; a heading, a field or a line with a full stop or a colon is not a place's name.
_HEAD_WORD = r"(?:[A-Z][\w'’.&/-]*|&|of|and|the|for|on|at|de|la|du|y)"
_LETTERHEAD = re.compile(rf"[ \t]*({_HEAD_WORD}(?:,?[ \t]+{_HEAD_WORD}){{1,7}}?)(?:[ \t]+[-–—][ \t]+[A-Z][\w'’ &]{{0,40}})?[ \t]*$")
_NOT_A_LETTERHEAD = re.compile(r"\b(?:Address|Details|Contact|Kin|Information|Demographics|Dear|Re|Patient|Date|To|From|"
                               r"Attn|Department|Dept|Division|Directorate|Ward|Unit|Level|Floor|Room|Bed|Private|"
                               r"Confidential|Summary|Report|Note|Letter|Referral|History|Plan|Assessment)\b")


def _letterheads(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    out = []
    for address in [s for s in found if s.kind == "ADDRESS"]:
        line_start = text.rfind("\n", 0, address.start) + 1
        if text[line_start:address.start].strip() or line_start < 2:
            continue  # the address does not open its line
        above_start = text.rfind("\n", 0, line_start - 1) + 1
        m = _LETTERHEAD.fullmatch(text, above_start, line_start - 1)
        if m is None:
            continue
        a, b = m.span(1)
        words = m.group(1).replace(",", " ").split()
        if (any(taken[a:b]) or _NOT_A_LETTERHEAD.search(m.group(1)) or m.group(1).endswith(".")
                or any(never_name(w) and w not in GENERIC_PLACE for w in words) or len(words) < 2
                or words[0][0].islower() or all(w.title() in GENERIC_PLACE | TRADE_GENERIC
                                                or w.lower() in CONNECTORS or w == "&" for w in words)):
            continue  # a service named by what it does: "Speech Pathology", "Movement Disorders Program"
        out.append(Span(a, b, "LOCATION", text[a:b]))
        taken[a:b] = [True] * (b - a)
    return out


_NICKNAME = re.compile(rf"\.?[ \t]*\(?[ \t]*(?:(?i:goes[ \t]+by|known[ \t]+as|aka)[ \t]+)?[\"“‘']({NAME_WORD})[\"”’']"
                       rf"(?:[ \t]+((?:{PARTICLE}[ \t])?(?:{LOWER_PARTICLE}[ \t]){{0,2}}{NAME_WORD}))?")


def _nicknames(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """A nickname in quotes just after a found name ('Vasquez-Lindqvist, Aurelia ("Rae", she/her)', 'Marcus "Smoke"').
    Tried only where a name ends: searched from every position, its runs of blanks took cubic time (1,000 spaces 9 s)."""
    out = []
    for end in sorted({s.end for s in found if s.kind == "NAME"}):
        m = _NICKNAME.match(text, end)
        if m:
            for g in (1, 2):  # the nickname, and the surname after it ('Concetta "Connie" Van der Berg')
                if m.group(g) and not any(taken[slice(*m.span(g))]) and (g == 1 or m.group(g) not in NOT_NAMES):
                    out.append(Span(*m.span(g), "NAME", m.group(g)))
                    taken[slice(*m.span(g))] = [True] * (m.end(g) - m.start(g))
    return out


# Given names that are also everyday words in lower case (with the gazetteer's common words): "the doctor said", "her son asked" (Said, Asked are names)
_LOWER_NOT_NAMES = {"said", "says", "saw", "was", "has", "had", "did", "does", "can", "and", "but", "not", "now", "then",
                    "also", "just", "only", "felt", "came", "went", "told", "asked", "called", "noted", "reported", "who",
                    "wants", "will", "would", "could", "should", "thinks", "feels", "visits", "visited", "lives",
                    "arrived", "phoned", "rang", "brought", "took", "gave", "agreed", "declined", "present", "here"} | COMMON


def _lower_case_names(text: str, taken: list[bool]) -> list[Span]:
    """A given name of the gazetteer in lower case right after a relation or a role ("her husband kenji", "roommate
    jake", "PSW marisol"), and a name after a lower-case title with its full stop ("dr. tom o'hara at ..."; a blind
    review)."""
    gazetteer = given_names()
    out = []

    def take(start: int, end: int) -> None:
        if not any(taken[start:end]):
            out.append(Span(start, end, "NAME", text[start:end]))
            taken[start:end] = [True] * (end - start)

    for m in re.finditer(rf"\b(?i:{RELATIONS}|{ROLES})[ \t]+\(?([a-z][a-z'’-]{{2,}})\b", text):
        word = m.group(1)
        # "sister joy to bring", "daughter-in-law grace checks": an everyday word no relation is followed by; not
        # "son will visit", "mother rose at six"
        everyday = word in EVERYDAY_GIVEN_NAMES and word not in VERB_GIVEN_NAMES and word != "rose"
        if (everyday or word in gazetteer and word not in _LOWER_NOT_NAMES) and not never_name(word):
            take(*m.span(1))
    for m in re.finditer(r"\b(?i:pt|patient|client|name|scribe)[ \t]*:[ \t]*([a-z][a-z'’-]+(?:[ \t]+[a-z]\.|[ \t]+[a-z](?=[ \t]*(?:\n|$)))?"
                         r"(?:[ \t]+[a-z][a-z'’-]+)?)",
                         text):  # "Pt: tyler j. brennan"
        if m.group(1).split()[0] in gazetteer and m.group(1).split()[0] not in _LOWER_NOT_NAMES:
            take(*m.span(1))
    for m in re.finditer(r"\bdr[ \t]+([a-z][a-z'’-]+[ \t]+[a-z][a-z'’-]+)\b", text):  # "spoke to dr farah siddiqui"
        if m.group(1).split()[0] in gazetteer:
            take(*m.span(1))
    for m in re.finditer(r"\b(?:[Dd]r|[Mm]rs?|Ms|Miss)\.[ \t]+(?!(?:and|or|the|a|to|of)\b)([a-z][a-z'’-]+(?:[ \t]+[a-z][a-z'’-]+)?)"
                         r"(?=[ \t]*(?:[,.;)]|$)|[ \t]+(?:at|of|from|in|and|is|was|who|said|says|to|-|–)(?:\b|[ \t]))", text, re.M):
        take(*m.span(1))
    return out


_WEEKDAY_BEFORE = re.compile(r"(?:\b(?:Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(?:day|sday|nesday|rsday|urday)?\.?,?"
                             r"[ \t]+(?:the[ \t]+)?)$")


# a state's or province's code written with the town ("Parma, OH", "Geelong VIC", "Kingston, ON"): Safe Harbor keeps a
# state, but with the town it narrows where the patient lives, and reviewers mark it with the town (two blind corpora)
_STATE_CODE_AFTER = re.compile(rf"(,?)[ \t]+({US_STATE}|{AU_STATE}|{CA_PROVINCE})(?![\w'’/-])")
_PLACE_ENDS = re.compile(r"[ \t]*(?:[).;:\n]|,[ \t]*(?:[A-Z]|\d)|$|(?:\d{4,5}|[A-Z]\d[A-Z])\b)")
# codes that are also clinical abbreviations ("Leeds, MS diagnosed", "Darwin, NT abdomen"): only where the place ends
_CLINICAL_CODES = {"CT", "PE", "VA", "MS", "CO", "BC", "NS", "PA", "ME", "OR", "NT", "ID", "MD", "SA", "IN", "OK", "AL", "DE",
                   "WA", "MA", "SC", "NE", "AR", "MI", "ON", "NB", "AB", "HI", "IA", "LA", "MO", "ACT", "NSW", "TAS", "VIC"}


_STATE_NAME_AFTER = (re.compile(r",[ \t]+([A-Z][a-z]+[ \t]+[A-Z][a-z]+)(?![\w'’-])"),  # "New York", "Ogun State"
                     re.compile(r",[ \t]+([A-Z][a-z]+)(?:[ \t]+Darul[ \t]+[A-Z][a-z]+)?(?![\w'’-])"))  # "Selangor Darul Ehsan"


def _with_state_codes(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    out = []
    for s in found:
        m = _STATE_CODE_AFTER.match(text, s.end) if s.kind in ("LOCATION", "ADDRESS") else None
        if m and (_NAMED_END.search(s.text) or re.match(r"(?:Ward|Unit)\b", s.text)  # a hospital's or a ward's, not a town's
                  or (not m.group(1) or m.group(2) in _CLINICAL_CODES) and not _PLACE_ENDS.match(text, m.end())):
            m = None
        if not m and s.kind in ("LOCATION", "ADDRESS"):  # or its name ("Dharwad, Karnataka", "Parma, Ohio")
            m = next((m for m in (p.match(text, s.end) for p in _STATE_NAME_AFTER)
                      if m and m.group(1).lower() in states()), None)
        if m and not any(taken[s.end:m.end()]):
            taken[s.end:m.end()] = [True] * (m.end() - s.end)
            s = Span(s.start, m.end(), s.kind, text[s.start:m.end()])
        out.append(s)
    return out


# an organisation's initials defined after its name ("Scioto Valley Medical Center (SVMC)"), then used alone
_DEFINED_ACRONYM = re.compile(r"[ \t]*\(([A-Z][A-Za-z]{1,6})\)")


def _defined_acronyms(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    acronyms = set()
    for s in found:
        m = _DEFINED_ACRONYM.match(text, s.end) if s.kind == "LOCATION" else None
        initials = "".join(w[0] for w in re.findall(r"[^\W\d_][\w'’-]*", s.text) if w.lower() not in CONNECTORS)
        if (m and m.group(1).upper() == initials.upper() and len(initials) >= 2  # "(PCP)" after a name is a role
                and m.group(1) not in ABBREVIATIONS  # "Memorial Hospital (MH)": two letters need a proper name's word
                and (len(initials) >= 3 or any(_proper(w) for w in s.text.split()))):
            acronyms.add(m.group(1))
    out = []
    for acronym in acronyms:
        for m in re.finditer(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])", text):
            if not any(taken[m.start():m.end()]):
                out.append(Span(m.start(), m.end(), "LOCATION", m.group(0)))
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
    return out


def _with_weekdays(text: str, found: list[Span]) -> list[Span]:
    """A date with the weekday written just before it ("Thu 3/14", "Monday the 23rd"): the weekday goes with it."""
    out = []
    for s in found:
        m = _WEEKDAY_BEFORE.search(text, max(0, s.start - 16), s.start) if s.kind == "DATE" else None
        if m and not any(o.end > m.start() for o in out[-1:]):
            s = Span(m.start(), s.end, "DATE", text[m.start():s.end])
        out.append(s)
    return out


def _with_nicknames_inside(text: str, found: list[Span]) -> list[Span]:
    """One span for a name with its nickname inside, 'Wojciech "Voytek" Zieliński', "Daniel (Danny) Whitlock"."""
    spans = sorted(found, key=lambda s: s.start)
    out: list[Span] = []
    i = 0
    while i < len(spans):
        a = spans[i]
        if i + 2 < len(spans) and all(s.kind == "NAME" for s in spans[i:i + 3]):
            b, c = spans[i + 1], spans[i + 2]
            if (re.fullmatch(r"[ \t]*[\"“(][ \t]*", text[a.end:b.start])
                    and re.fullmatch(r"[ \t]*[\"”)][ \t]*", text[b.end:c.start])):
                out.append(Span(a.start, c.end, "NAME", text[a.start:c.end]))
                i += 3
                continue
        out.append(a)
        i += 1
    return out


def _caps_surnames(text: str, taken: list[bool], surname_first: bool = False) -> list[Span]:
    """A surname in capitals beside a given name of the gazetteer, anywhere: "DIZON, Maria Lourdes", "Mohammed Rizwan
    BUTT"; and a Cantonese name, "CHAN Tai-man", "LEUNG Ka-yan, Karen" (a blind review). `surname_first`: only the
    first form, which goes before the towns ("ROSE, Kathleen" is a patient; "to Orlando SAPS" a town's police)."""
    gazetteer = given_names()
    out = []

    def take(start: int, end: int, surname: str) -> None:
        if surname not in ABBREVIATIONS and not never_name(surname.capitalize()) and not any(taken[start:end]):
            out.append(Span(start, end, "NAME", text[start:end]))
            taken[start:end] = [True] * (end - start)

    for m in re.finditer(rf"\b((?:{CAPS_WORD}[ \t]+)?{CAPS_WORD},[ \t]*({NAME_WORD})(?:[ \t]+{NAME_WORD})?(?:[ \t]+[A-Z]\.(?![ \t]*[a-z]))?)", text):
        if m.group(2).lower() in gazetteer:
            take(*m.span(1), m.group(1).split(",")[0])
    # a surname in capitals and a given name between a footer's bars, whatever the given name ("Page 1 of 2 |
    # AKHTAR, Nasreen | NHS ...", "RANGIHUNA, Pania | NHI ...")
    for m in re.finditer(rf"\|[ \t]*({CAPS_WORD},[ \t]*{NAME_WORD}(?:[ \t]+{NAME_WORD})?)[ \t]*\|", text):
        take(*m.span(1), m.group(1).split(",")[0])
    # a given name that is also a word after a surname in capitals, as a footer prints it ("OYELARAN, Grace |",
    # "FAIRBAIRN, May | CHI ...", "McKENZIE, Dawn    URN")
    for m in re.finditer(rf"\b({CAPS_WORD},[ \t]*({NAME_WORD}))(?=[ \t]*(?:\||\n|$)|[ \t]{{2,}})", text, re.M):
        if m.group(2).lower() in EVERYDAY_GIVEN_NAMES:
            take(*m.span(1), m.group(1).split(",")[0])
    # all in capitals, surname first, at the head of a record's line before its number or birth date ("MANALO,
    # LOURDES C   MRN 0007731985"), whatever the given name
    for m in re.finditer(rf"^[ \t]*({CAPS_WORD},[ \t]?{CAPS_WORD}(?:[ \t]+(?:{CAPS_WORD}|[A-Z]\b))?)(?=[ \t]{{2,}}"
                         r"(?:MRN|DOB|D\.O\.B|AGE|SEX|NHS|CHI|HOSP|ID|URN|UR|ACCT|FIN)\b)", text, re.M):
        take(*m.span(1), m.group(1).split(",")[0])
    # all in capitals as record systems print it ("BRANNIGAN,LEROY THOMAS"), the given name the gazetteer's
    for m in re.finditer(rf"\b({CAPS_WORD},[ \t]?({CAPS_WORD})(?:[ \t]+(?:{CAPS_WORD}|[A-Z]\b))?)(?![\w'’-])", text):
        if len(m.group(2)) > 3 and m.group(2).lower() in gazetteer and m.group(2) not in ABBREVIATIONS:  # not "US, EDD"
            take(*m.span(1), m.group(1).split(",")[0])
    if surname_first:
        return out
    for m in re.finditer(rf"\b(({NAME_WORD})(?:[ \t]+{NAME_WORD})?[ \t]+({CAPS_WORD}))(?![\w'’-])", text):
        if m.group(2).lower() in gazetteer:
            take(*m.span(1), m.group(3))
    for m in re.finditer(rf"\b(({CAPS_WORD})(?:[ \t]+[A-Z]\.?)?[ \t]+({CAPS_WORD}))(?![\w'’-])", text):  # "TERRENCE O BYRD"
        if len(m.group(2)) > 3 and m.group(2).lower() in gazetteer and m.group(2) not in ABBREVIATIONS:  # "ESI LEVEL"
            take(*m.span(1), m.group(3))
    for m in re.finditer(rf"\b(({CAPS_WORD})[ \t]+[A-Z][a-z]+-[a-z]+(?:,[ \t]*{NAME_WORD})?)(?![\w-])", text):
        take(*m.span(1), m.group(2))
    return out


_VERHOEFF_D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
               [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
               [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
               [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
_VERHOEFF_P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
               [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
               [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
# a clinical term's SNOMED CT code in brackets, as GP systems print it ("Current smoker (77176002)")
_CODED_TERM = re.compile(r"[a-z][ \t]*\((\d{6,18})\)")


def snomed_concept_id(digits: str) -> bool:
    """A SNOMED CT concept identifier: a concept's partition (00 or 10) before a Verhoeff check digit. A ten-digit
    NHS number or an MRN passes by chance one time in five hundred."""
    if not (6 <= len(digits) <= 18 and digits[-3:-1] in ("00", "10")):
        return False
    check = 0
    for i, d in enumerate(reversed(digits)):
        check = _VERHOEFF_D[check][_VERHOEFF_P[i % 8][int(d)]]
    return check == 0


def _looks_like_id(token: str) -> bool:
    """An identifier, not a code of a drug, a compound or a chromosome band ("A23187", "U-74006F", "SQ29548",
    "1q21-23", "150-200-kb" stay): a run of six digits ("HB2403160022", "RN.415522"), capitals and four digits
    mixed in a part of seven or more ("98A1234E", the serial "7F3A2C91"), or two groups of digits and one of
    capitals with nine digits ("5584-221-907-KT", "CT24-1019-00731"; a case reference "MDT-2026-014" is no record
    number)."""
    if re.search(r"\d[pq]\d", token) or re.fullmatch(r"G\d{1,2}P\d{1,4}", token):  # a band; gravida and para
        return False
    if re.search(r"\d{6,}", token):
        return True
    if re.fullmatch(r"[A-Z]{1,4}\d{2}-\d{4,7}", token):  # an accession by its year: "MB24-55017", "SP23-44719"
        return True
    parts = re.split(r"[-.]", token)
    if any(len(p) >= 7 and re.fullmatch(r"[A-Z0-9]*\d[A-Z]+\d[A-Z0-9]*", p) and sum(c.isdigit() for c in p) >= 4
           for p in parts):
        return True
    return (sum(p.isdigit() and len(p) >= 3 for p in parts) >= 2 and sum(c.isdigit() for c in token) >= 9
            and any(p.isupper() and not p.isdigit() for p in parts))  # "KT", "CT24" (an accession, CT24-1019-00731)


def find_phi(text: str) -> list[Span]:
    """Non-overlapping PHI spans, in text order. A note all in lower case is read with the capitals a name or a
    place would have (deid_lowercase.py), and its spans are the original's."""
    read = with_capitals(text) if mostly_lower_case(text) else lower_case_lines_with_capitals(text)
    if read != text:
        return [Span(s.start, s.end, s.kind, text[s.start:s.end]) for s in _find_phi(read)]
    return _find_phi(text)


_SISTER_JOSEPH = re.compile(r"\bSister[ \t]+Mary[ \t]+Joseph(?:['’]s)?[ \t]+(?i:nodules?|node)\b")


def _find_phi(text: str) -> list[Span]:
    found: list[Span] = []
    taken = [False] * len(text)
    for rule_kind, pattern, group in PATTERNS:
        for m in pattern.finditer(text):
            kind = rule_kind
            # group 0 of a name rule with groups: its alternatives hold the name in different groups
            start, end = m.span(group) if group or pattern.groups == 0 or kind == "LOCATION" else m.span(m.lastindex)
            if kind in ("LOCATION", "PLACE") and any(taken[start:end]) and not taken[end - 1]:
                # "... of Edinburgh and the Royal Belfast Hospital": what an earlier place took is not this one's
                start = max(i for i in range(start, end) if taken[i]) + 1
            if start == end or any(taken[start:end]):
                continue
            if kind == "NAME" and re.search(rf"\b{PLACE_NOUN}$", text[start:end]):
                continue  # "GP: Leith Links Medical Practice" is a place: the place rules take it whole
            if kind == "ID_TOKEN":
                if not _looks_like_id(text[start:end]):
                    continue
                trimmed, kind = (start, end), "ID"
            elif kind == "PREFIXED":
                after = re.findall(r"[^\s,;]+", text[start:end])[1:]
                trimmed = (start, end) if any(w not in GENERIC_PLACE and w.lower() not in CONNECTORS for w in after) else None
                kind = "LOCATION"
            elif kind == "RELATIVE_OF":
                words = text[start:end].split()
                trimmed = (start, end) if (words[0].lower() in given_names() or words[0].lower() not in plain_words()) \
                    and not any(never_name(w) or w.lower() in plain_words() and w.lower() not in given_names()
                                for w in words) else None
                kind = "NAME"
            elif kind == "CHINESE":
                trimmed, kind = ((start, end) if _chinese_name(text[start:end]) else None), "NAME"
            elif kind == "KOREAN":  # both halves of the given name syllables of names, not "Pre-op"
                trimmed = (start, end) if m.group(2).lower() in _NAME_SYLLABLES and m.group(3) in _NAME_SYLLABLES else None
                kind = "NAME"
            elif kind == "HEADER_NAME":
                words = text[start:end].split()
                everyday = words[0].lower() in EVERYDAY_GIVEN_NAMES and all(  # "From: Sue Kershaw", not "To: Will Call"
                    w.lower() in surnames() or w.lower() not in plain_words() for w in words[1:])
                trimmed = (start, end) if len(words) > 1 and (words[0].lower() in given_names() or words[0].lower() in surnames()
                                                              or everyday) and all(
                    w.lower() in given_names() or w.lower() in surnames() or w.lower() not in plain_words()
                    or w is words[0] and everyday for w in words) else None
                trimmed = trimmed and _trim_name(text, *trimmed)
                kind = "NAME"
            elif kind == "CAPS_TITLED":
                words = list(re.finditer(r"\S+", text[start:end]))
                first = words[0].group(0).lower()
                if (words[0].group(0) in ABBREVIATIONS or not re.search("[AEIOUY.]", words[0].group(0))
                        or first in plain_words() and first not in given_names() and first not in surnames()
                        and first not in EVERYDAY_GIVEN_NAMES):  # "RE: REFERRAL OF ..."
                    continue  # "MR. ICD interrogation": mitral regurgitation, then a device
                # up to an everyday word ("DR SMITH SAW HIM"); initials first, then the surname ("DR O. A. SODIPO")
                keep = [words[0]] + list(itertools.takewhile(
                    lambda w: w.group(0).lower() in given_names() or w.group(0).lower() in surnames()
                    or w.group(0).lower() not in plain_words() or w.group(0).lower() in EVERYDAY_GIVEN_NAMES
                    or w.group(0) in ("BIN", "BINTI", "BINTE") or re.fullmatch(r"[A-Z]\.", w.group(0)), words[1:]))
                trimmed = _trim_name(text, start, start + keep[-1].end(), after_title=True)
                if re.fullmatch(r"[A-Z]\.", words[0].group(0)):
                    trimmed = (start, start + keep[-1].end())
                kind = "NAME"
            elif kind == "SIGNED_NAME":  # a given name of the lists, or one that is also a word
                word = text[start:end].lower()
                trimmed = (start, end) if word in given_names() or word in EVERYDAY_GIVEN_NAMES else None
                kind = "NAME"
            elif kind == "SIGNED":  # initials, not an abbreviation ("-- GP", "-- OK")
                trimmed = None if text[start:end] in ABBREVIATIONS or text[start:end] in _NOT_INITIALS else (start, end)
                kind = "NAME"
            elif kind == "CAPS_SURNAME":
                word = text[start:end]
                trimmed = None if word in ABBREVIATIONS or not re.search("[AEIOUY]", word) or (
                    word.lower() in plain_words() and word.lower() not in surnames()) else (start, end)
                kind = "NAME"
            elif kind == "NAME_AS_IS":  # taken as written: initials are not words a name rule could trim
                trimmed, kind = (start, end), "NAME"
            elif kind.endswith("!"):  # taken as written
                trimmed, kind = (start, end), kind[:-1]
            elif kind == "PN":  # SMITH^JOHN^^^DR.: the sentence's full stop is not the name's
                trimmed, kind = (start, len(text[:end].rstrip(",.;:")) if end > start + 1 else end), "NAME"
            elif kind in ("NAME", "TITLED"):  # TITLED: after Dr, Mrs, Nurse ...: the words are a person's
                trimmed, kind = _trim_name(text, start, end, after_title=kind == "TITLED"), "NAME"
            elif kind == "NAME_WHOLE":  # every word a name's, or none: "Key Worker, RN" is a role; before a credential
                # a word that is also an everyday one is the name's ("Henry Page, M.D.", "Alistair M. Young, M.D.")
                trimmed, kind = _trim_name(text, start, end, after_title=True), "NAME"
                trimmed = trimmed if trimmed and trimmed[1] == len(text[:end].rstrip(",.;:")) else None
            elif kind == "STREET":  # "High Street" is an address: only a leading small word goes ("The Road")
                while (re.match(r"(?:The|This|That|A|An|From|To|At|Near|Off|On|In|Via|Along)[ \t]+", text[start:end])
                       or text[start:end].split()[0] in NOT_PLACE_NAMES):  # "Dear Dr ap Rhys" is no street
                    start += re.match(r"\S+([ \t]+|$)", text[start:end]).end()
                    if start >= end:
                        break
                trimmed, kind = ((start, end) if re.search(r"[ \t]", text[start:end]) else None), "ADDRESS"
            elif kind in ("LOCATION", "PLACE"):  # PLACE: named without a noun such as Hospital ("the Royal Free")
                if kind == "PLACE" and text[start:end].lower() in regions():
                    continue  # "born in Texas": a state or a country is wider than an identifier
                if pattern.groups == 2 and m.group(2) and m.group(2).lower() in towns() and not any(taken[start:m.end(2)]):
                    end = m.end(2)  # "Royal Infirmary of Edinburgh" whole; not "of Pediatrics" after an Academy
                ward_number = re.match(r"Ward|Unit[ \t]+\d", text[start:end])  # "Ward 7B": the number identifies it
                trimmed = (start, end) if ward_number else _trim_place(text, start, end, noun=kind == "LOCATION")
                kind = "LOCATION"
            else:
                trimmed = (start, end)
            if trimmed is None or any(taken[trimmed[0]:trimmed[1]]):
                continue
            start, end = trimmed
            found.append(Span(start, end, kind, text[start:end]))
            for i in range(start, end):
                taken[i] = True
    coded = {m.start(1) for m in _CODED_TERM.finditer(text) if snomed_concept_id(m.group(1))}
    for s in [s for s in found if s.kind == "NAME" and s.text in ABBREVIATIONS or s.kind == "ID" and s.start in coded]:
        found.remove(s)
        taken[s.start:s.end] = [False] * (s.end - s.start)
    found = _surname_first_lines(text, found, taken)
    found += _facility_towns(text, found, taken)
    found += _ages_said(text, taken)
    found += _days_and_months(text, taken)
    found += _short_dates(text, found, taken)
    found += _holidays(text, taken)
    found += _shops_and_employers(text, taken)
    found += _caps_surnames(text, taken, surname_first=True)  # "ROSE, Kathleen   67y" is a patient, not a town
    found += _caps_places(text, taken)
    found += _towns(text, taken)
    found += _towns_in_addresses(text, taken)
    found += _address_fields(text, found, taken)
    found += _before_postcodes(text, found, taken)
    found += _letterheads(text, found, taken)
    found += _named_units(text, taken)
    found += _town_code_lines(text, found, taken)
    found += _recurring_places(text, found, taken)
    found += _caps_surnames(text, taken)
    found += _lower_case_names(text, taken)
    found += _listed_people(text, taken)
    found += _given_names(text, taken)
    found += _nicknames(text, found, taken)
    found = [s for s in found if not (s.kind == "NAME" and _SCORE.match(text, s.start) and _SCORE.match(text, s.start).end()
                                      >= s.end and not re.search(rf"\b{TITLES}[ \t]*$", text[max(0, s.start - 12):s.start]))]
    nodules = [m.span() for m in _SISTER_JOSEPH.finditer(text)]  # a finding, not a nun: kept (a clinical-safety review)
    found = [s for s in found if not (s.kind == "NAME" and any(a <= s.start and s.end <= b for a, b in nodules))]
    # A name found once is removed wherever else it occurs, surname alone included (not a name that is
    # also a common word: "June" the wife stays removed where she is named, "June" the month stays).
    names = {s.text for s in found if s.kind == "NAME" and s.text.lower() not in COMMON | EPONYMS}  # Nurse Foley, a Foley
    names |= {part.strip(",") for n in names for part in n.split()
              if len(part.strip(",")) > 2 and part.strip(",") not in NOT_NAMES and part.lower() not in COMMON
              and not never_name(part)}
    names |= {n.split(",")[0] for n in names if "," in n and " " in n.split(",")[0]}  # "DELA CRUZ, Maria": "DELA CRUZ"
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(rf"\b{re.escape(name)}\b", text):
            if (not any(taken[m.start():m.end()]) and not _SCORE.match(text, m.start())  # "Mrs Bishop"; "Bishop 8"
                    and not _EPONYM_USE.match(text, m.end())):  # Dr Murphy, then "Murphy's sign"
                found.append(Span(m.start(), m.end(), "NAME", m.group(0)))
                for i in range(m.start(), m.end()):
                    taken[i] = True
    found += _common_word_names(text, found, taken)
    found = _with_surname_after(text, _with_syllable_tails(text, found, taken), taken)
    found = _with_state_codes(text, found, taken)
    found += _defined_acronyms(text, found, taken)
    return _with_weekdays(text, _with_nicknames_inside(text, _with_initials(text, found, taken)))


# Where a name that is also a word ("June", "Hunter", "Will", "Rose") recurs as the word, not the person: a month
# ("in June", "June 3"), a verb or noun after a small word ("rose to 160", "the hunter"), or a sentence's first word
# ("Will review in clinic").
_AS_A_WORD_BEFORE = re.compile(rf"(?:^|[.!?]\s*|\n[ \t]*|\b(?i:{_BEFORE_A_MONTH}|this|during|before|after|through|the|a|an|"
                               r"and|or|to|will|may|it|bp|hr|which|that)[ \t]+)$")
_AS_A_NAME_AFTER = re.compile(r"[ \t]+(?:[a-z]{3,}ed|[a-z]{2,}s|has|was|is|said)\b")  # "Hunter enrolled", "June says"
_AS_A_WORD_AFTER = re.compile(r"[ \t]*(?:\d|(?i:to|by|from|in|up|and|of|the|a|an|with)\b)")


_MONTH_WORDS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december"}


def _common_word_names(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """A name that is also a common word, found once in a name's context ("grandson Hunter", "children: June"), where
    it recurs as the person ("Hunter enrolled at college", "June voices grief", "Contacts: June cell ..."; kept, a
    blind review), not as the word."""
    out = []
    words = {s.text for s in found if s.kind == "NAME" and s.text.lower() in COMMON and s.text[:1].isupper()}
    words |= {first for s in found if s.kind == "NAME" and len(parts := s.text.split()) >= 2
              and (first := parts[0]).lower() in COMMON and first.istitle()
              and (first.lower() in given_names() or len(parts) == 2 and parts[1].lower() not in plain_words())}
    for word in words:
        for m in re.finditer(rf"\b{re.escape(word)}\b", text):
            if any(taken[m.start():m.end()]):
                continue
            # capitalised inside a sentence, after a lower-case word, a comma or a bracket, it is the person ("with
            # Mrs Hargreaves and Will;", "she and Sandy are working on"; kept, a blind review), not a month's name nor
            # before a number ("since May 3"), nor after an article ("the Hunter")
            pre = text[max(0, m.start() - 30):m.start()]
            if (re.search(r"(?:[a-z,;]|\))[ \t]+$|\($", pre) and not re.search(r"\b(?i:the|a|an)[ \t]+$", pre)
                    and word.lower() not in _MONTH_WORDS and not re.match(r"[ \t]*\d", text[m.end():])):
                out.append(Span(m.start(), m.end(), "NAME", m.group(0)))
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
                continue
            if _AS_A_WORD_AFTER.match(text, m.end()):
                continue
            before = _AS_A_WORD_BEFORE.search(text, max(0, m.start() - 12), m.start())
            if before and (before.group(0).strip()[-1:] not in ("", ".", "!", "?")  # "in June", "the hunter"
                           or not _AS_A_NAME_AFTER.match(text, m.end())):  # a sentence's first word: "Will review"
                continue
            out.append(Span(m.start(), m.end(), "NAME", m.group(0)))
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
    return out


# Labels in capitals that follow a name on a form's line ("Riley GRACE   DOB 03/09/2014", "BROWN   CHI 0607894412")
_FIELD_LABELS = {"AGE", "SEX", "CHI", "HCN", "URN", "PPS", "PPSN", "IHI", "NRIC", "TEL", "MOB", "FAX", "DOA", "BED",
                 "ROOM", "WARD", "UNIT", "REG", "ADDRESS", "PHONE", "EMAIL", "GENDER", "NEXT", "MALE", "FEMALE", "AND",
                 "THE", "WITH", "FOR", "TO", "OF", "IN", "ON", "AT", "BY", "HOSP", "HOSPITAL", "CLINIC", "CONS"}
# (then a gap, a comma or the line's end, as a form's field ends: "Dr Patel HEAD injury" is no surname)
_SURNAME_AFTER = re.compile(rf"[ \t]+((?:(?:Ó|Ní|Nic|Mac|Mc|Van|Von|De|Da|Di|Du|Le|La|Al|El)[ \t]+)?(?:{CAPS_WORD})(?:[ \t]+{CAPS_WORD})?)(?=[ \t]{{2,}}|[ \t]*(?:[,(\n|—–]|-[ \t]|$))")
_INITIAL_AFTER = re.compile(r"[ \t]+[A-Z](?=[ \t]{2,}|[ \t]*(?:\n|$))")
_INITIAL_BEFORE_FIELD = re.compile(r"[ \t]+[A-Z](?=[ \t]*(?:[|(]|\n|$)|[ \t]{2,})")  # "HOLLOWAY F (4857773457)"


def _with_surname_after(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """A name with the surname in capitals after the given names ("Philippa Rose TANNER", "Tāne Rāwiri TE RANGI",
    where a label or title took the given names), and a surname-first name with its middle initial ("HOLLOWAY,
    RAYMOND J"; both left, a blind review)."""
    out = []
    for s in found:
        if s.kind == "NAME":
            # after given names a label, a title or a second given name vouch for ("Reported to Orlando SAPS," is a
            # police station)
            vouched = len(s.text.split()) > 1 or re.search(rf"(?::|\b{TITLES})[ \t]*$", text[max(0, s.start - 12):s.start])
            m = _SURNAME_AFTER.match(text, s.end) if vouched else None
            words = m.group(1).split() if m else []
            if m and not any(taken[m.start(1):m.end(1)]) and all(
                    w not in ABBREVIATIONS and w not in _FIELD_LABELS and re.search("[AEIOUYÁÉÍÓÚĀĒĪŌŪ]", w)
                    and not never_name(w.capitalize()) and w.capitalize() not in NOT_NAMES for w in words) and (
                    len(m.group(1)) > 2):
                taken[s.end:m.end(1)] = [True] * (m.end(1) - s.end)
                s = Span(s.start, m.end(1), "NAME", text[s.start:m.end(1)])
            elif (("," in s.text and (m := _INITIAL_AFTER.match(text, s.end)))
                  or (re.fullmatch(CAPS_WORD, s.text) and (m := _INITIAL_BEFORE_FIELD.match(text, s.end)))) \
                    and not any(taken[s.end:m.end()]):
                taken[s.end:m.end()] = [True] * (m.end() - s.end)
                s = Span(s.start, m.end(), "NAME", text[s.start:m.end()])
        out.append(s)
    return out


# what a place's name goes on with: "& Rehab", "& Palliative Care", "& Sport PT"; a company's form or a plan's kind
_PLACE_TAIL = re.compile(r"[ \t]+&[ \t]+(?:[A-Z][a-z]+|[A-Z]{2,4})(?:[ \t]+(?:[A-Z][a-z]+|[A-Z]{2,4})){0,3}\b"
                         r"|,?[ \t]+(?:Co\.|Company\b|Inc\.?|LLC\b|Ltd\.?|PLLC\b|P\.[CA]\.|PPO\b|HMO\b|EPO\b)")
_SYLLABLE_TAIL = re.compile(r"-([a-z]{2,6})\b(?!-)")
_KOREAN_FAMILY_AFTER = re.compile(rf"[ \t]+{KOREAN_SURNAMES}\b")
_TOWN_TAIL = re.compile(r"(?:-(?:on|upon|under|in|by|le|en|sur|super|the))+-[A-Z][a-z]+\b")


def _with_syllable_tails(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """A given name's second syllable after a hyphen ("Sung-min Park", "Kang, Dong-hyun": the "-min" was left), and the
    rest of a hyphenated town's name."""
    out = []
    for s in found:
        m = _SYLLABLE_TAIL.match(text, s.end) if s.kind == "NAME" else None
        if s.kind == "LOCATION" and (town := _TOWN_TAIL.match(text, s.end)) and not any(taken[s.end:town.end()]):
            m = town  # "Westbury-on-Trym", "Weston-super-Mare", where the gazetteer knew the first word
        elif s.kind == "LOCATION" and (tail := _PLACE_TAIL.match(text, s.end)) and not any(taken[s.end:tail.end()]):
            m = tail
        elif m and m.group(1) not in _NAME_SYLLABLES:  # not "Smith-led"
            m = None
        if m and s.kind == "NAME" and (family := _KOREAN_FAMILY_AFTER.match(text, m.end())):
            m = family  # "Dr. Jae-won Baek": the family name after the given name's syllables
        if m and not any(taken[s.end:m.end()]):
            taken[s.end:m.end()] = [True] * (m.end() - s.end)
            s = Span(s.start, m.end(), s.kind, text[s.start:m.end()])
        out.append(s)
    return out


def _with_initials(text: str, found: list[Span], taken: list[bool]) -> list[Span]:
    """Names with the initials written just before them ("E. Vance", "John A. Kowalczyk": the initials were left)."""
    out = []
    for s in found:
        m = re.search(r"(?:\b[A-Z]\.[ \t]*){1,3}$", text[max(0, s.start - 12):s.start]) if s.kind == "NAME" else None
        if m and not any(taken[s.start - len(m.group(0)):s.start]):
            start = s.start - len(m.group(0))
            taken[start:s.start] = [True] * (s.start - start)
            s = Span(start, s.end, "NAME", text[start:s.end])
        out.append(s)
    return out


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
