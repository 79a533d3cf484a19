"""Note de-identification (recall and precision on planted PHI) and note inputs (bad files included)."""
from __future__ import annotations

import io

import pytest

from medapp.modalities.notes.deid import deidentify_bytes, scrub
from medapp.modalities.notes.io import MAX_CHARS, read_note
from medapp.types import InputError

from .phi_corpus import NOTES, parse


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def measure() -> tuple[float, float, int, int]:
    planted = found = hits_planted = hits_found = 0
    for template in NOTES:
        text, truth = parse(template)
        _, spans = scrub(text)
        got = [(s.start, s.end) for s in spans]
        planted += len(truth)
        found += len(got)
        hits_planted += sum(any(_overlap(t[:2], g) for g in got) for t in truth)
        hits_found += sum(any(_overlap(g, t[:2]) for t in truth) for g in got)
    return hits_planted / planted, hits_found / max(found, 1), planted, found


def test_phi_recall_and_precision_on_planted_notes():
    recall, precision, planted, found = measure()
    print(f"PHI recall {recall:.3f} precision {precision:.3f} ({planted} planted, {found} found)")
    assert recall >= 0.95
    assert precision >= 0.9


def test_each_planted_identifier_becomes_its_typed_placeholder():
    text, truth = parse(NOTES[0])
    clean, spans = scrub(text)
    assert clean.startswith("Patient: [NAME], [AGE>89] year old female. MRN [ID]. Seen [DATE] by Dr. [NAME]")
    for value in ("Margaret", "Ellison", "7781-2290", "14/02/2024", "Kumar", "Willow", "HG2 7QA", "555 0192"):
        assert value not in clean
    kinds = {s.kind for s in spans}
    assert {"NAME", "AGE>89", "ID", "DATE", "ADDRESS", "POSTCODE", "PHONE"} <= kinds


def test_clinical_content_survives():
    text, _ = parse(NOTES[8])
    clean, spans = scrub(text)
    assert clean == text and spans == []  # a 45 year old, vital signs and plans are not PHI


def test_case_store_hook_returns_scrubbed_utf8():
    assert deidentify_bytes("Mr Owen Pritchard, call 01423 555 0192 ✓".encode()) == "Mr [NAME], call [PHONE] ✓".encode()


@pytest.mark.parametrize("data, expected", [
    ("Fièvre et toux depuis 3 jours".encode(), "Fièvre et toux depuis 3 jours"),
    ("Fièvre et toux depuis 3 jours".encode("utf-16"), "Fièvre et toux depuis 3 jours"),
    ("Fièvre et toux depuis trois jours, café".encode("latin-1"), "Fièvre et toux depuis trois jours, café"),
    ("Chest pain 😟 since Monday; ألم في الصدر".encode(), "Chest pain 😟 since Monday; ألم في الصدر"),
])
def test_text_encodings_emoji_and_right_to_left(data, expected):
    assert read_note(data, "note.txt") == expected


def test_pdf_and_docx():
    import docx
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Cough and fever for five days.")
    assert "Cough and fever for five days." in read_note(bytes(pdf.output()), "n.pdf")
    document = docx.Document()
    document.add_paragraph("Palpitations on exertion.")
    buf = io.BytesIO()
    document.save(buf)
    assert read_note(buf.getvalue(), "n.docx") == "Palpitations on exertion."


def _pdf_of_one_page(content: bytes) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(612, 792)
    stream = DecodedStreamObject()
    stream.set_data(content)
    page.replace_contents(stream)
    page.compress_content_streams()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_small_files_that_unpack_to_a_flood_are_refused_before_they_are_parsed():
    """A security review: an 825 KB Word file unpacking to 283 MB took five minutes and 6 GB, a 25 KB PDF whose
    pages shared a 6 MB stream ten minutes, before the note's length was checked."""
    import zipfile

    import docx

    document = docx.Document()
    document.add_paragraph("Palpitations on exertion.")
    plain = io.BytesIO()
    document.save(plain)
    bomb = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":  # 21 MB of runs of one letter
                data = data.replace(b"</w:body>", b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 600_000 + b"</w:body>")
            out.writestr(item, data)
    assert len(bomb.getvalue()) < 1_000_000
    with pytest.raises(InputError, match=r"^n.docx unpacks to 21 MB of document text, markup and pictures, far more"):
        read_note(bomb.getvalue(), "n.docx")
    decoy = io.BytesIO()  # the real text in a part of another name (the re-check's way round a word/ limit)
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as src, zipfile.ZipFile(decoy, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item))
        out.writestr("doc/main.xml", b"<w:t>a</w:t>" * 1_800_000)
    with pytest.raises(InputError, match=r"^n.docx unpacks to 22 MB of document"):
        read_note(decoy.getvalue(), "n.docx")
    flood = _pdf_of_one_page(b"BT /F1 12 Tf 72 720 Td (a) Tj ET\n" * 70_000)
    assert len(flood) < 10_000
    with pytest.raises(InputError, match=r"^n.pdf: page 1 brings its drawing instructions to 2.3 MB, far more"):
        read_note(flood, "n.pdf")
    # a long note stops being read at the limit, with the pages read so far named
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=8)
    pdf.multi_cell(0, 4, "Cough and fever for five days. " * 2_500)  # 77,500 characters over 8 pages
    with pytest.raises(InputError, match=r"has more than 50,000 characters in its first 6 pages; the limit"):
        read_note(bytes(pdf.output()), "n.pdf")


def test_a_pdf_is_read_within_a_budget_of_content_and_operations(monkeypatch):
    """The re-check: fifty pages sharing one stream just under the page limit took 219 s, and a drawing called ten
    times from a 5.7 KB file 44 s (3.3 s now): all pages' content and every operation read count."""
    from fpdf import FPDF

    from medapp.modalities.notes import io as notes_io

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=8)
    pdf.multi_cell(0, 4, "Cough and fever for five days. " * 1_500)  # 46,500 characters over 5 pages
    note = bytes(pdf.output())
    assert len(read_note(note, "n.pdf")) > 45_000
    monkeypatch.setattr(notes_io, "MAX_PDF_CONTENT_BYTES", 30_000)
    with pytest.raises(InputError, match=r"^n.pdf: page \d brings its drawing instructions to 0.0 MB, far more"):
        read_note(note, "n.pdf")
    monkeypatch.setattr(notes_io, "MAX_PDF_CONTENT_BYTES", 5_000_000)
    monkeypatch.setattr(notes_io, "MAX_PDF_OPERATIONS", 1_000)  # the note needs about 2,200
    with pytest.raises(InputError, match=r"^n.pdf needs more than 1,000 drawing operations to read, far more"):
        read_note(note, "n.pdf")


@pytest.mark.parametrize("data, message", [
    (b"", "is empty"),
    (b"   \n\t  \n", "is empty: there is no text"),
    (bytes(range(256)) * 20, "binary file"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "looks like a PNG image, not a note"),
    (b"word " * 2_000_000, "MB; the limit for a note"),
    (b"word " * (MAX_CHARS // 4), "characters; the limit is"),
    (b"%PDF-1.4 garbage", "damaged PDF"),
])
def test_bad_notes_get_clear_messages(data, message):
    with pytest.raises(InputError, match=message):
        read_note(data, "upload.txt")


def test_names_never_run_across_lines_or_swallow_titles():
    clean, _ = scrub("Patient: John Smith\nDiagnosis: pneumonia. Diagnosis confirmed on CT.")
    assert clean == "Patient: [NAME]\nDiagnosis: pneumonia. Diagnosis confirmed on CT."
    clean, _ = scrub("Seen by Dr. Jane Doe\nChest X-ray clear.")
    assert clean == "Seen by Dr. [NAME]\nChest X-ray clear."


@pytest.mark.parametrize("note, clean", [
    ("Seen by Dr. Gregory House today.", "Seen by Dr. [NAME] today."),  # "House" was kept (a security review)
    ("Dr Hall saw her; Mrs Day was with her.", "Dr [NAME] saw her; Mrs [NAME] was with her."),
    ("Nurse Practitioner review in the Day Unit.", "Nurse Practitioner review in the Day Unit."),
    ("Mr. Burns has burns to his hand.", "Mr. [NAME] has burns to his hand."),
])
def test_a_surname_that_is_also_a_place_word_is_a_name_after_a_title(note, clean):
    assert scrub(note)[0] == clean


@pytest.mark.parametrize("data", [b"\xff\xfeA\x00B", b"\xfe\xff\xd8\x00\x00\x41", b"\xef\xbb\xbfabc\xff\xfe"])
def test_damaged_unicode_is_a_message_not_a_crash(data):
    with pytest.raises(InputError, match="damaged or binary"):
        read_note(data, "n.txt")


def test_a_day_and_month_without_a_year_and_a_possessive_place_are_removed():
    # seen in a review: "admitted to St Thomas' Hospital on 3 March" kept both (the month and day of a patient's
    # care are identifying; "Thomas'" did not read as a place word); the verb "may" and doses stay
    clean, _ = scrub("Admitted to St Thomas' Hospital on 3 March, reviewed March 5th and on the 21st of June. "
                     "She may 2 weeks from now take aspirin 75 mg; fever 38.9 C, CRP 180.")
    assert clean == ("Admitted to [LOCATION] on [DATE], reviewed [DATE] and on [DATE]. "
                     "She may 2 weeks from now take aspirin 75 mg; fever 38.9 C, CRP 180.")


def test_uk_landlines_in_two_groups_and_labelled_numbers_are_phones():
    """A browser review: "Contact the ward on 01424 755255" stayed in the note and the case (only numbers in three
    groups and mobiles were phones); results, doses and times stay."""
    clean, spans = scrub("Contact the ward on 01424 755255, or +44 1424 755255, (01424) 755255, +44 (0)1424 755255. "
                         "Phone: 01424755255. Fax no: 01632 960 000, tel 555 0143. Hb 132 g/L, plt 255000, "
                         "dose 0.5 mg at 0800 and 2000, NHS number 943 476 5919.")
    assert clean == ("Contact the ward on [PHONE], or [PHONE], [PHONE], [PHONE]. Phone: [PHONE]. Fax no: [PHONE], "
                     "tel [PHONE]. Hb 132 g/L, plt 255000, dose 0.5 mg at 0800 and 2000, NHS number [ID].")
    assert [s.kind for s in spans].count("PHONE") == 7


def test_an_explicit_name_label_takes_a_name_in_any_case():
    """'Name: ANNA KOWALSKA' and 'patient name: anna kowalska' were kept, in the stored note and the API's answer
    (a security review); a label inside a phrase ('Drug name:') is not a name label."""
    assert scrub("Name: ANNA KOWALSKA\nDOB: 01/02/1960")[0] == "Name: [NAME]\nDOB: [DATE]"
    assert scrub("Seen today. patient name: anna kowalska. Cough for 3 days.")[0] == \
        "Seen today. patient name: [NAME]. Cough for 3 days."
    assert scrub("Drug name: amoxicillin 500 mg")[0] == "Drug name: amoxicillin 500 mg"


def test_in_laws_a_name_set_off_before_who_it_is_sister_abbreviated_and_a_name_on_an_extension():
    """A meeting review found these in the case, on the projector and in both reports; roles, drugs and
    specialties in the same shapes stay."""
    note = ("Brother-in-law Frank Millar is next of kin. Grace, her carer, says she is eating less. Discussed with "
            "Sr Jones on the ward. Ask Jo on ext 4432; Jo Smith on bleep 1234 is covering. Cardiology, his "
            "consultant, agrees. Metformin, her usual tablet, stopped. Sr 5 days of pain.")
    assert scrub(note)[0] == (
        "Brother-in-law [NAME] is next of kin. [NAME], her carer, says she is eating less. Discussed with Sr [NAME] "
        "on the ward. Ask [NAME] on ext [PHONE]; [NAME] on bleep [PHONE] is covering. Cardiology, his consultant, agrees. "
        "Metformin, her usual tablet, stopped. Sr 5 days of pain.")
    # and the re-check's (after the fix above): "my carer", a bleep before the name, an extension in brackets, a
    # relation in brackets, Fr (Father); brackets of other kinds stay
    again = ("Grace, my carer, says so. Please bleep Tom on 2231 if worse. Ask Jo (ext 4432). Anna (carer) present. "
             "Seen by Fr O'Brien. Chest (left) clear. Paracetamol (PRN) given.")
    assert scrub(again)[0] == ("[NAME], my carer, says so. Please bleep [NAME] on [PHONE] if worse. Ask [NAME] (ext "
                               "[PHONE]). [NAME] (carer) present. Seen by Fr [NAME]. Chest (left) clear. Paracetamol "
                               "(PRN) given.")


def test_towns_and_hospitals_by_short_name_are_places_scores_named_after_towns_stay():
    """Towns (a Safe Harbor identifier) where a place is said, hospitals by the short names staff use; the
    scores, scales and rules named after towns, months, eponyms, countries and states stay."""
    note = ("Daughter in Manchester, son lives near Milton Keynes. Returned from Lagos. Studied in Hiroshima and "
            "Nagasaki. Transferred to the Royal Brompton; previously under the renal team at Addenbrooke's. "
            "Glasgow Coma Scale 15 in ED. Type 6 on the Bristol stool chart. Ottawa ankle rules negative. Echo in "
            "March. Royal Navy veteran. Secondary to Hirschsprung's disease. Holiday in Spain, then in Texas. "
            "Bath and shower assessed; normal in Normal mode.")
    assert scrub(note)[0] == (
        "Daughter in [LOCATION], son lives near [LOCATION]. Returned from [LOCATION]. Studied in [LOCATION] and "
        "[LOCATION]. Transferred to the [LOCATION]; previously under the renal team at [LOCATION]. "
        "Glasgow Coma Scale 15 in ED. Type 6 on the Bristol stool chart. Ottawa ankle rules negative. Echo in "
        "March. Royal Navy veteran. Secondary to Hirschsprung's disease. Holiday in Spain, then in Texas. "
        "Bath and shower assessed; normal in Normal mode.")
    # a town's name at the start of a longer name is not taken alone as a town; a county is a place smaller than a
    # state (Safe Harbor), taken whole ("Kiambu County", "Cook County" were kept: a blind review)
    assert scrub("lived in Suffolk County for years")[0] == "lived in [LOCATION] for years"
    # after a hospital and a comma (a browser review: "St Mary's Hospital, Manchester" kept the city)
    assert scrub("Discharge summary - St Mary's Hospital, Manchester\nSeen at the Clinic, Glasgow Coma Scale 15."
                 )[0] == "Discharge summary - [LOCATION], [LOCATION]\nSeen at the Clinic, Glasgow Coma Scale 15."


def test_places_corpus_written_before_the_town_rules():
    """deid_places_corpus.py was written before the town gazetteer and the short-name hospital rules; its first
    run gave recall 0.78 (0.85 once a bug in trimming the new places was fixed), precision 1.00. What is still
    missed: hospitals and homes by a bare name ("Papworth", "Alder Hey", "Mass General", "Oakwood")."""
    from .deid_measure import measure
    from .deid_places_corpus import NOTES as PLACES

    result = measure(PLACES)
    assert result["precision"] == 1.0, result["false_positives"]
    assert result["recall"] >= 0.85, result["missed"]


def test_a_privacy_reviews_misses_and_false_removals():
    """A privacy review (2026-12-05) of 14 notes it wrote: each line below was kept or cut wrongly."""
    cases = {
        "Dear Dr McLeod, mother Bríd and Son Seán came; Dr José Álvarez saw Mrs Zoë Brontë.":
            "Dear Dr [NAME], mother [NAME] and Son [NAME] came; Dr [NAME] saw Mrs [NAME].",
        "Seen by Dr A. Lindqvist and Mr. A. Chaudhry. P. Mensah, Social Worker":
            "Seen by Dr [NAME] and Mr. [NAME]. [NAME], Social Worker",
        "Symptoms began in August.\n2 day hx fever. Since June 2 episodes of syncope. Seen Aug. 3 in clinic.":
            "Symptoms began in August.\n2 day hx fever. Since June 2 episodes of syncope. Seen [DATE] in clinic.",
        "Daughter Pam rang. RN Jasmine on shift. Hosp No: RQX1234567. Unit no: W0988776. Acct #: 99887766.":
            "Daughter [NAME] rang. RN [NAME] on shift. Hosp No: [ID]. Unit no: [ID]. Acct #: [ID].",
        "Mrs. Winifred Okeke, 96, fell. Frail (92 y). 90F with confusion.":
            "Mrs. [NAME], [AGE>89], fell. Frail ([AGE>89] y). [AGE>89]F with confusion.",
        "Lives at Flat 3, 88 King's Road and at 4510 N Sheridan Rd. Born 05-Feb-2025.":
            "Lives at [ADDRESS] and at [ADDRESS] Born [DATE].",  # "Rd." goes with its full stop
        "Seen at Brigham and Women's Hospital, Barts Health NHS Trust, Kettering General and St George's.":
            "Seen at [LOCATION], [LOCATION], [LOCATION] and [LOCATION].",
        "Leeds-based student. Queen Elizabeth University Hospital, Glasgow G51 4TF. Springfield, IL 62704.":
            "[LOCATION]-based student. [LOCATION], [LOCATION] [POSTCODE]. [LOCATION] [POSTCODE].",
        "Plan Ivor Lewis oesophagectomy. GP Partner aware. St John's wort stopped.\nPatient Name: Ann Lee":
            "Plan Ivor Lewis oesophagectomy. GP Partner aware. St John's wort stopped.\nPatient Name: [NAME]",
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_a_blind_reviews_misses_and_span_boundaries():
    """A second privacy review, blind to the rules (12 notes from five countries): each line was kept, or a span ran
    across a line or a field's gap and took the next field's label."""
    cases = {
        "MRN 0928374\n12 Ardmore Avenue": "MRN [ID]\n[ADDRESS]",
        "Name: K. Subramaniam Iyer     Age: 71": "Name: [NAME]     Age: 71",
        "Please bleep the medical registrar on 2784 or ext 5432.": "Please bleep the medical registrar on [PHONE] or ext [PHONE].",
        "PPSN 1234567TA. URN GH448201. Medical Council No. 412389. HCPC OT71234. CGP 3784 given.":
            "PPSN [ID]. URN [ID]. Medical Council No. [ID]. HCPC [ID]. CGP 3784 given.",
        "Pt name: DeShawn Williams-Carter\nAttending: R. Goldberg\nFather's name: Kalyanasundaram Iyer":
            "Pt name: [NAME]\nAttending: [NAME]\nFather's name: [NAME]",
        "Seen with Eoghan Ó Súilleabháin. He prefers \"Des\"; Des is anxious.":
            "Seen with [NAME]. He prefers \"[NAME]\"; [NAME] is anxious.",
        "Two EpiPen Junior 150 micrograms. BP 150/95.": "Two EpiPen Junior 150 micrograms. BP 150/95.",
        "Massachusetts General Hospital, Boston, MA. Ballincollig, Co. Cork. Mead Johnson & Co. Division. Dose 5 mg, "
        "PO daily.": "[LOCATION], [LOCATION]. [LOCATION], [LOCATION]. Mead Johnson & Co. Division. Dose 5 mg, "
                     "PO daily.",
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_postcodes_of_other_countries_and_codes_that_only_look_like_postcodes():
    """Irish, Canadian, Australian and Indian postcodes were kept (once named as missed; now removed: docs/notes.md); a
    cell marker, a mouse strain, a drug's code and a tumour's stage were removed as UK postcodes or US ZIP codes (36 of
    the abstracts' spans)."""
    cases = {
        "Ballincollig, Co. Cork P31 X2Y7. Eircode D02 AF30.": "[LOCATION], [LOCATION] [POSTCODE]. Eircode [POSTCODE].",
        "Moved to Toronto ON M5V 3L9.": "Moved to [LOCATION] [POSTCODE].",
        "Unit 2/17 Wattle Grove, Belmont, Geelong VIC 3216.": "[ADDRESS], [LOCATION] [POSTCODE].",
        "Adyar, Chennai - 600020. PIN 600 116. Pune 411001 and Mumbai, 400001":
            "Adyar, [LOCATION] - [POSTCODE]. PIN [POSTCODE]. [LOCATION] [POSTCODE] and [LOCATION], [POSTCODE]",
        "CD45RA and CD45RO cells in C57BL mice; CGP 37849 and AH 23848. Stage T2N1M0. R3230AC tumour.":
            "CD45RA and CD45RO cells in C57BL mice; CGP 37849 and AH 23848. Stage T2N1M0. R3230AC tumour.",
        "Chennai 600116 mg. WA 2000 mg. Platelets - 250000. T12 vertebra. CA 125 35.":
            "Chennai 600116 mg. WA 2000 mg. Platelets - 250000. T12 vertebra. CA 125 35.",
        "Glasgow G51 4TF. Springfield, IL 62704. London SW1A 1AA.":
            "[LOCATION] [POSTCODE]. [LOCATION] [POSTCODE]. [LOCATION] [POSTCODE].",
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_ages_over_89_in_words_and_with_a_pronoun():
    """A dictation re-check: "she is 93" and "she is ninety-three" were kept (only "aged 93", "93 years old" and a
    few written forms were removed). An age in words is an age; a measure after the number, or a vital sign as the
    subject of the sentence, is not."""
    cases = {
        "She is 93. He's ninety three and lives alone. Aged ninety-three. The patient is 91 and frail.":
            "She is [AGE>89]. He's [AGE>89] and lives alone. Aged [AGE>89]. The patient is [AGE>89] and frail.",
        "A ninety-three-year-old lady, ninety three years old, her grandmother who turned 90, aged a hundred and one.":
            "A [AGE>89]-year-old lady, [AGE>89] years old, her grandmother who turned [AGE>89], aged [AGE>89].",
        "Mrs Okeke, ninety-six, fell.": "Mrs [NAME], [AGE>89], fell.",
        # not an age, or not over 89
        "She is 93% on air. Sats on air, she is 93. She is 95 kg. Heart rate: he is 110. She is 45. He is seventy-"
        "two. Aged 72. Gave ninety milligrams over the last ninety years. She is ninety three percent on air.":
            "She is 93% on air. Sats on air, she is 93. She is 95 kg. Heart rate: he is 110. She is 45. He is seventy-"
            "two. Aged 72. Gave ninety milligrams over the last ninety years. She is ninety three percent on air.",
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_a_postcode_district_after_an_address_or_the_word_postcode():
    """A dictation re-check: "14 Maple Road, Leeds LS6" kept "LS6" (a postcode district). It is removed after a house
    and street (and town), after a town at the end of an address, or after the word postcode; alone, "L5", "S1",
    "B12" or a trainee's grade ("CT2") is a vertebra, a nerve root, a vitamin or a grade."""
    cases = {
        "Lives at 14 Maple Road, Leeds LS6.": "Lives at [ADDRESS] [POSTCODE].",
        "Lives at 14 Maple Road, Headingley LS6, with her son.": "Lives at [ADDRESS] [POSTCODE], with her son.",
        "Moved to Leeds LS6. Postcode: LS6. Her postcode is M20.":
            "Moved to [LOCATION] [POSTCODE]. Postcode: [POSTCODE]. Her postcode is [POSTCODE].",
        "Lives at 14a Maple Road. Lives at fourteen Maple Road, Leeds.": "Lives at [ADDRESS]. Lives at [ADDRESS].",
        "L5 vertebra, S1 root, vitamin B12. Seen by Dr Tom Ellery, CT2 Psychiatry. Sheffield S1 root compressed.":
            "L5 vertebra, S1 root, vitamin B12. Seen by Dr [NAME], CT2 Psychiatry. Sheffield S1 root compressed.",
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_seven_digits_in_one_run_are_an_identifier_but_not_a_count_of_units_or_copies():
    """A local phone or record number of seven digits ("4472991", a dictated "double 4, 72, 991") was kept (only eight
    digits or more were removed)."""
    assert scrub("His number is 4472991. Ring 4472991 today.")[0] == "His number is [ID]. Ring [ID] today."
    kept = "Benzylpenicillin 1200000 units. Viral load 1500000 copies/ml. 1500000 copies. Platelets 250000. 1,500,000."
    assert scrub(kept)[0] == kept


def test_person_names_as_dicom_and_hl7_write_them_are_removed_whole():
    """An HL7 message pasted as a note kept "SMITH^JOHN" and "DOE^JANE^^^MRS" (an IT review): family^given^...
    is a person name wherever it appears; superscripts and exponents are not."""
    # an HL7 segment that identifies a person goes whole: its record number, phone and address sit between | and ^,
    # where the other rules do not see them (a re-check kept "123456^^^HOSP^MR"); a message type stays
    message = ("MSH|^~\\&|LAB|HOSP|||202612060101||ORU^R01|1|P|2.5\n"
               "PID|1||123456^^^HOSP^MR||SMITH^JOHN||19600101|M|||1 Main St^^Boston^MA^02110||555-123-4567\n"
               "NK1|1|SMITH^MARY|SPO\nOBX|1|NM|GLU||7.2|mmol/L")
    assert scrub(message)[0] == ("MSH|^~\\&|LAB|HOSP|||[ID]||ORU^R01|1|P|2.5\nPID|[ID]\nNK1|[ID]\n"
                                 "OBX|1|NM|GLU||7.2|mmol/L")
    assert scrub("Seen with DOE^JANE^^^MRS and O'NEILL^MARY^A^DR. BP 120/80.")[0] == \
        "Seen with [NAME] and [NAME]. BP 120/80."
    kept = "Ca^2+ 2.4, WCC 11 x 10^9/L, x^2 fits."
    assert scrub(kept)[0] == kept


def test_control_characters_are_binary_even_when_they_are_valid_utf8():
    """Three bytes 00 01 02 are valid UTF-8 and were analysed as a note, and `deid` printed an empty line (an IT
    review); a note with a stray control character is still read."""
    with pytest.raises(InputError, match=r"^x\.txt is a binary file, not text\.$"):
        read_note(b"\x00\x01\x02", "x.txt")
    assert read_note(b"Chest pain since Monday.\x0b Seen in clinic." * 3, "n.txt").startswith("Chest pain")


def test_an_address_ending_a_sentence_keeps_the_sentences_full_stop():
    """"at 12 Ardmore Avenue. Three days ..." read "at [ADDRESS] Three days" (a review); an abbreviation's own full
    stop goes with the address."""
    assert scrub("Lives at 12 Ardmore Avenue. Three days of fever.")[0] == "Lives at [ADDRESS]. Three days of fever."
    assert scrub("At 9 Oak Ave., Springfield today.")[0] == "At [ADDRESS] today."


def test_identifiers_two_blind_corpora_found_kept_and_their_look_alikes():
    """deid_review_corpus_3 and _4 (2026-12-06) found these kept; each line's look-alikes beside them (drug and
    compound codes, chromosome bands, ordinals that count, doses, a pseudonymous case reference) must stay."""
    cases = {
        # letters and digits in one token; a code with five digits or fewer is a drug's or a compound's
        "FIN: HB2403160022, NRIC S3412876J, OHIP 5584-221-907-KT, NMC PIN 98A1234E. Ionophore A23187, U-74006F, "
        "AZD1222, BNT162b2, T10-T12, breaks at 1q21-23, 1000mg, case MDT-2026-014.":
            "FIN: [ID], NRIC [ID], OHIP [ID], NMC PIN [ID]. Ionophore A23187, U-74006F, "
            "AZD1222, BNT162b2, T10-T12, breaks at 1q21-23, 1000mg, case MDT-2026-014.",
        "client IP 73.162.44.19, TX plate KGR-4471, badge #7731, blog kevtran.substack.com/p/last-post.":
            "client IP [ID], TX plate [ID], badge #[ID], blog [URL].",
        "Husband +234 809 555 1194; work (613) 555-0884 ext. 221; HP 9123 4567.":
            "Husband [PHONE]; work [PHONE]; HP [PHONE].",
        # a day of the month alone, and a month and day after a word of time; not a count, a dose or a fraction
        "Seen on Monday the 11th; MRI on the 22nd confirmed it; since the 8th of January. On the 2nd attempt, on "
        "the 3rd day, the 19th century.":
            "Seen on [DATE]; MRI on [DATE] confirmed it; since [DATE]. On the 2nd attempt, on "
            "the 3rd day, the 19th century.",
        "Visited Sunday 10/13, leave from 1/13 through 1/27. Plan: Thurs 20/6. Abx for 5/7, on 1/2 tablet, BP "
        "fell by 14/5 mm Hg.":
            "Visited [DATE], leave from [DATE] through [DATE]. Plan: [DATE]. Abx for 5/7, on 1/2 tablet, "
            "BP fell by 14/5 mm Hg.",
        # places in capitals and with an "of" or "for" after their noun; a county; not a section heading
        "KENYATTA NATIONAL HOSPITAL\nCOURSE IN HOSPITAL\nAt the Royal Infirmary of Edinburgh and the Royal Belfast "
        "Hospital for Sick Children; lives in Cook County. American Academy of Pediatrics advice.":
            "[LOCATION]\nCOURSE IN HOSPITAL\nAt the [LOCATION] and the [LOCATION]; lives in [LOCATION]. American "
            "Academy of Pediatrics advice.",
        # streets without numbers, with a flat or suite, a post-office box; a road that is no address stays
        "Scene: Klipspruit Valley Road and Chris Hani Road. Home: Flat 2F1, 37 Easter Road. Office: 1967 Riverside "
        "Drive, Suite 300. P.O. Box 20723-00202. A road traffic collision.":
            "Scene: [ADDRESS] and [ADDRESS]. Home: [ADDRESS]. Office: [ADDRESS]. [ADDRESS]. A road traffic collision.",
        # names: particles in lower case, capitals, "Surname, Given", nicknames, initials, a maiden name, CJK
        "Paramedic: Pieter van der Merwe. PATIENT: KOWALCZYK,EDMUND JOSEPH. Mother: DELA CRUZ, Maria Teresa S. "
        "Mrs Okafor (née Eze). Mdm Goh Siew Lan (吳秀蘭). Signed: TB\nMinutes recorded by CML.":
            "Paramedic: [NAME]. PATIENT: [NAME]. Mother: [NAME]. Mrs [NAME] (née [NAME]). Mdm [NAME] ([NAME]). "
            "Signed: [NAME]\nMinutes recorded by [NAME].",
        # a state or a country alone is not an identifier
        "Born in Texas, grew up in Ireland.": "Born in Texas, grew up in Ireland.",
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_the_de_identification_bench_entry_times_a_letter_it_scrubs():
    from medapp.bench import extras_for
    from medapp.modalities.notes.bench import LETTER, bench_deid

    assert "medapp.modalities.notes.bench:bench_deid" in extras_for({"notes"})
    row = bench_deid(repeats=3)
    assert row["notes.deid_letter_ms_p50"] > 0 and row["notes.deid_20k_pathological_chars_s_max"] > 0
    assert row["notes.deid_ms_per_1000_words_p50"] == pytest.approx(
        row["notes.deid_letter_ms_p50"] * 1000 / len(LETTER.split()), rel=0.01)
    clean = scrub(LETTER)[0]  # the letter holds what the rules remove, and what they keep
    assert "Thistlethwaite" not in clean and "943 476 5919" not in clean and "Parkinson's disease" in clean


def test_identifiers_a_third_blind_corpus_found_kept_and_their_look_alikes():
    """deid_review_corpus_5 (2026-12-06, US records and six other countries) found these kept; the look-alikes beside
    them (a role before a credential, a language, a newborn's label, a surname that is a language, a state's code
    after a city) must stay or stay whole."""
    cases = {
        "Electronically signed by Mahesh Iyer, MD. Clinician: Aroha (Key Worker, RN). Read by: Yuki Tanabe, MD, "
        "pager 4-7712. University of Pittsburgh (Pittsburgh, PA).":
            "Electronically signed by [NAME], MD. Clinician: [NAME] (Key Worker, RN). Read by: [NAME], MD, "
            "pager [PHONE]. [LOCATION] ([LOCATION]).",
        "Primary language: Polish. Interpreter: Vietnamese, on site. Driver Mr B. Zulu. Mother: DELA CRUZ, Maria. "
        "NEWBORN: Baby Boy DELA CRUZ.":
            "Primary language: Polish. Interpreter: Vietnamese, on site. Driver Mr [NAME]. Mother: [NAME]. "
            "NEWBORN: Baby Boy [NAME].",
        "1450 Old Route 9, Wappingers Falls, NY 12590. 3115 University Dr E, Suite 210. Refill sent to CVS on W 38th "
        "St. 14–16 Chapel Lane.":
            "[ADDRESS] [POSTCODE]. [ADDRESS]. Refill sent to [LOCATION] on [ADDRESS]. [ADDRESS].",  # the town with its street
        "09/05 — Telephone encounter. Respite from 2–9 July. Lamotrigine started on the 2nd and now a rash; away "
        "from the 22nd to the 29th of April. Admitted on Monday the 12th after a fall. Seen for 21/02.":
            "[DATE] — Telephone encounter. Respite from [DATE]. Lamotrigine started on [DATE] and now a rash; away "
            "from [DATE] to the [DATE]. Admitted on [DATE] after a fall. Seen for [DATE].",
        "Unit: 5 North (Telemetry); then Ortho 3 East. Accession: CT24-1019-00731. UDI (01)10603295071213(10)M55021. "
        "MCNZ 28461. Tanner stage 2 on the Hana table.":
            "Unit: [LOCATION] (Telemetry); then [LOCATION]. Accession: [ID]. UDI [ID]. MCNZ [ID]. Tanner stage 2 on the "
            "Hana table.",
        "From Quarry Hills Assisted Living; PCP at Aggieland Primary Care; referral to Tōtara Hospice.":
            "From [LOCATION]; PCP at [LOCATION]; referral to [LOCATION].",
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_identifiers_a_fourth_blind_corpus_found_kept_and_their_look_alikes():
    """deid_review_corpus_6 (2026-12-06) found these kept; beside them a heading in capitals after "PATIENT", a
    catheter named after a person whose namesake nurse is in the note, a dose with a unit, a transposon's name."""
    cases = {
        "PATIENT LIST\nPatient: NGUYEN Thi Lan     DOB: 14/07/1938\nMedical social worker Ramasamy s/o Krishnan. "
        "Scribe: Brianna K.\nPSW Gurpreet (agency). Seen by lactation (April, IBCLC). Named Aurora Mae.":
            "PATIENT LIST\nPatient: [NAME]     DOB: [DATE]\nMedical social worker [NAME]. "
            "Scribe: [NAME].\nPSW [NAME] (agency). Seen by lactation ([NAME], IBCLC). Named [NAME].",
        "Nurse Foley reviewed her. Foley stopped draining at 4 am. Marcus \"Smoke\" visits.":
            "Nurse [NAME] reviewed her. Foley stopped draining at 4 am. [NAME] \"[NAME]\" visits.",
        "Last seen 12/13. Admitted from 24/2 to 3/3. Turned 92 on Oct 2. Age/Sex: 90 / M. Case management (x5521).":
            "Last seen [DATE]. Admitted from [DATE]. Turned [AGE>89] on [DATE]. Age/Sex: [AGE>89] / M. Case management "
            "([PHONE]).",
        "Medi-Cal CIN: 91234567A. Tab. Rosuvas 10   0-0-1   x 30 days; heparin 100000IU; 1000mg.":
            "Medi-Cal CIN: [ID]. Tab. Rosuvas 10   0-0-1   x 30 days; heparin 100000IU; 1000mg.",
        "At Sunnyside Pediatrics, Lake Superior Women's Health, Valley Children's, Pharmacie Brunet; Mass at "
        "St. Hedwig. Keller 7 MICU, Ward C3B. 2247 Burton St SE. 212 rue Principale, unit 4.":
            "At [LOCATION], [LOCATION], [LOCATION], [LOCATION]; Mass at [LOCATION]. [LOCATION], [LOCATION]. "
            "[ADDRESS]. [ADDRESS].",
        "Dr Euan Drummond\nGP Principal\n\nED/ks\nSigned NH": "Dr [NAME]\nGP Principal\n\n[NAME]\nSigned [NAME]",
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_identifiers_a_fifth_blind_corpus_found_kept_and_their_look_alikes():
    """deid_review_corpus_7 (2026-12-06) found these kept; beside them "the doctor said" (Said is a given name),
    "An area of demyelination", a fraction after "approximately", a heading in capitals."""
    cases = {
        "Her granddaughter Marisol and her husband david visit. The doctor said it was fine. PCP is dr. tom o'hara "
        "at the practice. Brought in by his roommate jake.":
            "Her granddaughter [NAME] and her husband [NAME] visit. The doctor said it was fine. PCP is dr. [NAME] "
            "at the practice. Brought in by his roommate [NAME].",
        "Sincerely,\nWojciech \"Voytek\" Zieliński, MD\nName: Daniel (Danny) Whitlock-Agyeman\nName: Niamh Ní "
        "Shúilleabháin":
            "Sincerely,\n[NAME], MD\nName: [NAME]\nName: [NAME]",
        "Sutures out around Feb 25-Mar 1; acute care Jan 4-12. Raised in the Glen Park neighborhood; lives at 3318 "
        "E 34th St. Cut his palm on Koval Ln. Dispensed by Boots, High Street. Approximately 1/3 were well. An area "
        "of demyelination.":
            "Sutures out around [DATE]; acute care [DATE]. Raised in the [LOCATION] neighborhood; lives at [ADDRESS]. "
            "Cut his palm on [ADDRESS]. Dispensed by Boots, [ADDRESS]. Approximately 1/3 were well. An area of "
            "demyelination.",
        "Insurance: member CHF 7720 4419 01. HRN MI-40127. Medicare 2953 51673 1/2. CPN Ailsa Drummond; his pal "
        "Dougie; her nan Velma.\nH. Marsh RGN\nLEARNING DISABILITY ANNUAL HEALTH CHECK":
            "Insurance: member [ID]. HRN [ID]. Medicare [ID]. CPN [NAME]; his pal [NAME]; her nan [NAME].\n[NAME] RGN\n"
            "LEARNING DISABILITY ANNUAL HEALTH CHECK",
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_identifiers_a_sixth_blind_corpus_found_kept_and_their_look_alikes():
    """deid_review_corpus_8 (2026-12-06) found these kept; beside them "on 10/12" (ten months, or a date: left), a
    week's fraction "on 5/7", a service in a heading ("Child Abuse Pediatrics"), an address's "#08-1234"."""
    cases = {
        "Surgery: Thu 3/14. Visit: Tuesday, June 4, 2024. On 28/12 she took 16 tablets; on 5/7 of antibiotics. "
        "Repeat survey (9/30-10/1). DOB 1952-Nov-03. MMSE 19/30, Jan-2025. Since last review (Feb '24).":
            "Surgery: [DATE]. Visit: [DATE]. On [DATE] she took 16 tablets; on 5/7 of antibiotics. "
            "Repeat survey ([DATE]). DOB [DATE]. MMSE 19/30, [DATE]. Since last review ([DATE]).",
        "Clinic line (678) 555-0120, ext. 3; pager 979-555-0100 #4471. MRN BVCH 3320-8817. Police Department case "
        "24-011873, Det. R. Castañeda. MSP practitioner # 38294. MCRN 402718.":
            "Clinic line [PHONE]; pager [PHONE]. MRN [ID]. Police Department case "
            "[ID], Det. [NAME]. MSP practitioner # [ID]. MCRN [ID].",
        "Goes by \"JJ\". Caller: Demelza (senior carer). The director, Mrs. kowalski, reports no concerns. "
        "Interpreter Trần Văn Hải. Daughter Concetta \"Connie\" Van der Berg.\nAS/rnm\ntranscribed by jmp":
            "Goes by \"[NAME]\". Caller: [NAME] (senior carer). The director, Mrs. [NAME], reports no concerns. "
            "Interpreter [NAME]. Daughter [NAME].\n[NAME]\ntranscribed by [NAME]",
        "Address: #1207 - 3980 Carrigan Court. 7 Killyhevlin Park, Enniskillen, Co. Fermanagh BT74 6FW. Rx to "
        "Walgreens at 3302 N Broadway, near N Halsted St, Blk 456 Ang Mo Kio Avenue 10, #08-1234.\n"
        "Valley Children's Hospital - Child Abuse Pediatrics":
            "Address: [ADDRESS]. [ADDRESS], [LOCATION] [POSTCODE]. Rx to "
            "[LOCATION] at [ADDRESS], near [ADDRESS], [ADDRESS].\n"
            "[LOCATION] - Child Abuse Pediatrics",
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_identifiers_a_seventh_blind_corpus_found_kept_and_their_look_alikes():
    """deid_review_corpus_9 (2026-12-06) found these kept; beside them gravida and para ("G2P1102"), "Harm reduction",
    "Dear Colleague", "Birth:", a rapid-access clinic, a salutation before a doctor with a particle."""
    cases = {
        "Pt: tyler j. brennan   DOB 2/9/1994. His coworker david was hurt; trooper B. Nakagawa at bedside; Dr "
        "O'Sullivan (pgr 4417). Tdap last 3/2019. Elder Marie Sylliboy visited.":
            "Pt: [NAME]   DOB [DATE]. His coworker [NAME] was hurt; trooper [NAME] at bedside; Dr "
            "[NAME] (pgr [PHONE]). Tdap last [DATE]. Elder [NAME] visited.",
        "G2P1102, O+. Harm reduction: naloxone. Dear Colleague,\nBirth: 9/10/2025. To: Rapid Access Lung Clinic. "
        "Dear Dr ap Rhys, the Kroger on Woodman Dr stocking shelves; crash at Rainier Ave S and S Genesee St.":
            "G2P1102, O+. Harm reduction: naloxone. Dear Colleague,\nBirth: [DATE]. To: Rapid Access Lung Clinic. "
            "Dear Dr [NAME], the [LOCATION] on [ADDRESS] stocking shelves; crash at [ADDRESS] and [ADDRESS].",
        "Address: 14 Kahikatea Drive, Frankton, Hamilton 3204\nReferral to Menzieshill Community Hub and Bluebell "
        "Homecare.":
            "Address: [ADDRESS], [LOCATION] [POSTCODE]\nReferral to [LOCATION].",  # two places joined by "and": one
    }
    for note, expected in cases.items():
        assert scrub(note)[0] == expected, note


def test_an_nhs_number_said_in_words_and_a_birth_year_after_the_date_of_birth_are_removed():
    """A clinical-safety review dictated an NHS number and a date of birth: the transcript kept the number in words and
    the year after the removed day and month."""
    said = ("NHS Umbur, I one hundred and forty three, four hundred and seventy six, five thousand nine hundred and "
            "nineteen, date of birth, 3rd of March, I 1962, seen today")
    assert scrub(said)[0] == "NHS Umbur, I [ID], date of birth, [DATE], I [DATE], seen today"
    # numbers in words elsewhere stay: a blood pressure, a count, a year of birth alone, the NHS's own services
    kept = ("BP one hundred and forty over ninety. The NHS trust paid for two hundred and fifty tablets. Born in 1962. "
            "DOB 17/08/1952 is a date already.")
    assert scrub(kept)[0] == kept.replace("17/08/1952", "[DATE]")
