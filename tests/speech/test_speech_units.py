"""Fast checks without the model: WER normalisation, the loop guard, the vocabulary prompt, weight hashes."""
from __future__ import annotations

import numpy as np
import pytest

from medapp.modalities.speech import vocabulary
from medapp.modalities.speech.model import Segment, collapse_repeats, guard_segments
from medapp.modalities.speech.weights import ModelIntegrityError, sha256_file, verify_files
from medapp.modalities.speech.wer import normalise, word_error_rate
from medapp.types import InputError, Prediction


def test_wer_normalises_numbers_units_and_spelling():
    assert normalise("Start furosemide 40mg IV, BP 140/90; sats 94%.") == \
        "start furosemide forty milligrams iv bp one hundred forty over ninety sats ninety four percent"
    assert word_error_rate("mild peripheral oedema", "Mild peripheral edema.") == 0.0
    assert word_error_rate("one hundred and forty", "140") == 0.0
    assert word_error_rate("a b c d", "a x c") == pytest.approx(0.5)  # one substitution, one deletion
    assert word_error_rate(["a b", "c d"], ["a b", ""]) == pytest.approx(0.5)  # corpus-level


def test_loop_guard_cuts_repeated_phrases_to_one_copy():
    words = "The patient is stable. Thank you. Thank you. Thank you. Thank you.".split()
    out, loop = collapse_repeats(words)
    assert out == "The patient is stable. Thank you.".split()
    assert loop == "Thank you."
    assert collapse_repeats("no no pain".split()) == ("no no pain".split(), None)  # real speech kept
    assert collapse_repeats("very very very very good".split())[0] == ["very", "good"]


def test_loop_guard_caps_words_to_what_the_time_can_hold():
    looped = Segment(10.0, 12.0, " ".join(f"w{i}" for i in range(60)), 0.4)
    ok = Segment(0.0, 4.0, "start furosemide forty milligrams intravenously", 0.9)
    kept, warnings = guard_segments([ok, looped])
    assert kept[0] == ok
    assert len(kept[1].text.split()) == 13  # 2 s x 5 words/s + 3
    assert len(warnings) == 1 and "more words than that much speech can hold" in warnings[0]


def test_prompt_keeps_priority_order_within_the_token_budget():
    terms = [f"term{i}" for i in range(100)]
    prompt = vocabulary.build_prompt(terms, lambda s: len(s.split()), budget=16)
    assert prompt == vocabulary.PROMPT_HEAD + ", ".join(f"term{i}" for i in range(10)) + "."
    assert vocabulary.build_prompt([], len) == ""


def test_site_terms_come_first_and_bad_lists_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("MEDAPP_VAR_DIR", str(tmp_path))
    kept = vocabulary.save_site_terms("# our ward\nEdoxaban\n\nedoxaban\nTicagrelor\n")
    assert kept == ["Edoxaban", "Ticagrelor"]
    terms = vocabulary.all_terms()
    assert terms[:2] == ["Edoxaban", "Ticagrelor"]
    assert "furosemide" in terms and "Psoriasis" in terms  # shipped list and medapp's own model labels
    assert "absent" not in terms and "transcript" not in terms
    with pytest.raises(InputError, match="at most 200"):
        vocabulary.save_site_terms("\n".join(f"t{i}" for i in range(201)))
    with pytest.raises(InputError, match="longer than"):
        vocabulary.save_site_terms("x" * 61)
    assert vocabulary.site_terms() == ["Edoxaban", "Ticagrelor"]  # a refused edit changes nothing


def test_a_changed_weight_file_refuses_to_load(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"weights")
    good = sha256_file(tmp_path / "model.bin")
    verify_files(tmp_path, {"model.bin": good}, what="test model")
    (tmp_path / "model.bin").write_bytes(b"weightz")
    with pytest.raises(ModelIntegrityError, match="model.bin has SHA-256 .* expects .*refusing|not loaded"):
        verify_files(tmp_path, {"model.bin": good}, what="test model")
    with pytest.raises(ModelIntegrityError, match="missing"):
        verify_files(tmp_path, {"config.json": good}, what="test model")


def test_prediction_carries_text_and_segments_through_json():
    pred = Prediction("m", "1", ("transcript",), np.ones(1), "transcript", text="start aspirin",
                      segments=({"start": 0.0, "end": 1.5, "text": "start aspirin", "confidence": 0.9},))
    d = pred.to_dict()
    assert d["text"] == "start aspirin" and d["segments"][0]["end"] == 1.5
    back = Prediction.from_dict(d)
    assert back.text == pred.text and back.segments == pred.segments
    plain = Prediction("m", "1", ("a", "b"), np.array([0.3, 0.7]), "b").to_dict()
    assert "text" not in plain  # other modalities' JSON is unchanged


def test_split_weights_are_joined_in_memory_and_checked(tmp_path, monkeypatch):
    import hashlib

    from medapp.modalities.speech import weights

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a/model.bin.part1").write_bytes(b"first half|")
    (tmp_path / "b/model.bin.part2").write_bytes(b"second half")
    monkeypatch.setattr(weights, "package_folder", lambda pkg: tmp_path / pkg["module"])
    h = lambda b: hashlib.sha256(b).hexdigest()  # noqa: E731
    spec = {"module": "a", "files": {"model.bin.part1": h(b"first half|")},
            "parts": [{"module": "b", "files": {"model.bin.part2": h(b"second half")}}],
            "join": {"model.bin": {"from": ["model.bin.part1", "model.bin.part2"], "sha256": h(b"first half|second half")}}}
    assert weights.verified_files(spec, what="split") == {"model.bin": b"first half|second half"}
    spec["join"]["model.bin"]["sha256"] = h(b"something else")
    with pytest.raises(ModelIntegrityError, match="joined from model.bin.part1, model.bin.part2"):
        weights.verified_files(spec, what="split")


def test_numbers_and_units_are_written_as_said():
    from medapp.modalities.speech.spoken import as_spoken

    assert as_spoken("Start furosemide 40mg IV, BP 140/90; sats 94%.") == \
        "Start furosemide forty milligrams IV, BP one hundred and forty over ninety; sats ninety four percent."
    assert as_spoken("Commence amoxicillin 500 mg, 3 times a day") == \
        "Commence amoxicillin five hundred milligrams, three times a day"
    assert as_spoken("paracetamol 1 g, morphine 2.5 mg, gentamicin 5 mg/kg") == \
        "paracetamol one gram, morphine two point five milligrams, gentamicin five milligrams per kilogram"
    # "on the 3rd" is a day of the month, an identifier: it stays digits for de-identification to remove
    assert as_spoken("a 72-year-old for 2-3 days on the 3rd at 8:30") == \
        "a seventy two year-old for two to three days on the 3rd at eight thirty"
    assert as_spoken("on the 3rd day") == "on the third day"
    assert as_spoken("1,250 units, vitamin B12, 1000 mcg") == \
        "one thousand two hundred and fifty units, vitamin B12, one thousand micrograms"
    assert as_spoken("no numbers here.") == "no numbers here."
    # the WER normaliser reads both conventions as the same words
    assert normalise(as_spoken("BP 140/90, 40 mg")) == normalise("BP 140/90, 40 mg")
    # at the end of a sentence too (left as "140/90." and "eight:thirty.")
    assert as_spoken("BP 140/90. Seen at 8:30.") == "BP one hundred and forty over ninety. Seen at eight thirty."


def test_dictated_identifiers_stay_digits_for_de_identification_to_remove():
    """A privacy review: spelled out before de-identification, a spoken NHS number, phone, MRN and date of birth
    were stored and exported as words ("four hundred and eighty five ..."); the phone lost its leading 0 and the
    date read as a blood pressure. They stay digits, so the note's de-identifier removes them."""
    from medapp.modalities.notes.deid import scrub
    from medapp.modalities.speech.spoken import as_spoken

    said = as_spoken("NHS number 485 777 3456, phone 07700 900123, DOB 14/03/1952, MRN 00458812, aged 93. "
                     "Give 40 mg.")
    assert said == ("NHS number 485 777 3456, phone 07700 900123, DOB 14/03/1952, MRN 00458812, aged 93. "
                    "Give forty milligrams.")
    assert scrub(said)[0] == "NHS number [ID], phone [PHONE], DOB [DATE], MRN [ID], aged [AGE>89]. Give forty milligrams."
    # a number written out digit by digit, as a transcript may give it, is an identifier too; a dose is not
    assert scrub("NHS number four eight five, seven seven seven, three four five six. One or two tablets. Phone oh "
                 "seven seven double oh nine oh oh one two three.")[0] == \
        "NHS number [ID]. One or two tablets. Phone [ID]."


def test_identifiers_as_whisper_writes_them_are_removed_and_years_stay_years():
    """A cardiology review dictated an NHS number and a phone number: Whisper wrote "943, 476, 5919" and
    "0-7-7-0-0-9-0-0-1-2-3"; neither was removed, "0-7-7" became "zero to seven to seven", and "born in 1952"
    became "one thousand nine hundred and fifty two"."""
    from medapp.modalities.notes.deid import scrub
    from medapp.modalities.speech.spoken import as_spoken

    said = as_spoken("NHS number: 943, 476, 5919. Phone 0-7-7-0-0-9-0-0-1-2-3. NHS number is 9-4-3-4-7-6-5-9-1-9. "
                     "Call 01424, 755, 255. Born in 1952.")
    assert scrub(said)[0] == "NHS number: [ID]. Phone [PHONE]. NHS number [ID]. Call [PHONE]. Born in 1952."
    # lists, ranges, counts and doses are still said as numbers
    assert scrub(as_spoken("NHS number 485, 777-3456."))[0] == "NHS number [ID]."
    # the first comma without its space, as Whisper wrote it for a clinical-safety review: read as a thousands comma,
    # the number was spelled out ("four hundred and eighty five thousand ...") and kept in the de-identified note
    assert scrub(as_spoken("His NHS number is 485,777, 3456. Call 07700,900461."))[0] == (
        "His NHS number [ID]. Call [PHONE].")
    # a re-check: lists joined into one number ("five million ...") or removed as identifiers
    for said in ("Warfarin 5, 5, 4, 5, 5, 4, 5 milligrams.", "Fractured ribs 3, 4, 5, 6, 7, 8 and 9.",
                 "Fluid balance 1500, 1750, 2000 ml.", "Ribs three, four, five, six, seven and eight."):
        assert "[" not in scrub(as_spoken(said))[0] and "million" not in as_spoken(said), said
    assert as_spoken("Gave 120, 130, 140 mg over 2-3 days. Scores 1, 2, 3. Platelets 250,000. Take 2000 mg.") == (
        "Gave one hundred and twenty, one hundred and thirty, one hundred and forty milligrams over two to three "
        "days. Scores one, two, three. Platelets two hundred and fifty thousand. Take two thousand milligrams.")



def test_british_double_and_triple_in_a_read_out_number_are_expanded_and_removed():
    """A re-check: "triple seven four two nine oh one", as Whisper writes it ("triple 7-429-01", "double 4, 72, 991"),
    was kept and then said "triple seven to four hundred and twenty nine to one". Next to other digit groups or
    after an identifier's label, "double 4" is 44 and "triple 7" 777, and the run is one number."""
    from medapp.modalities.notes.deid import scrub
    from medapp.modalities.speech.spoken import as_spoken

    assert as_spoken("Phone number triple 7-429-01.") == "Phone number 77742901."
    assert as_spoken("NHS number double 4, 72, 991.") == "NHS number 4472991."
    cases = {"Phone number triple 7-429-01.": "Phone number [PHONE].", "NHS number double 4, 72, 991.": "NHS number [ID].",
             "His number is double 4, 72, 991.": "His number is [ID].", "Call 0113 double 4, 72, 991.": "Call [PHONE]."}
    for said, expected in cases.items():
        assert scrub(as_spoken(said))[0] == expected, said
    # words, a dose and a lone "triple 7" stay what was said
    kept = "Please double check the dose. Start triple therapy. Double vision. Triple A repair. Double the dose to 5 mg. "
    assert as_spoken(kept + "Triple 7. Double 2 tablets. Double 4, 72, 99. Phone triple 7.") == kept.replace(
        "5 mg", "five milligrams") + "Triple seven. Double two tablets. Double four, seventy two, ninety nine. Phone " \
        "triple seven."  # a number de-identification would not remove once joined is left as said
    assert scrub(as_spoken(kept))[0] == as_spoken(kept)


def test_a_date_of_birth_spelled_out_is_a_date():
    """A re-check: "D-O-B-12, O-6, 48" (the letters read out, "O" said for zero) was kept and said "D-O-B twelve, O six,
    forty eight". After a date-of-birth label, day, month and year groups are a date; "O" and "oh" are a zero only
    there."""
    from medapp.modalities.notes.deid import scrub
    from medapp.modalities.speech.spoken import as_spoken

    assert as_spoken("D-O-B-12, O-6, 48.") == "DOB 12/06/48."
    assert scrub(as_spoken("D-O-B-12, O-6, 48. D O B 3, 1-O, 52. Date of birth is 7 oh 4 1939. DOB: 14/03/1952."))[0] \
        == "DOB [DATE]. DOB [DATE]. Date of birth is [DATE]. DOB: [DATE]."
    # "oh" as an exclamation, blood group O, a stage, and numbers after DOB that are no date stay as said
    said = "Oh, she fell. Oh 6 months ago. Blood group O. Stage O. DOB 45, 13, 99. Born in 1952. BP 120 over 80."
    assert as_spoken(said) == ("Oh, she fell. Oh six months ago. Blood group O. Stage O. DOB forty five, thirteen, "
                               "ninety nine. Born in 1952. BP one hundred and twenty over eighty.")
    assert "[" not in scrub(as_spoken(said))[0]


def test_an_age_over_89_said_in_words_is_removed():
    """A re-check: "she is ninety-three" (and "she is 93", which was then spelled out) was kept."""
    from medapp.modalities.notes.deid import scrub
    from medapp.modalities.speech.spoken import as_spoken

    said = "She is 93. She is ninety-three. Aged ninety three, a ninety-three-year-old."
    assert as_spoken(said) == said
    assert scrub(as_spoken(said))[0] == "She is [AGE>89]. She is [AGE>89]. Aged [AGE>89], a [AGE>89]-year-old."
    kept = "She is 93 percent on air. Sats on air, she is 93. She is 95 kg. He is seventy-two, aged 72."
    assert as_spoken(kept) == ("She is ninety three percent on air. Sats on air, she is ninety three. She is ninety "
                               "five kilograms. He is seventy-two, aged seventy two.")
    assert scrub(as_spoken(kept))[0] == as_spoken(kept)


def test_a_spoken_address_and_postcode_are_removed():
    """A re-check: a spoken address kept its postcode district ("14 Maple Road, Leeds LS6") and a postcode read out
    letter by letter ("postcode L S six, four A B") was kept."""
    from medapp.modalities.notes.deid import scrub
    from medapp.modalities.speech.spoken import as_spoken

    assert as_spoken("Postcode L S six, four A B.") == "Postcode LS6 4AB."
    cases = {"Lives at 14 Maple Road, Leeds LS6.": "Lives at [ADDRESS] [POSTCODE].",
             "Lives at 14 Maple Road, Leeds. Postcode L S six, four A B.": "Lives at [ADDRESS]. Postcode [POSTCODE].",
             "Her postcode is L S 6.": "Her postcode is [POSTCODE].", "Postcode is LS6, 4AB.": "Postcode is [POSTCODE].",
             "Flat 2, 9 Elm Grove, L S six, four A B.": "[ADDRESS], [POSTCODE]."}
    for said, expected in cases.items():
        assert scrub(as_spoken(said))[0] == expected, said
    # letters, levels and grades that are not a postcode
    kept = "L5 vertebra, S1 root, vitamin B12, CD45RA. Grade A B C. Hepatitis A, B and C. Seen by the CT2."
    assert as_spoken(kept) == "L5 vertebra, S1 root, vitamin B12, CD45RA. Grade A B C. Hepatitis A, B and C. Seen by " \
        "the CT2."
    assert scrub(as_spoken(kept))[0] == kept


def test_near_miss_medicine_names_are_corrected_and_real_words_kept():
    from medapp.modalities.speech.correct import corrector_for

    fix = corrector_for(tuple(vocabulary.shipped_terms()))
    assert fix.correct("Give ondancetron 4 mg and bisa prolol daily.") == (
        "Give ondansetron 4 mg and bisoprolol daily.", [("ondancetron", "ondansetron"), ("bisa prolol", "bisoprolol")])
    assert fix.correct("Increase bisoprolo to five, Metrinitazol,")[0] == "Increase bisoprolol to five, Metronidazole,"
    # real words near a term, variants of a term and exact terms are never changed
    kept = ("hypotension with prednisone; creatine kinase raised; hypertensives, bradycardic, electrocardiographic "
            "changes; intravenous atrial fibrillation on apixaban; micrograms/ml")
    assert fix.correct(kept) == (kept, [])


def test_correction_changes_nothing_in_published_medical_abstracts():
    """False corrections measured on real medical text (300 abstracts, about 54,000 words): none."""
    import csv

    from medapp.modalities.speech.correct import corrector_for
    from medapp.registry import data_root

    path = data_root() / "text/medical_abstracts/medical_abstracts.csv"
    with path.open(newline="") as fh:
        texts = [row["text"] for _, row in zip(range(300), csv.DictReader(fh))]
    fix = corrector_for(tuple(vocabulary.all_terms(include_site=False)))
    changes = [c for t in texts for c in fix.correct(t)[1]]
    assert sum(len(t.split()) for t in texts) > 40_000
    assert changes == []
